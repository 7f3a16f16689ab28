// The opposite of revertNodeDrift: make the configuration match what someone changed by hand in a
// director's kernel — for the differences that map to one field of a Fulcrum object. Everything else
// is refused with the reason, so the operator knows to revert it or to edit the object instead.
import { assertRole, type Actor } from '../auth/actor';
import { commitChange, type AuditEntry } from '../audit/commit-change';
import type { Db } from '../db';
import { compileValidatedSnapshot, loadClusterRows } from '../desired-state/compile-node-snapshot';
import type { RealServerRow } from '../desired-state/compile-snapshot-from-rows';
import { drainLabel } from '../drain/drain-jobs';
import { AppError } from '../errors/app-error';
import type { DriftItemInput } from '../events/drift-reports';
import type { AdoptDriftResult } from '../live/live-schemas';

/** Reads the weight out of a drift item's destination description ("-g -w 3 -x 100"). */
export function weightOfDescription(description: string | null): number | null {
  const match = description?.match(/(?:^|\s)-w\s+(\d+)(?:\s|$)/);
  return match ? Number(match[1]) : null;
}

/** The description without its weight, to see whether anything but the weight differs. */
function withoutWeight(description: string | null): string {
  return (description ?? '').replace(/(?:^|\s)-w\s+\d+(?=\s|$)/, '').trim();
}

/** Splits "TCP 192.0.2.1:80 10.0.0.1:80" into the service key and the destination key (the last word). */
export function splitDestinationKey(key: string): { serviceKey: string; destinationKey: string } | null {
  const at = key.lastIndexOf(' ');
  return at <= 0 ? null : { serviceKey: key.slice(0, at), destinationKey: key.slice(at + 1) };
}

type Plan = { adopt: Array<{ key: string; rs: RealServerRow; serviceKey: string; weight: number }>; refused: AdoptDriftResult['refused'] };

/** Decides item by item what can be adopted. Pure over the loaded rows. */
export function planDriftAdoption(options: { items: DriftItemInput[]; destinations: Record<string, { serviceId: string; destinations: Record<string, string[]> }>; realServers: Map<string, RealServerRow & { serviceKey: string }> }): Plan {
  const plan: Plan = { adopt: [], refused: [] };
  const refuse = (key: string, reason: string) => plan.refused.push({ key, reason });
  for (const item of options.items) {
    if (item.kind !== 'ipvs-destination') {
      refuse(item.key, item.kind === 'ipvs-service' ? 'service settings (scheduler, persistence, flags) are not adopted: edit the virtual service, or revert' : `${item.kind} differences are not adopted: revert them, or change the HA pair / node settings`);
      continue;
    }
    if (item.change === 'missing') {
      refuse(item.key, 'the destination is missing from the kernel: there is nothing to adopt — revert to re-add it, or delete the real server');
      continue;
    }
    const split = splitDestinationKey(item.key);
    const ids = split ? options.destinations[split.serviceKey]?.destinations[split.destinationKey] : undefined;
    if (!split || !ids || ids.length === 0) {
      refuse(item.key, item.change === 'unexpected' ? 'a destination Fulcrum does not manage: add it as a real server to adopt it, or revert to remove it' : 'not a destination of a service Fulcrum manages on this node');
      continue;
    }
    if (item.change === 'unexpected') {
      refuse(item.key, 'unexpected destination of a managed service: add it as a real server, or revert');
      continue;
    }
    const weight = weightOfDescription(item.actual);
    if (weight === null) {
      refuse(item.key, 'the kernel weight could not be read from the drift report');
      continue;
    }
    if (withoutWeight(item.actual) !== withoutWeight(item.desired)) {
      refuse(item.key, `only weights are adopted; the forwarding method or thresholds differ too (kernel "${item.actual ?? ''}", Fulcrum "${item.desired ?? ''}"): edit the real server, or revert`);
      continue;
    }
    for (const id of ids) {
      const rs = options.realServers.get(id);
      if (!rs) continue;
      if (rs.adminState !== 'READY') {
        refuse(item.key, `${drainLabel(rs, rs.serviceKey)} is ${rs.adminState.toLowerCase()}: Fulcrum holds its kernel weight at 0, so a hand-set weight there is not its configured weight — restore it first, or revert`);
        continue;
      }
      if (rs.weight === weight) continue;
      plan.adopt.push({ key: item.key, rs, serviceKey: rs.serviceKey, weight });
    }
  }
  return plan;
}

