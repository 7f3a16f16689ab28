import type { Ipvsadm } from '../commands/ipvsadm';
import type { Command } from '../commands/run-command';
import type { IpvsOperation } from './operations';

/** Options for planIpvsCommands. */
export interface PlanIpvsCommandsOptions {
  /** Up to this many operations run as single ipvsadm calls (exact per-item exit codes); more go in one -R batch. Default 20. */
  batchThreshold?: number;
}

/**
 * The commands that carry out a diff: single `ipvsadm` calls for small changes (each with its own exit code,
 * ≈40 ms per process in the lab), one `ipvsadm -R` batch on stdin for large ones (10,000 rules in seconds,
 * not minutes). A batch continues past failed lines and exits with the last line's status, so the caller
 * must read the table back and diff again in either case.
 */
export function planIpvsCommands(ipvsadm: Ipvsadm, operations: readonly IpvsOperation[], options: PlanIpvsCommandsOptions = {}): Command[] {
  if (operations.length === 0) return [];
  if (operations.length <= (options.batchThreshold ?? 20)) return operations.map((o) => ipvsadm.apply(o));
  return [ipvsadm.restore(operations)];
}
