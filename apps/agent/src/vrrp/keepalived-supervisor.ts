import type { KeepalivedConfig } from '@fulcrum/lvs/keepalived/model';
import { parseKeepalivedConfig } from '@fulcrum/lvs/keepalived/parse-keepalived-config';
import { renderVrrpConfig } from '@fulcrum/lvs/keepalived/render-keepalived-config';
import type { EventFrame, VrrpFrame } from '@fulcrum/protocol/frames';
import type { Clock } from '../connection/clock';
import type { AddressHost, KeepalivedHost, KeepalivedProcess } from '../host/host';
import type { Logger } from '../log/logger';
import { addressKey, applyError, readHeldAddresses, type StepOutcome } from '../reconcile/host-settings';
import { parseNotifyLine } from './parse-notify-line';

/** Reports the supervisor sends to the server. */
export interface SupervisorReports {
  event(kind: EventFrame['kind'], severity: EventFrame['severity'], message: string): void;
  vrrp(frame: Omit<VrrpFrame, 'v' | 'type'>): void;
}

/**
 * keepalived as the agent's supervised child (VRRP only; the agent owns IPVS):
 * - renders the snapshot's VRRP config with the agent's own notify FIFO, writes it, and reloads (SIGHUP)
 *   only when the rendered text changes — never for IPVS-only changes;
 * - reads VRRP state changes from the FIFO the moment keepalived writes them;
 * - when keepalived dies, kills a leftover VRRP child, removes the VIPs the dead keepalived held (a
 *   SIGKILLed keepalived leaves them on the node while the peer takes them too), restarts it, reports events;
 * - on agent stop leaves keepalived running (moving VIPs because the agent restarts would be an outage);
 *   the next agent re-adopts it through its pid file.
 */
export class KeepalivedSupervisor {
  private process: KeepalivedProcess | null = null;
  private config: KeepalivedConfig | null = null;
  private renderedText: string | null = null;
  private stopped = false;
  private stopFifo: (() => void) | null = null;
  private recentDeaths: number[] = [];
  private restartTimer: unknown = null;
  private readonly states = new Map<string, Omit<VrrpFrame, 'v' | 'type'>>();

  constructor(
    private readonly host: KeepalivedHost,
    private readonly addresses: AddressHost,
    private readonly clock: Clock,
    private readonly reports: SupervisorReports,
    private readonly log: Logger,
  ) {}

  /** Opens the notify FIFO and adopts a keepalived left running by an earlier agent. */
  async start(): Promise<void> {
    this.stopFifo = await this.host.readNotifyFifo((line) => this.onNotify(line));
    const adopted = await this.host.adopt();
    if (adopted) {
      this.renderedText = await this.host.readConfig();
      this.config = this.renderedText === null ? null : parseKeepalivedConfig(this.renderedText).config;
      this.log.info('keepalived-adopted', { pid: adopted.pid });
      this.watch(adopted);
    }
  }

  /** The last state of every instance (sent again after a reconnect). */
  currentStates(): Array<Omit<VrrpFrame, 'v' | 'type'>> {
    return [...this.states.values()];
  }

  /** Brings keepalived to the snapshot's VRRP config (null: no VRRP on this director: keepalived is stopped). */
  async update(config: KeepalivedConfig | null): Promise<StepOutcome> {
    const outcome: StepOutcome = { changes: 0, errors: [], drift: [] };
    if (config === null) {
      if (this.process) {
        const running = this.process;
        this.process = null; // an expected exit: no restart, no VIP cleanup by us (keepalived removes its VIPs on SIGTERM)
        this.host.signal(running, 'SIGTERM');
        this.reports.event('keepalived-reloaded', 'info', 'VRRP removed from the snapshot: keepalived stopped');
        outcome.changes++;
      }
      this.config = null;
      this.renderedText = null;
      return outcome;
    }
    const fifo = await this.host.ensureNotifyFifo();
    let text: string;
    try {
      text = renderVrrpConfig({ ...config, vrrpNotifyFifo: fifo, notifyFifo: null });
    } catch (e) {
      outcome.errors.push(applyError('keepalived config', e));
      return outcome;
    }
    if (text === this.renderedText && this.process) return outcome;
    const complaint = await this.host.testConfig(text);
    if (complaint !== null) {
      outcome.errors.push({ item: 'keepalived config', message: `keepalived --config-test refused the rendered config: ${complaint}`.slice(0, 2000) });
      return outcome;
    }
    await this.host.writeConfig(text);
    this.config = { ...config, vrrpNotifyFifo: fifo, notifyFifo: null };
    const changed = text !== this.renderedText;
    this.renderedText = text;
    if (this.process) {
      if (changed) {
        this.host.signal(this.process, 'SIGHUP');
        this.reports.event('keepalived-reloaded', 'info', 'VRRP configuration changed: keepalived reloaded (SIGHUP)');
        outcome.changes++;
      }
      return outcome;
    }
    try {
      await this.launch();
      outcome.changes++;
    } catch (e) {
      outcome.errors.push(applyError('keepalived start', e));
    }
    return outcome;
  }

