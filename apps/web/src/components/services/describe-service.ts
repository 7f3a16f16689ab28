import type { Scheduler } from '@fulcrum/lvs/model/primitives';

/** What each kernel scheduler does, for the tooltip next to the short name operators know. */
export const SCHEDULER_NAMES: Record<Scheduler, string> = {
  rr: 'round robin',
  wrr: 'weighted round robin',
  lc: 'least connections',
  wlc: 'weighted least connections',
  lblc: 'locality-based least connections',
  lblcr: 'locality-based least connections with replication',
  dh: 'destination hashing',
  sh: 'source hashing',
  sed: 'shortest expected delay',
  nq: 'never queue',
  fo: 'weighted failover',
  ovf: 'weighted overflow',
  mh: 'Maglev hashing',
  twos: 'weighted random twos choice',
};

/** "persistent 20 s", "persistent 1 h /24", or "no persistence" — as ipvsadm's -p/-M read back. */
export function describePersistence(timeoutSeconds: number, netmaskPrefix: number | null): string {
  if (timeoutSeconds <= 0) return 'no persistence';
  const mask = netmaskPrefix === null ? '' : ` /${netmaskPrefix}`;
  return `persistent ${formatDuration(timeoutSeconds)}${mask}`;
}

/** Seconds as the shortest exact unit: 20 s, 5 min, 1 h, 90 s stays 90 s. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
