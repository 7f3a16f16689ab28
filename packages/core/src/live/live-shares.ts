// Pure share computations for the live view, unit-tested on literal numbers.

/**
 * Each real server's share of the service's new connections, from its connection count over the
 * window (connsPerSec summed over the last 60 s and the directors). null for all when the service saw
 * none: a share of nothing is unknown, not 0.
 */
export function observedShares(connections: Map<string, number>): Map<string, number | null> {
  let total = 0;
  for (const n of connections.values()) total += Math.max(0, n);
  const out = new Map<string, number | null>();
  for (const [id, n] of connections) out.set(id, total > 0 ? Math.max(0, n) / total : null);
  return out;
}

/** Each real server's configured weight share among the READY ones (what wrr aims for); 0 for the rest. */
export function configuredShares(realServers: Array<{ id: string; weight: number; adminState: string }>): Map<string, number> {
  const total = realServers.reduce((sum, rs) => sum + (rs.adminState === 'READY' ? rs.weight : 0), 0);
  return new Map(realServers.map((rs) => [rs.id, rs.adminState === 'READY' && total > 0 ? rs.weight / total : 0]));
}
