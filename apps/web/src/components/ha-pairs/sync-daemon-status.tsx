import { syncDaemonDisagrees } from '@fulcrum/core/live/sync-daemon-agreement';
import { Badge } from '@/components/ui/badge';
import { formatTimestamp } from '@/lib/format/relative-time';
import type { LiveDirector } from '@/lib/live/live-types';
import { describeSyncDaemons } from './describe-sync-daemons';

/**
 * The kernel's IPVS connection-sync daemon on one director, as its agent read it (not what keepalived was
 * told to run). Amber when it disagrees with the director's VRRP state: a MASTER that does not send its
 * connections to the peer, or a master daemon on a director that is not MASTER.
 */
export function SyncDaemonStatus({ director, paired }: { director: LiveDirector; paired: boolean }) {
  const { text, state } = describeSyncDaemons(director.syncDaemons);
  const disagrees = syncDaemonDisagrees(director, { paired });
  const read = director.syncDaemons ? `read ${formatTimestamp(new Date(director.syncDaemons.readAt))}` : 'not reported by a connected agent';
  const title = disagrees ? `IPVS connection sync does not match VRRP ${director.vrrpState} (${read})` : `IPVS connection sync daemon, as the kernel reports it (${read})`;
  const label = `sync daemon: ${text}`;
  return (
    <span className="mt-0.5 block text-[11px] whitespace-nowrap text-zinc-500" data-testid="sync-daemon" data-sync-daemon={state} data-disagrees={disagrees ? 'true' : 'false'} title={title}>
      {disagrees ? (
        <Badge tone="amber" title={title}>
          {label}
        </Badge>
      ) : (
        label
      )}
    </span>
  );
}
