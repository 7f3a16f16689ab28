/**
 * The cluster's "prevent port-reuse leaks" setting (net.ipv4.vs.conn_reuse_mode=3 on the directors),
 * or null while cluster.get does not report it: the drain note then explains without claiming a state.
 */
export function portReuseSetting(cluster: object): boolean | null {
  const value = (cluster as { preventPortReuseLeaks?: unknown }).preventPortReuseLeaks;
  return typeof value === 'boolean' ? value : null;
}
