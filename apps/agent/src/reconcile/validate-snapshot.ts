import { destinationKey, serviceKey } from '@fulcrum/lvs/model/ipvs';
import type { SnapshotFrame } from '@fulcrum/protocol/frames';

/**
 * Checks what the schema cannot: the snapshot is for this node's role, and every health check names a
 * destination of the snapshot's own IPVS table at its own address and port (the keys are free text in
 * the schema; the agent accepts nothing it would not use). Returns the problem, or null.
 */
export function checkSnapshotConsistency(frame: SnapshotFrame, role: 'DIRECTOR' | 'REAL_SERVER' | null): string | null {
  if (role !== null && frame.node.role !== role) return `Snapshot is for a ${frame.node.role} but this node is a ${role}`;
  if (frame.node.role !== 'DIRECTOR') return null;
  const destinations = new Map<string, { address: string; port: number }>();
  for (const s of frame.node.ipvs.services) for (const d of s.destinations) destinations.set(`${serviceKey(s)} ${destinationKey(d)}`, d);
  const seen = new Set<string>();
  for (const [i, check] of frame.node.healthChecks.entries()) {
    const key = `${check.serviceKey} ${check.destinationKey}`;
    const destination = destinations.get(key);
    if (destination === undefined) return `healthChecks.${i}: no destination ${JSON.stringify(check.destinationKey.slice(0, 60))} in service ${JSON.stringify(check.serviceKey.slice(0, 80))}`;
    if (check.address !== destination.address) return `healthChecks.${i}: address ${check.address} is not the destination's ${destination.address}`;
    if (seen.has(key)) return `healthChecks.${i}: a second check for ${key}`;
    seen.add(key);
  }
  return null;
}
