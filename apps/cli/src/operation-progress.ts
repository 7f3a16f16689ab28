import { ConnectionError, type FulcrumApi } from './api-client';
import { CliError, EXIT } from './cli-error';
import { printable } from './terminal';

// Following an agent operation the server runs: agentInstall.get every 300 ms, each step printed
// once when it starts and once when it ends. The operation belongs to the server: if the CLI stops
// following (Ctrl-C, lost connection), the operation carries on and says so.

const POLL_MS = 300;
// The server's own step timeouts end an operation well before this; it only stops an endless wait.
const FOLLOW_LIMIT_MS = 15 * 60_000;
// Long enough to ride out a proxy or server restart; a restarted server marks the operation failed.
const LOST_CONTACT_MS = 30_000;

/** One step, as agentInstall.get reports it. */
export type Step = { id: string; label: string; status: 'running' | 'ok' | 'failed' | 'skipped'; detail: string; durationMs: number | null };

/** agentInstall.get's answer (the fields the CLI reads). */
export type Operation = {
  id: string;
  kind: 'INSTALL' | 'UPGRADE' | 'REMOVE';
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  nodeName: string;
  host: string;
  port: number;
  username: string;
  steps: Step[];
  errorCode: string | null;
  error: string | null;
  agentVersion: string | null;
};

/** "420 ms" or "1.2 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const MARK = { ok: '✓', failed: '✗', skipped: '–' } as const;

/**
 * Turns successive snapshots of the steps into lines: a start line the first time a step is seen,
 * an end line the first time it is seen finished (a step that ran between two polls gets both).
 */
export class StepPrinter {
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();

  lines(steps: readonly Step[]): string[] {
    const out: string[] = [];
    for (const step of steps) {
      const label = printable(step.label);
      if (!this.started.has(step.id)) {
        this.started.add(step.id);
        out.push(`  … ${label}`);
      }
      if (step.status === 'running' || this.ended.has(step.id)) continue;
      this.ended.add(step.id);
      const detail = step.detail ? `: ${printable(step.detail)}` : step.status === 'skipped' ? ': skipped' : '';
      const duration = step.durationMs === null ? '' : ` (${formatDuration(step.durationMs)})`;
      out.push(`  ${MARK[step.status]} ${label}${detail}${duration}`);
    }
    return out;
  }
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind either way (it runs every poll). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Polls the operation until it is no longer RUNNING; `onSnapshot` sees every answer. */
export async function followOperation(options: { api: FulcrumApi; id: string; onSnapshot: (operation: Operation) => void; signal?: AbortSignal }): Promise<Operation> {
  const { api, id, signal } = options;
  const keepsRunning = `agent operation ${id} keeps running on the server: follow it on the node's page in the UI`;
  const started = performance.now();
  let lastContact = performance.now();
  for (;;) {
    if (signal?.aborted) throw new CliError(EXIT.INTERRUPTED, `Stopped following: ${keepsRunning}`, { code: 'INTERRUPTED' });
    let operation: Operation | null = null;
    try {
      operation = await api.query<Operation>('agentInstall.get', { id });
      lastContact = performance.now();
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      if (error.interrupted) throw new CliError(EXIT.INTERRUPTED, `Stopped following: ${keepsRunning}`, { code: 'INTERRUPTED' });
      if (performance.now() - lastContact > LOST_CONTACT_MS) throw new CliError(EXIT.FAILED, `Lost contact with Fulcrum (${error.message}); ${keepsRunning}`, { code: 'LOST_CONTACT' });
    }
    if (operation) {
      options.onSnapshot(operation);
      if (operation.status !== 'RUNNING') return operation;
    }
    if (performance.now() - started > FOLLOW_LIMIT_MS) throw new CliError(EXIT.FAILED, `Still running after ${FOLLOW_LIMIT_MS / 60_000} minutes; ${keepsRunning}`, { code: 'STILL_RUNNING' });
    await sleep(POLL_MS, signal);
  }
}
