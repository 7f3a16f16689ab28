import { destinationAttributeArgs, serviceAttributeArgs } from '@fulcrum/lvs/commands/ipvsadm';
import { diffIpvsTables, sameDestinationAttributes, sameServiceAttributes } from '@fulcrum/lvs/diff/diff-ipvs-tables';
import type { IpvsOperation } from '@fulcrum/lvs/diff/operations';
import { destinationKey, serviceKey, serviceSpecOf, type Destination, type IpvsTable, type ServiceSpec, type VirtualService } from '@fulcrum/lvs/model/ipvs';
import type { DriftItem } from '@fulcrum/protocol/frames';

// A table as a flat keyed map: "TCP 198.18.0.100:80" → service attributes, and
// "TCP 198.18.0.100:80 198.18.0.13:80" → destination. The three-way decision below is per key.
type Entry = { kind: 'service'; spec: ServiceSpec } | { kind: 'destination'; serviceKey: string; destination: Destination };
type FlatTable = Map<string, Entry>;

/** Key of the object an operation touches: a service key, or "service-key destination-key". */
export function operationKey(operation: IpvsOperation): string {
  const service = serviceKey(operation.service);
  return operation.op.endsWith('-service') ? service : `${service} ${destinationKey((operation as { destination: Destination }).destination)}`;
}

function flatten(table: IpvsTable): FlatTable {
  const flat: FlatTable = new Map();
  for (const s of table.services) {
    const key = serviceKey(s);
    flat.set(key, { kind: 'service', spec: serviceSpecOf(s) });
    for (const d of s.destinations) flat.set(`${key} ${destinationKey(d)}`, { kind: 'destination', serviceKey: key, destination: d });
  }
  return flat;
}

function unflatten(flat: FlatTable): IpvsTable {
  const services = new Map<string, VirtualService>();
  for (const [key, entry] of flat) if (entry.kind === 'service') services.set(key, { ...entry.spec, destinations: [] } as VirtualService);
  for (const entry of flat.values()) if (entry.kind === 'destination') services.get(entry.serviceKey)?.destinations.push(entry.destination);
  return { services: [...services.values()] };
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === 'service' && b.kind === 'service') return sameServiceAttributes(a.spec, b.spec);
  if (a.kind === 'destination' && b.kind === 'destination') return sameDestinationAttributes(a.destination, b.destination);
  return false;
}

function describeEntry(entry: Entry | undefined): string | null {
  if (entry === undefined) return null;
  return entry.kind === 'service' ? serviceAttributeArgs(entry.spec).join(' ') : destinationAttributeArgs(entry.destination).join(' ');
}

const CHANGE: Record<IpvsOperation['op'], DriftItem['change']> = {
  'add-service': 'missing',
  'add-destination': 'missing',
  'edit-service': 'different',
  'edit-destination': 'different',
  'delete-service': 'unexpected',
  'delete-destination': 'unexpected',
};

function driftItem(operation: IpvsOperation, reference: FlatTable, actual: FlatTable): DriftItem {
  const key = operationKey(operation);
  return {
    kind: operation.op.endsWith('-service') ? 'ipvs-service' : 'ipvs-destination',
    key: key.slice(0, 200),
    change: CHANGE[operation.op],
    desired: describeEntry(reference.get(key)),
    actual: describeEntry(actual.get(key)),
  };
}

/** Inputs of planIpvsChanges. */
export interface PlanIpvsChangesInput {
  /** What the agent last made the kernel hold (null: it never applied anything here). */
  baseline: IpvsTable | null;
  /** What the kernel holds now. */
  actual: IpvsTable;
  /** What the new snapshot wants (with the health overlay). */
  desired: IpvsTable;
  /** The server asked to undo hand-made changes too. */
  revertDrift: boolean;
}

/** The operations to run and the drift left in place. */
export interface IpvsChangePlan {
  operations: IpvsOperation[];
  /** Operations not run because they would undo someone else's change. */
  skipped: IpvsOperation[];
  /** Differences someone else made that this apply leaves alone (reported, not reverted). */
  drift: DriftItem[];
}

