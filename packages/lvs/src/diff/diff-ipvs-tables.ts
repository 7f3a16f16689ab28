import {
  destinationKey,
  serviceFamily,
  serviceIdentity,
  serviceKey,
  serviceSpecOf,
  sortSchedulerFlags,
  type Destination,
  type IpvsTable,
  type ServiceSpec,
  type VirtualService,
} from '../model/ipvs';
import type { IpvsOperation } from './operations';

/** A table indexed the way the kernel looks things up: service key → (service, destination key → destination). */
export type IndexedTable = Map<string, { service: ServiceSpec; destinations: Map<string, Destination> }>;

/** Builds the keyed form of a table (later entries with a duplicate key win; validated tables have none). */
export function indexTable(table: IpvsTable): IndexedTable {
  const index: IndexedTable = new Map();
  for (const s of table.services) {
    const destinations = new Map<string, Destination>();
    for (const d of s.destinations) destinations.set(destinationKey(d), d);
    index.set(serviceKey(s), { service: serviceSpecOf(s), destinations });
  }
  return index;
}

/** Turns the keyed form back into a table (insertion order; normalizeTable sorts it). */
export function unindexTable(index: IndexedTable): IpvsTable {
  return {
    services: [...index.values()].map(({ service, destinations }) => ({ ...service, destinations: [...destinations.values()] }) as VirtualService),
  };
}

/** True when two service specs put the kernel in the same state (flags as a set, full-length prefix = none). */
export function sameServiceAttributes(a: ServiceSpec, b: ServiceSpec): boolean {
  const prefix = (s: ServiceSpec) => {
    const full = serviceFamily(s) === 'ipv6' ? 128 : 32;
    return s.persistenceTimeout === 0 || s.persistencePrefix === full ? null : s.persistencePrefix;
  };
  return (
    a.scheduler === b.scheduler &&
    a.persistenceTimeout === b.persistenceTimeout &&
    prefix(a) === prefix(b) &&
    a.onePacket === b.onePacket &&
    sortSchedulerFlags(a.schedulerFlags).join(',') === sortSchedulerFlags(b.schedulerFlags).join(',')
  );
}

/** True when two destinations with the same key need no edit. */
export function sameDestinationAttributes(a: Destination, b: Destination): boolean {
  return a.forwarding === b.forwarding && a.weight === b.weight && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;
}

/**
 * The minimal, safely ordered operations that turn `actual` into `desired`.
 *
 * Minimal: a service or destination is identified by its key only (protocol+address+port or family+fwmark;
 * address+port), so any attribute change — scheduler, flags, persistence, ops, weight, forwarding method,
 * thresholds — is one edit, never a delete+add that would drop live connections. Equal keys produce nothing.
 *
 * Order: add services → edit services → add destinations → edit destinations → delete destinations →
 * delete services. A service exists before its destinations are added; new capacity arrives before old
 * capacity leaves (a swap never passes through an empty service); destinations of a deleted service are
 * deleted one by one before the service, although the kernel would drop them with it, so a batch that
 * fails half-way leaves a state the next diff can name per destination and every removal is reported.
 */
export function diffIpvsTables(actual: IpvsTable, desired: IpvsTable): IpvsOperation[] {
  return diffIndexedTables(indexTable(actual), indexTable(desired));
}

/** diffIpvsTables on tables already indexed (the agent keeps the actual index between reads). */
export function diffIndexedTables(actual: IndexedTable, desired: IndexedTable): IpvsOperation[] {
  const addServices: IpvsOperation[] = [];
  const editServices: IpvsOperation[] = [];
  const addDestinations: IpvsOperation[] = [];
  const editDestinations: IpvsOperation[] = [];
  const deleteDestinations: IpvsOperation[] = [];
  const deleteServices: IpvsOperation[] = [];

  for (const [key, want] of desired) {
    const have = actual.get(key);
    const id = serviceIdentity(want.service);
    if (!have) {
      addServices.push({ op: 'add-service', service: want.service });
      for (const d of want.destinations.values()) addDestinations.push({ op: 'add-destination', service: id, destination: d });
      continue;
    }
    if (!sameServiceAttributes(have.service, want.service)) editServices.push({ op: 'edit-service', service: want.service, before: have.service });
    for (const [dkey, d] of want.destinations) {
      const current = have.destinations.get(dkey);
      if (!current) addDestinations.push({ op: 'add-destination', service: id, destination: d });
      else if (!sameDestinationAttributes(current, d)) editDestinations.push({ op: 'edit-destination', service: id, destination: d, before: current });
    }
    for (const [dkey, d] of have.destinations) {
      if (!want.destinations.has(dkey)) deleteDestinations.push({ op: 'delete-destination', service: id, destination: d });
    }
  }
  for (const [key, have] of actual) {
    if (desired.has(key)) continue;
    const id = serviceIdentity(have.service);
    for (const d of have.destinations.values()) deleteDestinations.push({ op: 'delete-destination', service: id, destination: d });
    deleteServices.push({ op: 'delete-service', service: id });
  }
  return [...addServices, ...editServices, ...addDestinations, ...editDestinations, ...deleteDestinations, ...deleteServices];
}

/** One line for logs, audit and per-item errors, e.g. "edit destination 10.0.0.1:80 of TCP 192.0.2.1:80 (weight 1 → 0)". */
export function describeOperation(operation: IpvsOperation): string {
  switch (operation.op) {
    case 'add-service':
      return `add service ${serviceKey(operation.service)}`;
    case 'edit-service':
      return `edit service ${serviceKey(operation.service)}`;
    case 'delete-service':
      return `delete service ${serviceKey(operation.service)}`;
    case 'add-destination':
      return `add destination ${destinationKey(operation.destination)} to ${serviceKey(operation.service)}`;
    case 'edit-destination': {
      const changes: string[] = [];
      const a = operation.before;
      const b = operation.destination;
      if (a.weight !== b.weight) changes.push(`weight ${a.weight} → ${b.weight}`);
      if (a.forwarding !== b.forwarding) changes.push(`${a.forwarding} → ${b.forwarding}`);
      if (a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) changes.push('thresholds');
      return `edit destination ${destinationKey(b)} of ${serviceKey(operation.service)} (${changes.join(', ')})`;
    }
    case 'delete-destination':
      return `delete destination ${destinationKey(operation.destination)} from ${serviceKey(operation.service)}`;
  }
}
