import { describeOperation } from '@fulcrum/lvs/diff/diff-ipvs-tables';
import type { KeepalivedConfig } from '@fulcrum/lvs/keepalived/model';
import { serviceKey, type IpvsTable } from '@fulcrum/lvs/model/ipvs';
import { planDirector } from '@fulcrum/lvs/host-plan/host-plan';
import type { AppliedFrame, DriftItem } from '@fulcrum/protocol/frames';

type ApplyError = AppliedFrame['errors'][number];
import type { DirectorSnapshot } from '@fulcrum/protocol/snapshot';
import type { Host } from '../host/host';
import type { Logger } from '../log/logger';
import type { AgentState } from '../state/state-store';
import { applyError, reconcileAddresses, reconcileSysctls, type StepOutcome } from './host-settings';
import { applyHealthOverlay, planIpvsChanges, verifyIpvsApply } from './ipvs-plan';

/** What one apply did, ready for the applied frame (plus the drift it left in place). */
export interface ApplyOutcome {
  status: 'applied' | 'partial' | 'failed';
  changes: number;
  errors: ApplyError[];
  missing: string[];
  drift: DriftItem[];
}

/** Keeps keepalived in line with the snapshot's VRRP config (see vrrp/keepalived-supervisor.ts). */
export interface VrrpController {
  update(config: KeepalivedConfig | null): Promise<StepOutcome>;
}

/** Everything an apply needs. `state` is updated in place; the caller persists it. */
export interface DirectorApplyContext {
  host: Host;
  state: AgentState;
  batchThreshold: number;
  vrrp: VrrpController | null;
  /** "service-key destination-key" of destinations a health check finds DOWN: kernel weight 0. */
  healthDown: ReadonlySet<string>;
  log: Logger;
}

/** Loads the modules a plan needs; returns what could not be loaded ("module ip_vs_mh"). */
export async function ensureModules(host: Host, modules: readonly string[], log: Logger): Promise<string[]> {
  const missing: string[] = [];
  for (const name of modules) {
    try {
      await host.modules.ensure(name);
    } catch (e) {
      log.warn('kernel-module-missing', { module: name, message: (e as Error).message });
      missing.push(`module ${name}`);
    }
  }
  return missing;
}

// Services whose scheduler module is missing are left as the kernel holds them (and reported in
// `missing`) instead of failing one ipvsadm call per service.
function withoutUnschedulable(desired: IpvsTable, actual: IpvsTable, missing: readonly string[]): IpvsTable {
  const absent = new Set(missing.filter((m) => m.startsWith('module ip_vs_')).map((m) => m.slice('module ip_vs_'.length)));
  if (absent.size === 0) return desired;
  const actualByKey = new Map(actual.services.map((s) => [serviceKey(s), s]));
  const services = desired.services.flatMap((s) => {
    if (!absent.has(s.scheduler)) return [s];
    const current = actualByKey.get(serviceKey(s));
    return current ? [current] : [];
  });
  return { services };
}

/**
 * Applies a director snapshot: kernel capabilities first (ip_vs, the schedulers in use), then sysctls
 * (ip_forward for NAT), lone-director VIPs, the IPVS diff (single calls or one ipvsadm -R batch), a
 * read-back that decides per operation whether it took effect, and finally keepalived's VRRP config.
 */
export async function applyDirectorSnapshot(ctx: DirectorApplyContext, snapshot: DirectorSnapshot, revertDrift: boolean): Promise<ApplyOutcome> {
  const plan = planDirector({ table: snapshot.ipvs, keepalived: snapshot.keepalived ?? { routerId: 'none' } });
  const missing = await ensureModules(ctx.host, plan.modules, ctx.log);
  if (missing.includes('module ip_vs')) return { status: 'failed', changes: 0, errors: [], missing, drift: [] };

  const outcome: ApplyOutcome = { status: 'applied', changes: 0, errors: [], missing, drift: [] };
  const merge = (step: StepOutcome) => {
    outcome.changes += step.changes;
    outcome.errors.push(...step.errors);
    outcome.drift.push(...step.drift);
  };
  merge(await reconcileSysctls(ctx.host.sysctls, [...plan.sysctls, ...snapshot.sysctls], ctx.state, revertDrift));
  merge(await reconcileAddresses(ctx.host.addresses, snapshot.addresses, ctx.state, revertDrift));

  try {
    // thresholds cost a second ipvsadm per read: read them when the snapshot or the baseline uses any
    // (a threshold set by hand elsewhere still shows up in the periodic drift check, which reads them)
    const thresholds = usesThresholds(snapshot.ipvs) || (ctx.state.appliedIpvs !== null && usesThresholds(ctx.state.appliedIpvs));
    const actual = await ctx.host.ipvs.readTable({ thresholds });
    const desired = applyHealthOverlay(withoutUnschedulable(snapshot.ipvs, actual, missing), ctx.healthDown);
    const changes = planIpvsChanges({ baseline: ctx.state.appliedIpvs, actual, desired, revertDrift });
    outcome.drift.push(...changes.drift);
    const result = await ctx.host.ipvs.apply(changes.operations, { batchThreshold: ctx.batchThreshold });
    const readBack = changes.operations.length > 0 ? await ctx.host.ipvs.readTable({ thresholds }) : actual;
    const verification = verifyIpvsApply({ previousBaseline: ctx.state.appliedIpvs, desired, readBack, ran: changes.operations, skipped: changes.skipped });
    outcome.changes += changes.operations.length - verification.failed.length;
    for (const operation of verification.failed) {
      const index = changes.operations.indexOf(operation);
      const failure = result.failures.get(index);
      const item = { message: failure?.message ?? (result.batchFailure ? `not in the kernel after ipvsadm -R (${result.batchFailure.message})` : 'not in the kernel after apply'), argv: failure?.argv ?? ctx.host.ipvs.argvOf(operation) };
      outcome.errors.push({ item: describeOperation(operation).slice(0, 200), message: item.message.slice(0, 2000), argv: item.argv.map((a) => a.slice(0, 500)).slice(0, 64) });
    }
    ctx.state.appliedIpvs = verification.baseline;
  } catch (e) {
    outcome.errors.push(applyError('ipvs table', e));
  }

  if (ctx.vrrp) merge(await ctx.vrrp.update(snapshot.keepalived));
  if (outcome.errors.length > 0 || outcome.missing.length > 0) outcome.status = 'partial';
  return outcome;
}

function usesThresholds(table: IpvsTable): boolean {
  return table.services.some((s) => s.destinations.some((d) => d.upperThreshold > 0 || d.lowerThreshold > 0));
}
