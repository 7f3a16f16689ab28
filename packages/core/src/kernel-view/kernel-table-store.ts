// The last `ipvsadm -Ln` text each director's agent sent (in stats frames, every kernelTableIntervalMs).
// Kept in memory only: it is a debugging view of "what the kernel holds now", worthless once old.
// Fed by the gateway in server.ts, read by tRPC in Next's route bundles: one map per process on globalThis.

/** One captured kernel table. */
export type KernelTableCapture = { text: string; capturedAt: number };

const key = Symbol.for('fulcrum.core.kernel-tables');
type Holder = { [key]?: Map<string, KernelTableCapture> };

function tables(): Map<string, KernelTableCapture> {
  const holder = globalThis as Holder;
  holder[key] ??= new Map();
  return holder[key];
}

/** Keeps a node's latest kernel table (replacing the previous one). */
export function recordKernelTable(nodeId: string, text: string, capturedAt: number): void {
  tables().set(nodeId, { text, capturedAt });
}

/** A node's latest kernel table, or null when none arrived since this process started. */
export function latestKernelTable(nodeId: string): KernelTableCapture | null {
  return tables().get(nodeId) ?? null;
}

/** Drops a node's table (node deleted). */
export function forgetKernelTable(nodeId: string): void {
  tables().delete(nodeId);
}
