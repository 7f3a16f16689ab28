import { Badge, type BadgeTone } from '@/components/ui/badge';
import type { DrainJobState } from '@/lib/live/live-types';

const STATE: Record<DrainJobState, { tone: BadgeTone; title: string }> = {
  RUNNING: { tone: 'amber', title: 'Weight 0 on every director; waiting for connections to finish' },
  DRAINED: { tone: 'green', title: 'Connections fell to the threshold: safe to take the server down' },
  TIMED_OUT: { tone: 'red', title: 'The deadline passed with connections left: force it or restore it' },
  FORCED: { tone: 'violet', title: 'Ended by an operator before the connections finished' },
};

/** Where a drain job stands, in the words the server uses (RUNNING / DRAINED / TIMED_OUT / FORCED). */
export function DrainStateBadge({ state, isRestored }: { state: DrainJobState; isRestored: boolean }) {
  if (isRestored) {
    return (
      <Badge tone="gray" title="Put back at its previous weight">
        RESTORED
      </Badge>
    );
  }
  const s = STATE[state];
  return (
    <Badge tone={s.tone} dot={state === 'RUNNING'} title={s.title}>
      <span data-testid="drain-state">{state}</span>
    </Badge>
  );
}
