import { Badge, type BadgeTone } from '@/components/ui/badge';
import type { LiveDirector } from '@/lib/live/live-types';

type VrrpState = LiveDirector['vrrpState'];

const TONE: Record<VrrpState, { tone: BadgeTone; title: string }> = {
  MASTER: { tone: 'green', title: 'Holds the VIPs and balances the traffic' },
  BACKUP: { tone: 'blue', title: 'Standing by: takes over when the master stops advertising' },
  FAULT: { tone: 'red', title: 'keepalived reports a fault (interface down or a tracked check failed)' },
  STOP: { tone: 'gray', title: 'keepalived is stopped' },
  UNKNOWN: { tone: 'gray', title: 'No VRRP state reported yet' },
};

/** A director's VRRP state as keepalived reported it through the agent. */
export function VrrpStateBadge({ state }: { state: VrrpState }) {
  const t = TONE[state];
  return (
    <Badge tone={t.tone} dot={state === 'MASTER'} title={t.title}>
      <span data-testid="vrrp-state">{state}</span>
    </Badge>
  );
}
