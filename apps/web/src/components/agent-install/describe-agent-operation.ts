import { formatRelativeTime } from '../../lib/format/relative-time';

type Kind = 'INSTALL' | 'UPGRADE' | 'REMOVE';
type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED';
type AgentStatus = 'NEVER_CONNECTED' | 'CONNECTED' | 'DISCONNECTED';

/** The fields of an agent operation (agentInstall.get / listForNode) that its summary reads. */
export type OperationOutcome = {
  kind: Kind;
  status: Status;
  agentVersion: string | null;
  startedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  errorCode: string | null;
  error: string | null;
};

/** "install", "upgrade", "removal": the operation as a noun. */
export const OPERATION_NOUN: Record<Kind, string> = { INSTALL: 'install', UPGRADE: 'upgrade', REMOVE: 'removal' };

/** "Install", "Upgrade", "Remove": the operation as the verb on its button. */
export const OPERATION_VERB: Record<Kind, string> = { INSTALL: 'Install', UPGRADE: 'Upgrade', REMOVE: 'Remove' };

/** How long ago, where a time just after `now` (a page clock a moment behind, a skewed clock) is "just now". */
function ago(date: Date, now: Date): string {
  return date.getTime() > now.getTime() ? 'just now' : formatRelativeTime(date, now);
}

/**
 * One line for the node's row: "installed 0.1.0 by admin 2 min ago", "removed by admin just now",
 * "install failed 3 min ago: <why>", "upgrade running (admin)".
 */
export function describeAgentOperation(operation: OperationOutcome, now: Date = new Date()): string {
  const noun = OPERATION_NOUN[operation.kind];
  if (operation.status === 'RUNNING') return `${noun} running (started by ${operation.startedBy} ${ago(operation.startedAt, now)})`;
  const when = ago(operation.finishedAt ?? operation.startedAt, now);
  if (operation.status === 'FAILED') return `${noun} failed ${when}: ${operation.error ?? operation.errorCode ?? 'no reason recorded'}`;
  const version = operation.agentVersion ?? '?';
  switch (operation.kind) {
    case 'INSTALL':
      return `installed ${version} by ${operation.startedBy} ${when}`;
    case 'UPGRADE':
      return `upgraded to ${version} by ${operation.startedBy} ${when}`;
    case 'REMOVE':
      return `removed by ${operation.startedBy} ${when}`;
  }
}

/** The verdict of a finished operation, as the dialog's banner says it. */
export function describeOutcome(operation: OperationOutcome, nodeName: string): string {
  const noun = OPERATION_NOUN[operation.kind];
  if (operation.status === 'RUNNING') return `The ${noun} on ${nodeName} is running…`;
  if (operation.status === 'FAILED') return `The ${noun} failed: ${operation.error ?? operation.errorCode ?? 'no reason recorded'}`;
  const version = operation.agentVersion ?? '?';
  switch (operation.kind) {
    case 'INSTALL':
      return `Agent ${version} installed on ${nodeName}: it is connected and applied its desired state.`;
    case 'UPGRADE':
      return `Agent upgraded to ${version} on ${nodeName}: the new version is connected.`;
    case 'REMOVE':
      return `Agent removed from ${nodeName} and its token revoked. What it set in the kernel (VIPs, sysctls, IPVS) was left in place.`;
  }
}

/** A step's duration: "420 ms", "3.4 s", "2 min 05 s". */
export function formatStepDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/**
 * The operation the dialog preselects: Install for a node whose agent never connected or was
 * removed by the last operation, Upgrade otherwise.
 */
export function defaultOperationKind(agentStatus: AgentStatus, last: Pick<OperationOutcome, 'kind' | 'status'> | undefined): Kind {
  if (agentStatus === 'NEVER_CONNECTED') return 'INSTALL';
  if (last?.kind === 'REMOVE' && last.status === 'SUCCEEDED' && agentStatus !== 'CONNECTED') return 'INSTALL';
  return 'UPGRADE';
}
