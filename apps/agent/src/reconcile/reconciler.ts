import { PROTOCOL_VERSION, type AgentFrame, type AppliedFrame, type DriftItem, type SnapshotFrame } from '@fulcrum/protocol/frames';
import type { Host } from '../host/host';
import type { Logger } from '../log/logger';
import type { AgentState, StateStore } from '../state/state-store';
import { applyDirectorSnapshot, type ApplyOutcome, type VrrpController } from './apply-director';
import { applyRealServerSnapshot } from './apply-real-server';
import { findHostSettingsDrift } from './host-settings';
import { findIpvsDrift } from './ipvs-plan';

/** What the reconciler needs. */
export interface ReconcilerOptions {
  host: Host;
  store: StateStore;
  log: Logger;
  send(frame: AgentFrame): void;
  batchThreshold: number;
  vrrp: VrrpController | null;
  /** Destinations a health check finds DOWN ("service-key destination-key"). */
  healthDown(): ReadonlySet<string>;
  /** Called right before a snapshot is applied (health checks follow it, so the weight overlay is the new one's). */
  prepare?(snapshot: SnapshotFrame): void;
}

type Job = { kind: 'snapshot'; frame: SnapshotFrame } | { kind: 'health' } | { kind: 'drift'; force: boolean };

/**
 * Applies snapshots one at a time, newest wins: a snapshot arriving while another applies replaces any
 * queued one, and a generation older than one already seen is never applied. Between snapshots it
 * re-reads the host and reports drift (changes the agent did not make) without reverting it.
 */
export class Reconciler {
  private state: AgentState | null = null;
  private newestGeneration = -1;
  private queuedSnapshot: SnapshotFrame | null = null;
  private healthQueued = false;
  private driftQueued: { force: boolean } | null = null;
  private running = false;
  private current: SnapshotFrame | null = null;
  private lastDrift = '[]';
  private idleWaiters: Array<() => void> = [];
  private tableFingerprint: string | null = null;
  private ipvsDrift: DriftItem[] = [];
  private checksSinceFullRead = 0;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Loads the remembered state (what the agent added, the last applied generation). */
  async init(): Promise<void> {
    const { state, warning } = await this.options.store.load();
    if (warning) this.options.log.warn('state-reset', { message: warning });
    this.state = state;
  }

  /** Generation the kernel should hold (for hello after a restart). */
  get lastAppliedGeneration(): number | null {
    return this.state?.lastAppliedGeneration ?? null;
  }

  /** The snapshot last applied in this process. */
  get currentSnapshot(): SnapshotFrame | null {
    return this.current;
  }

  /** Queues a snapshot; an older generation than one already received is dropped. */
  submit(frame: SnapshotFrame): void {
    if (frame.generation < this.newestGeneration) {
      this.options.log.warn('snapshot-stale', { generation: frame.generation, newest: this.newestGeneration });
      return;
    }
    this.newestGeneration = frame.generation;
    this.queuedSnapshot = frame;
    this.kick();
  }

  /** A health transition changed kernel weights: re-apply the current snapshot with the new overlay. */
  requestHealthApply(): void {
    this.healthQueued = true;
    this.kick();
  }

  /** Re-reads the host and reports drift (force: send even if unchanged since the last report, e.g. after a reconnect). */
  requestDriftCheck(force = false): void {
    this.driftQueued = { force: force || (this.driftQueued?.force ?? false) };
    this.kick();
  }