  /** Stops supervising: keepalived keeps running (fail static); the FIFO reader closes. */
  stop(): void {
    this.stopped = true;
    if (this.restartTimer !== null) this.clock.clearTimeout(this.restartTimer);
    this.stopFifo?.();
  }

  private async launch(): Promise<void> {
    const started = await this.host.start();
    this.log.info('keepalived-started', { pid: started.pid });
    this.watch(started);
  }

  private watch(process: KeepalivedProcess): void {
    this.process = process;
    void process.exited.then((exit) => {
      if (this.process !== process || this.stopped) return;
      this.process = null;
      void this.onDeath(exit);
    });
  }

  private async onDeath(exit: { code: number | null; signal: string | null }): Promise<void> {
    const how = exit.signal ? `killed by ${exit.signal}` : exit.code === null ? 'gone' : `exited with ${exit.code}`;
    this.log.error('keepalived-died', { ...exit });
    this.reports.event('keepalived-died', 'error', `keepalived ${how}`);
    const killed = await this.host.killLeftovers();
    if (killed.length > 0) this.log.warn('keepalived-leftovers-killed', { pids: killed });
    await this.removeOrphanVips();
    for (const [name, last] of this.states) {
      const frame = { instance: name, state: 'STOP' as const, at: this.clock.now(), priority: last.priority };
      this.states.set(name, frame);
      this.reports.vrrp(frame);
    }
    if (this.stopped || this.config === null) return;
    // a keepalived that keeps dying is restarted with growing pauses instead of in a tight loop
    const now = this.clock.now();
    this.recentDeaths = [...this.recentDeaths.filter((t) => now - t < 60_000), now];
    const delayMs = Math.min(30_000, this.recentDeaths.length <= 1 ? 0 : 1000 * 2 ** (this.recentDeaths.length - 2));
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped || this.process || this.config === null) return;
      void this.launch().then(
        () => this.reports.event('keepalived-restarted', 'warning', `keepalived restarted after it ${how}`),
        (e: Error) => this.reports.event('keepalived-died', 'error', `keepalived could not be restarted: ${e.message}`),
      );
    }, delayMs);
  }

  private async removeOrphanVips(): Promise<void> {
    const vips = (this.config?.instances ?? []).flatMap((i) => i.virtualIpAddresses.map((v) => ({ address: v.address, prefix: v.prefix, dev: v.dev })));
    if (vips.length === 0) return;
    let held: Set<string>;
    try {
      held = await readHeldAddresses(this.addresses);
    } catch (e) {
      this.log.error('vips-check-failed', { message: (e as Error).message });
      return;
    }
    const removed: string[] = [];
    for (const vip of vips) {
      const key = addressKey(vip);
      if (!held.has(key)) continue;
      try {
        await this.addresses.remove(vip);
        removed.push(key);
      } catch (e) {
        this.log.error('vip-remove-failed', { vip: key, message: (e as Error).message });
      }
    }
    if (removed.length > 0) this.reports.event('vips-removed', 'warning', `removed VIPs left by the dead keepalived: ${removed.join(', ')}`);
  }

  private onNotify(line: string): void {
    const event = parseNotifyLine(line);
    if (event === null || event.kind !== 'INSTANCE') return;
    const frame = { instance: event.name, state: event.state, at: this.clock.now(), priority: event.priority };
    this.states.set(event.name, frame);
    this.log.info('vrrp-state', { instance: event.name, state: event.state, priority: event.priority });
    this.reports.vrrp(frame);
  }
}
