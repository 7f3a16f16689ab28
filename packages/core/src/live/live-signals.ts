import { EventEmitter } from 'node:events';

/** Why a live view should go out now rather than at its next tick. */
export type LiveSignal = { clusterId: string; reason: 'apply' | 'vrrp' | 'sync-daemon' | 'agent' | 'drain' | 'health' | 'change' };

// Raised by the gateway (server.ts), heard by subscriptions in Next's route bundles: on globalThis.
const key = Symbol.for('fulcrum.core.live-signals');
type Holder = { [key]?: EventEmitter };

function emitter(): EventEmitter {
  const holder = globalThis as Holder;
  holder[key] ??= new EventEmitter().setMaxListeners(0);
  return holder[key];
}

/** Tells live views of a cluster that something an operator watches changed (apply status, VRRP, drain). */
export function publishLiveSignal(signal: LiveSignal): void {
  emitter().emit('signal', signal);
}

/** Listens for live signals; returns the unsubscribe function. */
export function onLiveSignal(listener: (signal: LiveSignal) => void): () => void {
  emitter().on('signal', listener);
  return () => emitter().off('signal', listener);
}
