// Browser-safe (types only): the HA pair card and tests share one rule for "the kernel's sync daemon
// does not match the director's VRRP role".
import type { LiveDirector } from './live-schemas';

/**
 * Whether a director's connection-sync daemon disagrees with its VRRP state. keepalived (lvs_sync_daemon)
 * runs the master daemon on the MASTER and the backup daemon on the BACKUP: a MASTER without a master
 * daemon does not send its connections to the peer, and a master daemon on any other state means two
 * directors may be sending. Unknown daemons (unread or unreadable) never disagree; neither does a lone
 * director (no peer, no sync).
 */
export function syncDaemonDisagrees(director: Pick<LiveDirector, 'vrrpState' | 'syncDaemons'>, options: { paired: boolean }): boolean {
  const daemons = director.syncDaemons?.daemons;
  if (!options.paired || daemons == null) return false;
  const hasMaster = daemons.some((d) => d.role === 'master');
  if (director.vrrpState === 'MASTER') return !hasMaster;
  if (director.vrrpState === 'BACKUP') return hasMaster || !daemons.some((d) => d.role === 'backup');
  return hasMaster;
}