/**
 * Three-way plan per key (service, or service+destination): an object the kernel holds as the agent
 * left it (actual = baseline) is brought to the snapshot; an object someone changed by hand (actual ≠
 * baseline) is left alone and reported as drift — unless the snapshot itself changes that object
 * (desired ≠ baseline: the operator's newer intent wins) or revertDrift is set. A service no snapshot
 * listed (not in baseline, not desired) is therefore never deleted without revertDrift.
 */
export function planIpvsChanges(input: PlanIpvsChangesInput): IpvsChangePlan {
  const baseline = flatten(input.baseline ?? { services: [] });
  const actual = flatten(input.actual);
  const desired = flatten(input.desired);
  const all = diffIpvsTables(input.actual, input.desired);
  const keep = all.map((operation) => {
    if (input.revertDrift) return true;
    const key = operationKey(operation);
    const drifted = !sameEntry(actual.get(key), baseline.get(key));
    const serverChanged = !sameEntry(desired.get(key), baseline.get(key));
    return !drifted || serverChanged;
  });
  // A kept destination change needs its service; a kept service deletion takes its destinations along.
  all.forEach((operation, i) => {
    if (!keep[i] || operation.op.endsWith('-service')) return;
    const service = serviceKey(operation.service);
    all.forEach((other, j) => {
      if (other.op === 'add-service' && serviceKey(other.service) === service && !actual.has(service)) keep[j] = true;
    });
  });
  all.forEach((operation, i) => {
    if (!keep[i] || operation.op !== 'delete-service') return;
    const service = serviceKey(operation.service);
    all.forEach((other, j) => {
      if (other.op === 'delete-destination' && serviceKey(other.service) === service) keep[j] = true;
    });
  });
  return {
    operations: all.filter((_, i) => keep[i]),
    skipped: all.filter((_, i) => !keep[i]),
    drift: all.filter((_, i) => !keep[i]).map((operation) => driftItem(operation, baseline, actual)),
  };
}

/** Differences between the kernel and what the agent last made it hold: everything here is drift. */
export function findIpvsDrift(baseline: IpvsTable, actual: IpvsTable): DriftItem[] {
  const reference = flatten(baseline);
  const current = flatten(actual);
  return diffIpvsTables(actual, baseline).map((operation) => driftItem(operation, reference, current));
}

/** Result of checking a read-back table against the operations that were run. */
export interface IpvsVerification {
  /** Operations whose object does not look as desired after the apply. */
  failed: IpvsOperation[];
  /** The new baseline: desired, except skipped objects keep their old baseline and failed ones what the kernel holds (so they are retried, not taken for drift). */
  baseline: IpvsTable;
}

/** Checks which run operations took effect, and computes the baseline the agent now stands behind. */
export function verifyIpvsApply(input: { previousBaseline: IpvsTable | null; desired: IpvsTable; readBack: IpvsTable; ran: readonly IpvsOperation[]; skipped: readonly IpvsOperation[] }): IpvsVerification {
  const before = flatten(input.previousBaseline ?? { services: [] });
  const desired = flatten(input.desired);
  const readBack = flatten(input.readBack);
  const next = new Map(desired);
  const failed = input.ran.filter((operation) => !sameEntry(readBack.get(operationKey(operation)), desired.get(operationKey(operation))));
  const assign = (key: string, entry: Entry | undefined) => (entry === undefined ? next.delete(key) : next.set(key, entry));
  for (const operation of input.skipped) assign(operationKey(operation), before.get(operationKey(operation)));
  for (const operation of failed) assign(operationKey(operation), readBack.get(operationKey(operation)));
  return { failed, baseline: unflatten(next) };
}

/** The table with weight 0 for every destination a health check finds DOWN ("service-key destination-key"). */
export function applyHealthOverlay(table: IpvsTable, down: ReadonlySet<string>): IpvsTable {
  if (down.size === 0) return table;
  return {
    services: table.services.map((s) => {
      const key = serviceKey(s);
      return { ...s, destinations: s.destinations.map((d) => (down.has(`${key} ${destinationKey(d)}`) ? { ...d, weight: 0 } : d)) } as VirtualService;
    }),
  };
}
