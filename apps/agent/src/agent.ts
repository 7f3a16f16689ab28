import { hostname as osHostname } from 'node:os';
import { PROTOCOL_VERSION, type AgentFrame, type SnapshotFrame, type WelcomeFrame } from '@fulcrum/protocol/frames';
import type { AgentConfig } from './config/agent-config';
import { createWsOpener, type OpenSocket } from './connection/agent-socket';
import { systemClock, type Clock } from './connection/clock';
import { ConnectionMachine } from './connection/connection-machine';
import { HealthMonitor } from './health/health-monitor';
import { networkProbe, type Probe } from './health/probes';
import type { Host } from './host/host';
import type { Logger } from './log/logger';
import { Reconciler } from './reconcile/reconciler';
import { checkSnapshotConsistency } from './reconcile/validate-snapshot';
import type { StateStore } from './state/state-store';
import { StatsSampler } from './stats/stats-sampler';
import { AGENT_VERSION } from './version';
import { KeepalivedSupervisor } from './vrrp/keepalived-supervisor';

/** What an agent is built from; tests pass a fake host, an in-memory store and their own clock. */
export interface AgentDependencies {
  config: Pick<AgentConfig, 'server' | 'hostname' | 'rateIntervalMs' | 'batchThreshold'> & { caFile?: string };
  token: string;
  host: Host;
  store: StateStore;
  log: Logger;
  clock?: Clock;
  openSocket?: OpenSocket;
  probe?: Probe;
  random?: () => number;
}

/**
 * The agent: one connection to the server, a reconciler applying snapshots to the host, and for a
 * director the stats sampler, health checks and keepalived supervision. Nothing here touches the host
 * directly: everything goes through `host`.
 */
export class Agent {
  readonly connection: ConnectionMachine;
  readonly reconciler: Reconciler;
  private readonly supervisor: KeepalivedSupervisor;
  private readonly health: HealthMonitor;
  private readonly stats: StatsSampler;
  private role: WelcomeFrame['role'] | null = null;
  private driftTimer: NodeJS.Timeout | null = null;
  private supervisorStarted: Promise<void> | null = null;
  private announced = false;

  constructor(private readonly deps: AgentDependencies) {
    const clock = deps.clock ?? systemClock;
    const send = (frame: AgentFrame) => this.send(frame);
    this.supervisor = new KeepalivedSupervisor(
      deps.host.keepalived,
      deps.host.addresses,
      clock,
      {
        event: (kind, severity, message) => send({ v: PROTOCOL_VERSION, type: 'event', kind, severity, message, at: clock.now() }),
        vrrp: (frame) => {
          send({ v: PROTOCOL_VERSION, type: 'vrrp', ...frame });
          // keepalived switches the kernel's sync daemon with the VRRP state: show the new role within a second
          this.stats.followVrrpChange();
        },
      },
      deps.log,
    );
    this.health = new HealthMonitor(
      deps.probe ?? networkProbe,
      clock,
      (t) => {
        send({ v: PROTOCOL_VERSION, type: 'health', ...t });
        this.reconciler.requestHealthApply();
      },
      deps.log,
    );
    this.reconciler = new Reconciler({
      host: deps.host,
      store: deps.store,
      log: deps.log,
      send,
      batchThreshold: deps.config.batchThreshold,
      vrrp: { update: async (config) => (await this.ensureSupervisor(), this.supervisor.update(config)) },
      healthDown: () => this.health.downKeys(),
      prepare: (snapshot) => this.health.setChecks(snapshot.node.role === 'DIRECTOR' ? snapshot.node.healthChecks : []),
    });
    this.stats = new StatsSampler(deps.host.ipvs, { statsIntervalMs: 1000, rateIntervalMs: deps.config.rateIntervalMs, kernelTableIntervalMs: 10_000 }, (frame) => send(frame), deps.log);
    this.connection = new ConnectionMachine({
      url: deps.config.server,
      openSocket: deps.openSocket ?? createWsOpener(deps.config.caFile ? { caFile: deps.config.caFile } : {}),
      clock,
      ...(deps.random ? { random: deps.random } : {}),
      log: deps.log,
      buildHello: () => ({
        v: PROTOCOL_VERSION,
        type: 'hello',
        token: deps.token,
        agentVersion: AGENT_VERSION,
        hostname: deps.config.hostname || osHostname(),
        capabilities: ['ipvs', 'keepalived', 'health-checks', 'real-server'],
        lastAppliedGeneration: this.reconciler.lastAppliedGeneration,
      }),
      onReady: (welcome) => this.onReady(welcome),
      onSnapshot: (snapshot) => this.onSnapshot(snapshot),
    });
  }

  /** Loads state, re-adopts a keepalived left running, and connects. */
  async start(): Promise<void> {
    await this.reconciler.init();
    // a director that ran keepalived before the restart keeps being supervised even while the server is away
    if ((await this.deps.host.keepalived.readConfig()) !== null) await this.ensureSupervisor().catch((e: Error) => this.deps.log.error('keepalived-supervision-failed', { message: e.message }));
    this.deps.log.info('agent-starting', { server: this.deps.config.server, hostname: this.deps.config.hostname, lastAppliedGeneration: this.reconciler.lastAppliedGeneration });
    this.connection.start();
  }

  /** Closes the connection with 1001 and stops timers; the host (IPVS, VIPs, sysctls, keepalived) is left as it is. */
  async stop(): Promise<void> {
    if (this.driftTimer) clearInterval(this.driftTimer);
    this.stats.stop();
    this.health.stop();
    this.supervisor.stop();
    await Promise.race([this.reconciler.whenIdle(), new Promise((r) => setTimeout(r, 10_000))]);
    await this.connection.stop();
  }

  private send(frame: AgentFrame): void {
    this.connection.send(frame);
  }

  private ensureSupervisor(): Promise<void> {
    this.supervisorStarted ??= this.supervisor.start();
    return this.supervisorStarted;
  }

  private onReady(welcome: WelcomeFrame): void {
    this.role = welcome.role;
    if (!this.announced) {
      this.announced = true;
      this.send({ v: PROTOCOL_VERSION, type: 'event', kind: 'agent-started', severity: 'info', message: `fulcrum-agent ${AGENT_VERSION} started on ${this.deps.config.hostname}`, at: Date.now() });
    }
    for (const state of this.supervisor.currentStates()) this.send({ v: PROTOCOL_VERSION, type: 'vrrp', ...state });
    if (this.driftTimer) clearInterval(this.driftTimer);
    this.driftTimer = setInterval(() => this.reconciler.requestDriftCheck(false), welcome.settings.reconcileIntervalMs);
    this.reconciler.requestDriftCheck(true);
    if (welcome.role === 'DIRECTOR') {
      this.stats.start({ statsIntervalMs: welcome.settings.statsIntervalMs, rateIntervalMs: Math.max(this.deps.config.rateIntervalMs, welcome.settings.statsIntervalMs), kernelTableIntervalMs: welcome.settings.kernelTableIntervalMs });
    } else this.stats.stop();
  }

  private onSnapshot(frame: SnapshotFrame): void {
    const problem = checkSnapshotConsistency(frame, this.role);
    if (problem !== null) {
      this.deps.log.warn('snapshot-rejected', { generation: frame.generation, message: problem });
      this.send({ v: PROTOCOL_VERSION, type: 'error', code: 'INVALID_FRAME', message: problem.slice(0, 2000) });
      return;
    }
    this.deps.log.info('snapshot-received', { generation: frame.generation, role: frame.node.role, revertDrift: frame.revertDrift });
    this.reconciler.submit(frame);
  }
}
