// The agent gateway: accepts agent WebSockets at /ws/agent, binds each to one node by its token,
// pushes that node's desired state after every committed change of its cluster, and stores what
// the agent reports (applied generation, drift, stats, VRRP and health transitions, events).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCode } from '@fulcrum/protocol/close-codes';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, type AgentFrame, type AgentSettings } from '@fulcrum/protocol/frames';
import type { Db } from '@fulcrum/core/db';
import { onClusterChange } from '@fulcrum/core/clusters/cluster-changes';
import {
  checkAgentCredentials,
  findNodeByAgentToken,
  markAgentConnected,
  markAgentDisconnected,
  readClusterGenerations,
  recordAgentApplied,
  recordAgentEvent,
  touchAgent,
} from '@fulcrum/core/agents/agent-presence';
import { setAgentRegistry, type AgentRegistry, type ConnectedAgent, type PushResult } from '@fulcrum/core/agents/agent-registry';
import { compileValidatedSnapshot, loadClusterRows } from '@fulcrum/core/desired-state/compile-node-snapshot';
import type { ClusterRows } from '@fulcrum/core/desired-state/compile-snapshot-from-rows';
import { recordDrift } from '@fulcrum/core/events/drift-reports';
import { recordHealthTransition } from '@fulcrum/core/events/health-transitions';
import { recordVrrpTransition } from '@fulcrum/core/events/vrrp-states';
import { AppError } from '@fulcrum/core/errors/app-error';
import { recordKernelTable, recordSyncDaemons } from '@fulcrum/core/kernel-view/kernel-table-store';
import { publishLiveSignal } from '@fulcrum/core/live/live-signals';
import { createStatsRecorder, type StatsBatch, type StatsRecorder } from '@fulcrum/core/stats/stats-recorder';
import { readStatsSettings } from '@fulcrum/core/stats/stats-settings';
import { AgentConnection, HANDSHAKE_TIMEOUT_MS, TOUCH_INTERVAL_MS, type GatewayLog } from './agent-connection';

/** Options for {@link createAgentGateway}. */
export type AgentGatewayOptions = {
  db: Db;
  settings: AgentSettings;
  /** Where stats go; by default a recorder with the environment's retention, stopped by close(). */
  stats?: StatsRecorder;
  log?: GatewayLog;
  handshakeTimeoutMs?: number;
};

/** A running gateway. */
export type AgentGateway = {
  /** The `handle` of the `/ws/agent` upgrade route. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The in-process API (also installed on globalThis for tRPC). */
  registry: AgentRegistry;
  /** Pushes fresh snapshots to the connected nodes of a cluster now (what a committed change triggers). */
  pushCluster(clusterId: string): Promise<void>;
  /** Closes every agent with 1001, stops listening for changes, waits for pending writes. */
  close(): Promise<void>;
};

