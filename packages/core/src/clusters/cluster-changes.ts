import { EventEmitter } from 'node:events';

/** A committed change to a cluster: its new generation. */
export type ClusterChange = { clusterId: string; generation: number };

// Next's route bundles and the custom server hold separate copies of this module in one process;
// the emitter lives on globalThis so a change committed by a tRPC call reaches the agent gateway.
const key = Symbol.for('fulcrum.core.cluster-changes');
type Holder = { [key]?: EventEmitter };

function emitter(): EventEmitter {
  const holder = globalThis as Holder;
  holder[key] ??= new EventEmitter().setMaxListeners(0);
  return holder[key];
}

/** Announces a committed cluster change to in-process listeners. */
export function publishClusterChange(change: ClusterChange): void {
  emitter().emit('change', change);
}

/** Subscribes to committed cluster changes; returns the unsubscribe function. */
export function onClusterChange(listener: (change: ClusterChange) => void): () => void {
  emitter().on('change', listener);
  return () => emitter().off('change', listener);
}
