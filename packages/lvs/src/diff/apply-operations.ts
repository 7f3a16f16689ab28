import { destinationKey, normalizeTable, serviceKey, type IpvsTable } from '../model/ipvs';
import { indexTable, unindexTable } from './diff-ipvs-tables';
import type { IpvsOperation } from './operations';

/** An operation the kernel would refuse (EEXIST / ESRCH), raised by the pure model of the kernel. */
export class IpvsApplyError extends Error {
  /** Stable code. */
  readonly code = 'IPVS_APPLY_ERROR';
  constructor(
    message: string,
    /** Index of the refused operation in the list. */
    readonly index: number,
    /** Kernel errno name it stands for. */
    readonly errno: 'EEXIST' | 'ESRCH',
  ) {
    super(message);
    this.name = 'IpvsApplyError';
  }
}

/**
 * Applies operations to a table the way the kernel does: adding an existing service or destination fails
 * with EEXIST, editing or deleting a missing one with ESRCH (ENOENT for destinations in the kernel, same
 * meaning), deleting a service drops its destinations, edits replace every attribute. Pure: returns a
 * new, normalized table and never touches the input.
 */
export function applyOperations(table: IpvsTable, operations: readonly IpvsOperation[]): IpvsTable {
  const index = indexTable(table);
  operations.forEach((operation, i) => {
    const key = serviceKey(operation.service);
    const entry = index.get(key);
    switch (operation.op) {
      case 'add-service':
        if (entry) throw new IpvsApplyError(`service ${key} exists`, i, 'EEXIST');
        index.set(key, { service: operation.service, destinations: new Map() });
        return;
      case 'edit-service':
        if (!entry) throw new IpvsApplyError(`no service ${key} to edit`, i, 'ESRCH');
        entry.service = operation.service;
        return;
      case 'delete-service':
        if (!entry) throw new IpvsApplyError(`no service ${key} to delete`, i, 'ESRCH');
        index.delete(key);
        return;
      default: {
        if (!entry) throw new IpvsApplyError(`no service ${key} for destination`, i, 'ESRCH');
        const dkey = destinationKey(operation.destination);
        const exists = entry.destinations.has(dkey);
        if (operation.op === 'add-destination') {
          if (exists) throw new IpvsApplyError(`destination ${dkey} exists in ${key}`, i, 'EEXIST');
          entry.destinations.set(dkey, operation.destination);
        } else if (operation.op === 'edit-destination') {
          if (!exists) throw new IpvsApplyError(`no destination ${dkey} in ${key} to edit`, i, 'ESRCH');
          entry.destinations.set(dkey, operation.destination);
        } else {
          if (!exists) throw new IpvsApplyError(`no destination ${dkey} in ${key} to delete`, i, 'ESRCH');
          entry.destinations.delete(dkey);
        }
      }
    }
  });
  return normalizeTable(unindexTable(index));
}
