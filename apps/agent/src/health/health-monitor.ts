import type { HealthCheck } from '@fulcrum/protocol/snapshot';
import type { Clock } from '../connection/clock';
import type { Logger } from '../log/logger';
import { initialHealth, nextHealth, type HealthState } from './health-state';
import type { Probe } from './probes';

/** A destination changed state. */
export interface HealthTransition {
  serviceKey: string;
  destinationKey: string;
  state: 'UP' | 'DOWN';
  at: number;
  message: string;
}

interface Running {
  check: HealthCheck;
  health: HealthState;
  timer: unknown;
  signature: string;
  stopped: boolean;
}

/** Key of a checked destination: "service-key destination-key" (as the IPVS health overlay uses it). */
export function healthKey(check: Pick<HealthCheck, 'serviceKey' | 'destinationKey'>): string {
  return `${check.serviceKey} ${check.destinationKey}`;
}

/** Runs the snapshot's health checks on their intervals and reports UP ↔ DOWN transitions. */
export class HealthMonitor {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly probe: Probe,
    private readonly clock: Clock,
    private readonly onTransition: (transition: HealthTransition) => void,
    private readonly log: Logger,
  ) {}

  /** Replaces the set of checks; unchanged checks keep their state and schedule, new ones start UP. */
  setChecks(checks: readonly HealthCheck[]): void {
    const wanted = new Map(checks.map((c) => [healthKey(c), c]));
    for (const [key, run] of this.running) {
      const next = wanted.get(key);
      if (next === undefined || JSON.stringify(next) !== run.signature) {
        this.stopOne(run);
        this.running.delete(key);
      }
    }
    for (const [key, check] of wanted) {
      if (this.running.has(key)) continue;
      const run: Running = { check, health: initialHealth(), timer: null, signature: JSON.stringify(check), stopped: false };
      this.running.set(key, run);
      this.schedule(run, 0);
    }
  }

  /** Keys of destinations currently DOWN. */
  downKeys(): Set<string> {
    return new Set([...this.running].filter(([, r]) => r.health.state === 'DOWN').map(([k]) => k));
  }

  /** Stops every check. */
  stop(): void {
    for (const run of this.running.values()) this.stopOne(run);
    this.running.clear();
  }

  private stopOne(run: Running): void {
    run.stopped = true;
    if (run.timer !== null) this.clock.clearTimeout(run.timer);
  }

  private schedule(run: Running, delayMs: number): void {
    run.timer = this.clock.setTimeout(() => void this.runOnce(run), delayMs);
  }

  private async runOnce(run: Running): Promise<void> {
    const result = await this.probe(run.check).catch((e: Error) => ({ ok: false, message: e.message }));
    if (run.stopped) return;
    const next = nextHealth(run.health, result.ok, run.check);
    run.health = { state: next.state, streak: next.streak };
    if (next.changed) {
      this.log.info('health-transition', { service: run.check.serviceKey, destination: run.check.destinationKey, state: next.state, message: result.message });
      this.onTransition({ serviceKey: run.check.serviceKey, destinationKey: run.check.destinationKey, state: next.state, at: this.clock.now(), message: result.message.slice(0, 500) });
    }
    this.schedule(run, run.check.intervalMs);
  }
}
