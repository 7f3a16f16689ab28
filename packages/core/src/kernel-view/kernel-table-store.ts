// The last `ipvsadm -Ln` text each director's agent sent (in stats frames, every kernelTableIntervalMs),
// and the kernel's connection-sync daemons it read with it (and right after each VRRP change).
// Kept in memory only: it is a debugging view of "what the kernel holds now", worthless once old.
// Fed by the gateway in server.ts, read by tRPC in Next's route bundles: one map per process on globalThis.
import type { SyncDaemon } from '@fulcrum/protocol/frames';

/** One captured kernel table. */
export type KernelTableCapture = { text: string; capturedAt: number };

/** A director's sync daemons as its agent last read them: null daemons = the read failed (unknown). */
export type SyncDaemonCapture = { daemons: SyncDaemon[] | null; readAt: number };

const key = Symbol.for('fulcrum.core.kernel-tables');
const syncKey = Symbol.for('fulcrum.core.sync-daemons');
type Holder = { [key]?: Map<string, KernelTableCapture>; [syncKey]?: Map<string, SyncDaemonCapture> };

function tables(): Map<string, KernelTableCapture> {
  const holder = globalThis as Holder;
  holder[key] ??= new Map();
  return holder[key];
}

function syncDaemons(): Map<string, SyncDaemonCapture> {
  const holder = globalThis as Holder;
  holder[syncKey] ??= new Map();
  return holder[syncKey];
}

/** Keeps a node's latest kernel table (replacing the previous one). */
export function recordKernelTable(nodeId: string, text: string, capturedAt: number): void {
  tables().set(nodeId, { text, capturedAt });
}

/** A node's latest kernel table, or null when none arrived since this process started. */
export function latestKernelTable(nodeId: string): KernelTableCapture | null {
  return tables().get(nodeId) ?? null;
}

/**
 * Keeps a node's latest sync daemon read (replacing the previous one). Returns whether what the kernel
 * runs changed, so the caller can push the live view at once.
 */
export function recordSyncDaemons(nodeId: string, daemons: SyncDaemon[] | null, readAt: number): boolean {
  const previous = syncDaemons().get(nodeId);
  syncDaemons().set(nodeId, { daemons, readAt });
  return !previous || JSON.stringify(previous.daemons) !== JSON.stringify(daemons);
}

/** A node's latest sync daemon read, or null when none arrived since this process started. */
export function latestSyncDaemons(nodeId: string): SyncDaemonCapture | null {
  return syncDaemons().get(nodeId) ?? null;
}

/** Drops a node's table and sync daemons (node deleted). */
export function forgetKernelTable(nodeId: string): void {
  tables().delete(nodeId);
  syncDaemons().delete(nodeId);
}
