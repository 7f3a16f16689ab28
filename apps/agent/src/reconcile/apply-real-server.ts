import type { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import type { SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import { planRealServer, type HostCheck, type HostPlan } from '@fulcrum/lvs/host-plan/host-plan';
import type { RealServerSnapshot } from '@fulcrum/protocol/snapshot';
import type { Host } from '../host/host';
import type { Logger } from '../log/logger';
import type { AgentState } from '../state/state-store';
import { ensureModules, type ApplyOutcome } from './apply-director';
import { applyError, reconcileAddresses, reconcileSysctls, type StepOutcome } from './host-settings';

/** Everything a real-server apply needs. `state` is updated in place; the caller persists it. */
export interface RealServerApplyContext {
  host: Host;
  state: AgentState;
  log: Logger;
}

/** One host plan per forwarding method in use (NAT: per gateway), from @fulcrum/lvs planRealServer. */
export function planRealServerHost(snapshot: RealServerSnapshot): HostPlan[] {
  const plans: HostPlan[] = [];
  for (const forwarding of ['DR', 'TUN'] as const) {
    const vips = snapshot.vips.filter((v) => v.forwarding === forwarding).map((v) => v.address);
    if (vips.length > 0) plans.push(planRealServer({ forwarding, vips: [...new Set(vips)] }));
  }
  for (const vip of snapshot.vips.filter((v) => v.forwarding === 'NAT')) plans.push(planRealServer({ forwarding: 'NAT', vips: [vip.address], gateway: vip.gateway }));
  return plans;
}

/**
 * Applies a real-server snapshot: modules (ipip for TUN), links up (tunl0), sysctls (arp_ignore /
 * arp_announce, rp_filter), VIPs on lo / tunl0; NAT gateways are checked and reported, never changed.
 * Only what the agent added is ever removed (state.ownedAddresses / ownedSysctls).
 */
export async function applyRealServerSnapshot(ctx: RealServerApplyContext, snapshot: RealServerSnapshot, revertDrift: boolean): Promise<ApplyOutcome> {
  const plans = planRealServerHost(snapshot);
  const modules = [...new Set(plans.flatMap((p) => p.modules))];
  const missing = await ensureModules(ctx.host, modules, ctx.log);
  const outcome: ApplyOutcome = { status: 'applied', changes: 0, errors: [], missing, drift: [] };
  const merge = (step: StepOutcome) => {
    outcome.changes += step.changes;
    outcome.errors.push(...step.errors);
    outcome.drift.push(...step.drift);
  };

  const links = [...new Set(plans.flatMap((p) => p.links))];
  if (links.length > 0) {
    try {
      const state = new Map((await ctx.host.addresses.list()).map((l) => [l.name, l.isUp]));
      for (const link of links) {
        if (state.get(link) === true) continue;
        try {
          await ctx.host.addresses.setLinkUp(link);
          outcome.changes++;
        } catch (e) {
          outcome.errors.push(applyError(`link ${link} up`, e));
        }
      }
    } catch (e) {
      outcome.errors.push(applyError('links', e));
    }
  }
  const sysctls: SysctlSetting[] = plans.flatMap((p) => p.sysctls);
  merge(await reconcileSysctls(ctx.host.sysctls, sysctls, ctx.state, revertDrift));
  const addresses: InterfaceAddress[] = plans.flatMap((p) => p.addresses);
  merge(await reconcileAddresses(ctx.host.addresses, addresses, ctx.state, revertDrift));
  for (const check of plans.flatMap((p) => p.checks)) outcome.errors.push(...(await runCheck(ctx.host, check)));
  if (outcome.errors.length > 0 || outcome.missing.length > 0) outcome.status = 'partial';
  return outcome;
}

async function runCheck(host: Host, check: HostCheck): Promise<ApplyOutcome['errors']> {
  try {
    const { gateway, argv } = await host.addresses.defaultGateway(check.family);
    if (gateway === check.expected) return [];
    return [
      {
        item: `default gateway (${check.family})`,
        message: `NAT needs ${check.expected} as the default gateway (${check.reason}); this host uses ${gateway ?? 'none'}. Not changed by the agent.`,
        argv,
      },
    ];
  } catch (e) {
    return [applyError(`default gateway (${check.family})`, e)];
  }
}
