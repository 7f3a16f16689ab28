import type { LiveDirector } from '@/lib/live/live-types';

/** "master (eth0, id 51)", both roles joined with "+", "not running", or "unknown" (not read, or unreadable). */
export function describeSyncDaemons(syncDaemons: LiveDirector['syncDaemons']): { text: string; state: string } {
  const daemons = syncDaemons?.daemons;
  if (daemons == null) return { text: 'unknown', state: 'unknown' };
  if (daemons.length === 0) return { text: 'not running', state: 'none' };
  return {
    text: daemons.map((d) => `${d.role} (${d.interface}, id ${d.syncId})`).join(' + '),
    state: daemons.map((d) => d.role).join('+'),
  };
}