const defaultLog: GatewayLog = (level, message, fields) => {
  const line = `[agent-gateway] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
};

/** Creates the gateway and installs its registry on globalThis. */
export function createAgentGateway(options: AgentGatewayOptions): AgentGateway {
  const { db, settings } = options;
  const log = options.log ?? defaultLog;
  const ownsStats = options.stats === undefined;
  const stats = options.stats ?? createStatsRecorder({ db, settings: readStatsSettings() });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  /** The one live connection per node. */
  const byNode = new Map<string, AgentConnection>();
  const all = new Set<AgentConnection>();
  const pending = new Set<Promise<unknown>>();
  const clusterRuns = new Map<string, { again: boolean; done: Promise<void> }>();
  let closing = false;

  /** Runs a database write in the background, logging failures and remembering it for close(). */
  const track = (what: string, work: Promise<unknown>) => {
    const p = work.catch((error: unknown) => log('error', `${what} failed`, { error: (error as Error).message }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const sendSnapshot = (connection: AgentConnection, rows: ClusterRows, revertDrift: boolean): PushResult => {
    const node = connection.node;
    if (!node || connection.state !== 'ready') return { sent: false, generation: null };
    let compiled;
    try {
      compiled = compileValidatedSnapshot(rows, node.id);
    } catch (error) {
      // Fail static: the agent keeps what it has; the operator sees the error in agent.status.
      log('error', 'snapshot did not compile; nothing sent', { node: node.id, error: (error as Error).message });
      return { sent: false, generation: null };
    }
    // Newest generation wins: never send an older one, and an equal one only to revert drift.
    if (connection.sentGeneration !== null && (compiled.generation < connection.sentGeneration || (compiled.generation === connection.sentGeneration && !revertDrift))) {
      return { sent: false, generation: connection.sentGeneration };
    }
    const sent = connection.send({ v: PROTOCOL_VERSION, type: 'snapshot', generation: compiled.generation, revertDrift, node: compiled.node });
    if (sent) {
      connection.sentGeneration = compiled.generation;
      connection.reportable = compiled.reportable;
    }
    return { sent, generation: compiled.generation };
  };

  /** Closes connections whose node is gone or whose token was revoked or rotated. */
  const enforceCredentials = async (connections: AgentConnection[]): Promise<AgentConnection[]> => {
    const live = connections.filter((c) => c.node && c.tokenHash && c.state === 'ready');
    if (live.length === 0) return [];
    const verdicts = await checkAgentCredentials({ db, connections: live.map((c) => ({ nodeId: c.node!.id, tokenHash: c.tokenHash! })) });
    return live.filter((c) => {
      const verdict = verdicts.get(c.node!.id);
      if (verdict === 'gone') c.close(CloseCode.NODE_GONE, 'This node was deleted');
      else if (verdict === 'revoked') c.close(CloseCode.UNAUTHORIZED, 'The agent token was revoked or rotated');
      return verdict === 'ok';
    });
  };

  const pushClusterOnce = async (clusterId: string): Promise<void> => {
    const connections = [...byNode.values()].filter((c) => c.node?.clusterId === clusterId);
    if (connections.length === 0) return;
    const allowed = await enforceCredentials(connections);
    if (allowed.length === 0) return;
    let rows: ClusterRows;
    try {
      rows = await loadClusterRows({ db, clusterId });
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') {
        for (const c of allowed) c.close(CloseCode.NODE_GONE, 'The cluster of this node was deleted');
        return;
      }
      throw error;
    }
    // One read of the cluster, then every node's snapshot goes out in the same tick.
    for (const c of allowed) sendSnapshot(c, rows, false);
  };

  /** Coalesces bursts: while a push for the cluster runs, further changes only ask for one more run. */
  const pushCluster = (clusterId: string): Promise<void> => {
    const running = clusterRuns.get(clusterId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const run = { again: false, done: Promise.resolve() };
    run.done = (async () => {
      try {
        do {
          run.again = false;
          await pushClusterOnce(clusterId).catch((error: unknown) => log('error', 'pushing snapshots failed', { cluster: clusterId, error: (error as Error).message }));
        } while (run.again && !closing);
      } finally {
        clusterRuns.delete(clusterId);
      }
    })();
    clusterRuns.set(clusterId, run);
    return run.done;
  };

  const pushSnapshot = async (nodeId: string, push: { revertDrift: boolean }): Promise<PushResult> => {
    const connection = byNode.get(nodeId);
    if (!connection?.node) return { sent: false, generation: null };
    const rows = await loadClusterRows({ db, clusterId: connection.node.clusterId });
    return sendSnapshot(connection, rows, push.revertDrift);
  };

  const unsubscribe = onClusterChange((change) => void pushCluster(change.clusterId));

  // Revocations and changes are seen at once through the in-process change events; this sweep also
  // catches what bypassed them: a deleted cluster, a hand-edited row, a commit made by another
  // process on the same database (the CLI, a second web replica).
  const sweepOnce = async () => {
    const allowed = await enforceCredentials([...byNode.values()]);
    const generations = await readClusterGenerations({ db, clusterIds: [...new Set(allowed.map((c) => c.node!.clusterId))] });
    for (const [clusterId, generation] of generations) {
      if (allowed.some((c) => c.node!.clusterId === clusterId && (c.sentGeneration ?? -1) < generation)) void pushCluster(clusterId);
    }
  };
  const sweep = setInterval(() => {
    void sweepOnce().catch((error: unknown) => log('error', 'sweep failed', { error: (error as Error).message }));
  }, settings.heartbeatIntervalMs);
  sweep.unref();

  const handleFrame = async (connection: AgentConnection, frame: AgentFrame): Promise<void> => {
    const node = connection.node!;
    const now = Date.now();
    if (now - connection.lastTouchedAt >= TOUCH_INTERVAL_MS) {
      connection.lastTouchedAt = now;
      void track('touch', touchAgent({ db, nodeId: node.id, at: new Date(now) }));
    }
    switch (frame.type) {
      case 'applied': {
        if (connection.sentGeneration === null || frame.generation > connection.sentGeneration) {
          log('warn', 'applied for a generation never sent; ignored', { node: node.id, generation: frame.generation, sent: connection.sentGeneration });
          connection.sendError('UNEXPECTED_FRAME', `Generation ${frame.generation} was never sent to this node`);
          return;
        }
        await recordAgentApplied({ db, node, report: frame });
        publishLiveSignal({ clusterId: node.clusterId, reason: 'apply' });
        return;
      }
      case 'drift':
        await recordDrift({ db, clusterId: node.clusterId, nodeId: node.id, generation: frame.generation, detectedAt: new Date(frame.detectedAt), items: frame.items });
        return;
      case 'stats': {
        if (node.role !== 'DIRECTOR') {
          connection.sendError('UNEXPECTED_FRAME', 'Only directors report IPVS stats');
          return;
        }
        const services = connection.reportable.services;
        const batch: StatsBatch = {
          services: frame.services.filter((s) => services[s.serviceKey] !== undefined),
          destinations: frame.destinations.filter((d) => services[d.serviceKey]?.destinations[d.destinationKey] !== undefined),
        };
        const dropped = frame.services.length + frame.destinations.length - batch.services.length - batch.destinations.length;
        if (dropped > 0) log('warn', 'stats for services or destinations this node does not run were ignored', { node: node.id, dropped });
        stats.ingest(node.id, batch, now);
        if (frame.kernelTable !== undefined) recordKernelTable(node.id, frame.kernelTable, now);
        // a new sync daemon role (after a failover) goes out to live views now, not at their next tick
        if (frame.syncDaemons !== undefined && recordSyncDaemons(node.id, frame.syncDaemons, frame.sampledAt)) publishLiveSignal({ clusterId: node.clusterId, reason: 'sync-daemon' });
        return;
      }
      case 'vrrp': {
        if (!connection.reportable.vrrpInstances.includes(frame.instance)) {
          log('warn', 'VRRP state for an instance this node does not run was ignored', { node: node.id, instance: frame.instance });
          connection.sendError('UNEXPECTED_FRAME', 'Unknown VRRP instance for this node: ignored');
          return;
        }
        await recordVrrpTransition({ db, clusterId: node.clusterId, nodeId: node.id, instance: frame.instance, state: frame.state, priority: frame.priority, at: new Date(frame.at) });
        publishLiveSignal({ clusterId: node.clusterId, reason: 'vrrp' });
        return;
      }
      case 'health': {
        const ids = connection.reportable.services[frame.serviceKey]?.destinations[frame.destinationKey];
        const updated = ids ? await recordHealthTransition({ db, clusterId: node.clusterId, nodeId: node.id, realServerIds: ids, serviceKey: frame.serviceKey, destinationKey: frame.destinationKey, state: frame.state, message: frame.message, at: new Date(frame.at) }) : 0;
        if (updated > 0) publishLiveSignal({ clusterId: node.clusterId, reason: 'health' });
        if (updated === 0) {
          log('warn', 'health for a destination this node does not direct was ignored', { node: node.id, serviceKey: frame.serviceKey, destinationKey: frame.destinationKey });
          connection.sendError('UNEXPECTED_FRAME', 'Unknown destination for this node: ignored');
        }
        return;
      }
      case 'event':
        await recordAgentEvent({ db, node, kind: frame.kind, severity: frame.severity, message: frame.message, at: new Date(frame.at) });
        return;
      default:
        return;
    }
  };

  const onConnection = (ws: import('ws').WebSocket, req: IncomingMessage) => {
    if (closing) {
      ws.close(CloseCode.GOING_AWAY, 'Server stopping');
      return;
    }
    const connection = new AgentConnection(
      ws,
      {
        settings,
        log,
        handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
        async authenticate(_c, hello) {
          const node = await findNodeByAgentToken({ db, token: hello.token });
          if (!node) {
            log('warn', 'agent refused: unknown token', { remote: connection.remoteAddress, hostname: hello.hostname });
            return { code: CloseCode.UNAUTHORIZED, reason: 'Unknown, revoked or rotated agent token: an admin must issue a new one' };
          }
          const { tokenHash, ...rest } = node;
          return { node: rest, tokenHash };
        },
        async onReady(c) {
          const node = c.node!;
          const previous = byNode.get(node.id);
          // Register first, so the replaced connection's close handler knows it is no longer the node's.
          byNode.set(node.id, c);
          previous?.close(CloseCode.REPLACED, 'Replaced by a newer connection of this node');
          log('info', 'agent connected', { node: node.id, name: node.name, agentVersion: c.agentVersion, hostname: c.hostname, remote: c.remoteAddress });
          await track('marking connected', markAgentConnected({ db, node, agentVersion: c.agentVersion, hostname: c.hostname, lastAppliedGeneration: c.lastAppliedGeneration }));
          publishLiveSignal({ clusterId: node.clusterId, reason: 'agent' });
          c.lastTouchedAt = Date.now();
          const rows = await loadClusterRows({ db, clusterId: node.clusterId });
          sendSnapshot(c, rows, false);
        },
        onFrame: handleFrame,
        onClosed(c, code, reason) {
          all.delete(c);
          const node = c.node;
          if (!node || byNode.get(node.id) !== c) return;
          byNode.delete(node.id);
          log('info', 'agent disconnected', { node: node.id, code, reason });
          void track('marking disconnected', markAgentDisconnected({ db, node, lastSeenAt: new Date(c.lastHeardAt), code, reason }).then(() => publishLiveSignal({ clusterId: node.clusterId, reason: 'agent' })));
        },
      },
      req.socket.remoteAddress ?? 'unknown',
    );
    all.add(connection);
  };

  const registry: AgentRegistry = {
    connectedNodes: (): ConnectedAgent[] =>
      [...byNode.values()].map((c) => ({
        nodeId: c.node!.id,
        clusterId: c.node!.clusterId,
        agentVersion: c.agentVersion,
        hostname: c.hostname,
        connectedAt: c.connectedAt,
        sentGeneration: c.sentGeneration,
      })),
    pushSnapshot,
  };
  setAgentRegistry(registry);

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
    },
    registry,
    pushCluster,
    async close() {
      closing = true;
      unsubscribe();
      clearInterval(sweep);
      const closedAll = [...all].map(
        (c) =>
          new Promise<void>((resolve) => {
            c.ws.once('close', () => resolve());
            c.close(CloseCode.GOING_AWAY, 'Server stopping');
            setTimeout(resolve, 2500).unref();
          }),
      );
      await Promise.all(closedAll);
      await Promise.all([...clusterRuns.values()].map((r) => r.done));
      await Promise.all([...pending]);
      if (ownsStats) await stats.stop();
      setAgentRegistry(null);
      wss.close();
    },
  };
}
