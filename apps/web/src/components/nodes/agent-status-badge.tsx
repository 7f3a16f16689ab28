import { Badge, type BadgeTone } from '@/components/ui/badge';

type AgentStatus = 'NEVER_CONNECTED' | 'CONNECTED' | 'DISCONNECTED';

const STATUS: Record<AgentStatus, { tone: BadgeTone; label: string }> = {
  NEVER_CONNECTED: { tone: 'gray', label: 'never connected' },
  CONNECTED: { tone: 'green', label: 'connected' },
  DISCONNECTED: { tone: 'red', label: 'disconnected' },
};

/** Whether the node's agent holds its socket to the server right now. */
export function AgentStatusBadge({ status }: { status: AgentStatus }) {
  const s = STATUS[status];
  return (
    <Badge tone={s.tone} dot title={`Agent ${s.label}`}>
      {s.label}
    </Badge>
  );
}
