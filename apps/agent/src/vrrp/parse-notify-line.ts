/** One VRRP state change as keepalived writes it to its notify FIFO. */
export interface NotifyEvent {
  kind: 'INSTANCE' | 'GROUP';
  name: string;
  state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'UNKNOWN';
  priority: number | null;
}

const STATES = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

/**
 * Parses a notify FIFO line: `INSTANCE "VI_1" MASTER 150` (keepalived ≥ 2 writes the priority;
 * older ones do not). Checker lines (`RS …`, `VS …`) and anything else give null.
 */
export function parseNotifyLine(line: string): NotifyEvent | null {
  const match = /^(INSTANCE|GROUP) "([^"]{1,63})" ([A-Z_]+)(?: (\d{1,3}))?$/.exec(line.trim());
  if (!match) return null;
  const state = match[3] ?? '';
  const priority = match[4] === undefined ? null : Number(match[4]);
  return {
    kind: match[1] as NotifyEvent['kind'],
    name: match[2] ?? '',
    state: (STATES.has(state) ? state : 'UNKNOWN') as NotifyEvent['state'],
    priority: priority !== null && priority <= 255 ? priority : null,
  };
}