/** Adopts a director's drift into the configuration where it maps to a real server's weight (operator, audited). */
export async function adoptNodeDrift(options: { db: Db; actor: Actor; nodeId: string }): Promise<AdoptDriftResult> {
  assertRole(options.actor, 'OPERATOR');
  const { db, actor, nodeId } = options;
  const node = await db.node.findUnique({ where: { id: nodeId }, select: { id: true, name: true, role: true, clusterId: true, drift: { select: { items: true, generation: true } } } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');
  const items = (node.drift?.items ?? []) as unknown as DriftItemInput[];
  if (items.length === 0) throw new AppError('CONFLICT', `${node.name} reported no drift: nothing to adopt`);
  let plan: Plan;
  if (node.role !== 'DIRECTOR') {
    plan = { adopt: [], refused: items.map((i) => ({ key: i.key, reason: 'a real server’s VIPs and sysctls follow from the services: revert, or change the real servers' })) };
  } else {
    const rows = await loadClusterRows({ db, clusterId: node.clusterId });
    const compiled = compileValidatedSnapshot(rows, nodeId);
    const realServers = new Map(rows.services.flatMap((s) => s.realServers.map((rs) => [rs.id, { ...rs, serviceKey: s.serviceKey }] as const)));
    plan = planDriftAdoption({ items, destinations: compiled.reportable.services, realServers });
  }
  const adopted = plan.adopt.map((a) => ({ key: a.key, realServerId: a.rs.id, summary: `weight of ${drainLabel(a.rs, a.serviceKey)} ${a.rs.weight} → ${a.weight} (as found on ${node.name})` }));
  const refusedNote = plan.refused.length > 0 ? `; refused ${plan.refused.length}: ${plan.refused.map((r) => r.key).join(', ')}`.slice(0, 1000) : '';
  if (plan.adopt.length === 0) {
    await db.auditEvent.create({
      data: { clusterId: node.clusterId, actorId: actor.userId, actorName: actor.username, action: 'node.adoptDrift', objectType: 'Node', objectId: node.id, summary: `adopted nothing from ${node.name}${refusedNote}`, after: { refused: plan.refused } },
      select: { id: true },
    });
    return { nodeId, adopted, refused: plan.refused };
  }
  await commitChange(db, { actor, clusterId: node.clusterId }, async (tx) => {
    const audit: AuditEntry[] = [];
    for (const a of plan.adopt) {
      // Only if nobody changed the weight or admin state since the compile read above.
      const updated = await tx.realServer.updateMany({ where: { id: a.rs.id, weight: a.rs.weight, adminState: 'READY' }, data: { weight: a.weight, version: { increment: 1 } } });
      if (updated.count !== 1) throw new AppError('CONFLICT', `${drainLabel(a.rs, a.serviceKey)} changed while adopting: reload and try again`);
      audit.push({ action: 'realServer.adoptDrift', objectType: 'RealServer', objectId: a.rs.id, summary: `adopted the kernel weight of ${drainLabel(a.rs, a.serviceKey)} from ${node.name}: ${a.rs.weight} → ${a.weight}`, before: { weight: a.rs.weight }, after: { weight: a.weight } });
    }
    audit.push({ action: 'node.adoptDrift', objectType: 'Node', objectId: node.id, summary: `adopted ${plan.adopt.length} weight(s) from ${node.name}${refusedNote}`, after: { adopted, refused: plan.refused } });
    return { result: null, audit };
  });
  return { nodeId, adopted, refused: plan.refused };
}