  /** Resolves when nothing is running or queued (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private nextJob(): Job | null {
    if (this.queuedSnapshot) {
      const frame = this.queuedSnapshot;
      this.queuedSnapshot = null;
      this.healthQueued = false; // the snapshot applies the current overlay anyway
      return { kind: 'snapshot', frame };
    }
    if (this.healthQueued) {
      this.healthQueued = false;
      return { kind: 'health' };
    }
    if (this.driftQueued) {
      const job = { kind: 'drift' as const, force: this.driftQueued.force };
      this.driftQueued = null;
      return job;
    }
    return null;
  }

  private async loop(): Promise<void> {
    try {
      for (let job = this.nextJob(); job !== null; job = this.nextJob()) {
        try {
          if (job.kind === 'snapshot') await this.applySnapshot(job.frame, true);
          else if (job.kind === 'health') {
            if (this.current) await this.applySnapshot({ ...this.current, revertDrift: false }, false);
          } else await this.checkDrift(job.force);
        } catch (e) {
          this.options.log.error('reconcile-failed', { job: job.kind, message: (e as Error).message });
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async applySnapshot(frame: SnapshotFrame, report: boolean): Promise<void> {
    const state = this.state;
    if (state === null) throw new Error('reconciler used before init');
    const started = performance.now();
    if (report) this.options.prepare?.(frame);
    let outcome: ApplyOutcome;
    try {
      outcome =
        frame.node.role === 'DIRECTOR'
          ? await applyDirectorSnapshot({ host: this.options.host, state, batchThreshold: this.options.batchThreshold, vrrp: this.options.vrrp, healthDown: this.options.healthDown(), log: this.options.log }, frame.node, frame.revertDrift)
          : await applyRealServerSnapshot({ host: this.options.host, state, log: this.options.log }, frame.node, frame.revertDrift);
    } catch (e) {
      outcome = { status: 'failed', changes: 0, errors: [{ item: 'apply', message: (e as Error).message.slice(0, 2000) }], missing: [], drift: [] };
    }
    const durationMs = Math.round(performance.now() - started);
    this.tableFingerprint = null; // the kernel may have changed: the next drift check reads it in full
    if (outcome.status !== 'failed') {
      state.lastAppliedGeneration = frame.generation;
      this.current = frame;
    }
    await this.options.store.save(state).catch((e: Error) => this.options.log.error('state-save-failed', { message: e.message }));
    this.options.log.info(report ? 'snapshot-applied' : 'health-reapplied', {
      generation: frame.generation,
      status: outcome.status,
      changes: outcome.changes,
      errors: outcome.errors.length,
      missing: outcome.missing,
      drift: outcome.drift.length,
      durationMs,
    });
    for (const error of outcome.errors.slice(0, 20)) this.options.log.warn('apply-error', { ...error });
    if (report) {
      const applied: AppliedFrame = {
        v: PROTOCOL_VERSION,
        type: 'applied',
        generation: frame.generation,
        status: outcome.status,
        changes: outcome.changes,
        errors: outcome.errors.slice(0, 1000),
        missing: outcome.missing.slice(0, 100),
        durationMs: Math.min(durationMs, 3_600_000),
      };
      this.options.send(applied);
      if (outcome.missing.length > 0) this.options.send({ v: PROTOCOL_VERSION, type: 'event', kind: 'kernel-missing', severity: 'error', message: `missing: ${outcome.missing.join(', ')}`.slice(0, 2000), at: Date.now() });
    }
    if (outcome.status !== 'failed') this.reportDrift(outcome.drift, false);
  }

  private async checkDrift(force: boolean): Promise<void> {
    const state = this.state;
    if (state === null || state.lastAppliedGeneration === null) return;
    const items: DriftItem[] = [];
    if (state.appliedIpvs !== null) {
      // /proc/net/ip_vs is read in-process; the full read (two ipvsadm processes, ≈ 1.2 s at 10,000
      // destinations in the lab) runs only when the table changed, or every 10th check (thresholds
      // are not in /proc).
      const fingerprint = await this.options.host.ipvs.readProcTable().then(tableFingerprint, () => null);
      const full = force || fingerprint === null || fingerprint !== this.tableFingerprint || ++this.checksSinceFullRead >= 10;
      if (full) {
        this.ipvsDrift = findIpvsDrift(state.appliedIpvs, await this.options.host.ipvs.readTable());
        this.tableFingerprint = fingerprint;
        this.checksSinceFullRead = 0;
      }
      items.push(...this.ipvsDrift);
    }
    items.push(...(await findHostSettingsDrift(this.options.host.addresses, this.options.host.sysctls, state)));
    this.reportDrift(items, force);
  }

  private reportDrift(items: DriftItem[], force: boolean): void {
    const sorted = [...items].sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1));
    const signature = JSON.stringify(sorted);
    const changed = signature !== this.lastDrift;
    this.lastDrift = signature;
    if (!changed && !(force && sorted.length > 0)) return;
    this.options.log.info('drift', { items: sorted.length, keys: sorted.slice(0, 10).map((i) => `${i.kind} ${i.key} ${i.change}`) });
    this.options.send({ v: PROTOCOL_VERSION, type: 'drift', generation: this.state?.lastAppliedGeneration ?? 0, detectedAt: Date.now(), items: sorted.slice(0, 10_000) });
  }
}

/** /proc/net/ip_vs without the connection counters: equal fingerprints mean the same services, destinations, weights and flags. */
export function tableFingerprint(procText: string): string {
  return procText
    .split('\n')
    .map((line) => {
      const tokens = line.trim().split(/\s+/);
      return tokens[0] === '->' ? tokens.slice(0, 4).join(' ') : line.trim();
    })
    .join('\n');
}
