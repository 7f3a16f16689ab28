import { Badge, type BadgeTone } from '@/components/ui/badge';

type AdminState = 'READY' | 'DRAINING' | 'DRAINED' | 'MAINT';
type Health = 'UP' | 'DOWN' | 'UNKNOWN';

const ADMIN: Record<AdminState, { tone: BadgeTone; label: string; title: string }> = {
  READY: { tone: 'green', label: 'ready', title: 'Takes traffic at its configured weight (when healthy)' },
  DRAINING: { tone: 'amber', label: 'draining', title: 'Weight 0 on the directors; waiting for connections to finish' },
  DRAINED: { tone: 'gray', label: 'drained', title: 'No new connections; existing ones have finished' },
  MAINT: { tone: 'violet', label: 'maintenance', title: 'Taken out by an operator' },
};

const HEALTH: Record<Health, { tone: BadgeTone; label: string; title: string }> = {
  UP: { tone: 'green', label: 'up', title: 'Health check passes' },
  DOWN: { tone: 'red', label: 'down', title: 'Health check fails: kernel weight 0, configured weight kept' },
  UNKNOWN: { tone: 'gray', label: 'unknown', title: 'No health result from a director yet' },
};

/** Operator intent (ready, draining, …): never changed by health checks. */
export function AdminStateBadge({ state }: { state: AdminState }) {
  const s = ADMIN[state];
  return (
    <Badge tone={s.tone} title={s.title}>
      {s.label}
    </Badge>
  );
}

/** What the directors' health checks observe, kept apart from admin state. */
export function HealthBadge({ health }: { health: Health }) {
  const h = HEALTH[health];
  return (
    <Badge tone={h.tone} dot title={h.title}>
      {h.label}
    </Badge>
  );
}
