import { PROTOCOL_VERSION, SnapshotFrame, WelcomeFrame } from '@fulcrum/protocol/frames';
import type { Scheduler } from '@fulcrum/lvs/model/primitives';
import type { z } from 'zod';

// Snapshot and welcome builders for the agent's tests: parsed through the protocol schemas, so every
// fixture is a frame the server could really send.

/** A DR/TUN/NAT service on `vip`:80 with the given destinations (address → weight). */
export function service(vip: string, destinations: Record<string, number>, options: { forwarding?: 'DR' | 'TUN' | 'NAT'; scheduler?: Scheduler; persistenceTimeout?: number } = {}) {
  return {
    protocol: 'TCP' as const,
    address: vip,
    port: 80,
    scheduler: options.scheduler ?? ('wrr' as Scheduler),
    persistenceTimeout: options.persistenceTimeout ?? 0,
    destinations: Object.entries(destinations).map(([address, weight]) => ({ address, port: 80, forwarding: options.forwarding ?? 'DR', weight })),
  };
}

/** A director snapshot frame. */
export function directorSnapshot(generation: number, node: Partial<z.input<typeof SnapshotFrame>['node'] & { role: 'DIRECTOR' }> = {}, revertDrift = false): SnapshotFrame {
  return SnapshotFrame.parse({ v: PROTOCOL_VERSION, type: 'snapshot', generation, revertDrift, node: { role: 'DIRECTOR', ipvs: { services: [] }, keepalived: null, ...node } });
}

/** A real-server snapshot frame. */
export function realServerSnapshot(generation: number, vips: Array<{ address: string; forwarding: 'DR' | 'TUN' | 'NAT'; gateway?: string | null }>, revertDrift = false): SnapshotFrame {
  return SnapshotFrame.parse({ v: PROTOCOL_VERSION, type: 'snapshot', generation, revertDrift, node: { role: 'REAL_SERVER', vips } });
}

/** A welcome frame with short test intervals. */
export function welcome(role: 'DIRECTOR' | 'REAL_SERVER' = 'DIRECTOR', settings: Partial<z.input<typeof WelcomeFrame>['settings']> = {}): WelcomeFrame {
  return WelcomeFrame.parse({
    v: PROTOCOL_VERSION,
    type: 'welcome',
    nodeId: '7d6f3c1e-0b8a-4c55-9d2e-1f0a9b8c7d6e',
    nodeName: 'director-a',
    clusterId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
    role,
    serverVersion: 'test',
    settings: { heartbeatIntervalMs: 5000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000, ...settings },
  });
}
