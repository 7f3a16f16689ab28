import { z } from 'zod';
import { NodeSnapshot } from './snapshot';

/** Wire protocol version carried by every frame; a peer with another version is refused (close 4426). */
export const PROTOCOL_VERSION = 1;
/** Largest frame either side accepts, in bytes of UTF-8 JSON (a 10,000-destination snapshot is ≈ 1.5 MB). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Path of the agent WebSocket on the Fulcrum server. */
export const AGENT_WS_PATH = '/ws/agent';

const v = z.literal(PROTOCOL_VERSION, { error: () => `Protocol version must be ${PROTOCOL_VERSION}` });
const Text = (max: number) => z.string().max(max).regex(/^[^\u0000]*$/, 'No NUL characters');
const Timestamp = z.number().int().min(0).max(8.64e15);
const Generation = z.number().int().min(0).max(2 ** 31 - 1);
const Count = z.number().int().min(0).max(2 ** 53 - 1);
const Rate = z.number().min(0).max(1e15);

// ---------------------------------------------------------------- agent → server

/** First frame of a connection: who the agent is. The token binds the connection to one node. */
export const HelloFrame = z.object({
  v,
  type: z.literal('hello'),
  token: z.string().min(20, 'Token too short').max(200, 'Token too long').regex(/^[A-Za-z0-9_-]+$/, 'Token has invalid characters'),
  agentVersion: Text(40),
  hostname: Text(253),
  capabilities: z.array(z.enum(['ipvs', 'keepalived', 'health-checks', 'real-server'])).max(16),
  /** The generation this agent last applied (after a restart: what the kernel should already hold). */
  lastAppliedGeneration: Generation.nullable(),
});

/** One item that could not be applied, with the command that failed (argv, never a shell string). */
export const ApplyError = z.object({ item: Text(200), message: Text(2000), argv: z.array(Text(500)).max(64).optional() });

/** Answer to a snapshot: what was applied, what failed, what the kernel lacks. */
export const AppliedFrame = z.object({
  v,
  type: z.literal('applied'),
  generation: Generation,
  status: z.enum(['applied', 'partial', 'failed']),
  /** Operations actually run (0 = the kernel already matched). */
  changes: Count,
  errors: z.array(ApplyError).max(1000),
  /** Kernel features the snapshot needs but the host lacks (e.g. "module ip_vs_mh"). */
  missing: z.array(Text(200)).max(100),
  durationMs: z.number().min(0).max(3_600_000),
});

/** One difference between the kernel and the last applied snapshot that the agent did not make. */
export const DriftItem = z.object({
  kind: z.enum(['ipvs-service', 'ipvs-destination', 'address', 'sysctl']),
  key: Text(200),
  /** "missing" (desired, not in kernel), "unexpected" (in kernel, not desired), "different". */
  change: z.enum(['missing', 'unexpected', 'different']),
  desired: Text(2000).nullable(),
  actual: Text(2000).nullable(),
});

/** Drift found by a periodic reconcile: reported, not reverted unless the server asks. */
export const DriftFrame = z.object({ v, type: z.literal('drift'), generation: Generation, detectedAt: Timestamp, items: z.array(DriftItem).max(10_000) });

/** Counters of one destination (real server) in one service, as the kernel reports them. */
export const DestinationStats = z.object({
  serviceKey: Text(80),
  destinationKey: Text(60),
  /** Weight the kernel holds now (may be 0 for drain or a failed health check). */
  weight: z.number().int().min(0).max(65535),
  activeConn: Count,
  inactConn: Count,
  persistConn: Count,
  connsPerSec: Rate,
  packetsInPerSec: Rate,
  packetsOutPerSec: Rate,
  bytesInPerSec: Rate,
  bytesOutPerSec: Rate,
});

/** Totals of one virtual service. */
export const ServiceStats = z.object({
  serviceKey: Text(80),
  activeConn: Count,
  inactConn: Count,
  connsPerSec: Rate,
  packetsInPerSec: Rate,
  packetsOutPerSec: Rate,
  bytesInPerSec: Rate,
  bytesOutPerSec: Rate,
});

/** One IPVS connection-sync daemon the director's kernel runs (`ipvsadm -L --daemon`). */
export const SyncDaemon = z.object({
  role: z.enum(['master', 'backup']),
  interface: z.string().min(1).max(15).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Invalid interface name'),
  syncId: z.number().int().min(0).max(255),
});

/**
 * One sample of the IPVS counters (every statsIntervalMs). `kernelTable` (ipvsadm -Ln text) only now and
 * then. `syncDaemons` (read at `sampledAt`) with the kernel table and right after a VRRP change: the
 * kernel's connection-sync daemons ([] = none runs; null = the read failed, state unknown; absent = not
 * read in this sample, or an older agent). The kernel runs at most one per role.
 */
export const StatsFrame = z.object({
  v,
  type: z.literal('stats'),
  sampledAt: Timestamp,
  services: z.array(ServiceStats).max(5000),
  destinations: z.array(DestinationStats).max(50_000),
  kernelTable: Text(4 * 1024 * 1024).optional(),
  syncDaemons: z.array(SyncDaemon).max(2).nullable().optional(),
});

/** A VRRP instance changed state, read from keepalived's notify FIFO when it happened. */
export const VrrpFrame = z.object({
  v,
  type: z.literal('vrrp'),
  instance: Text(63),
  state: z.enum(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'UNKNOWN']),
  at: Timestamp,
  priority: z.number().int().min(0).max(255).nullable(),
});

/** A health check changed a destination's state. */
export const HealthFrame = z.object({
  v,
  type: z.literal('health'),
  serviceKey: Text(80),
  destinationKey: Text(60),
  state: z.enum(['UP', 'DOWN']),
  at: Timestamp,
  message: Text(500),
});

/** Something the operator should see on the node's timeline (keepalived died and was restarted, …). */
export const EventFrame = z.object({
  v,
  type: z.literal('event'),
  kind: z.enum(['agent-started', 'keepalived-died', 'keepalived-restarted', 'keepalived-reloaded', 'vips-removed', 'kernel-missing', 'check-failed']),
  severity: z.enum(['info', 'warning', 'error']),
  message: Text(2000),
  at: Timestamp,
});

/** Answer to a server ping. */
export const PongFrame = z.object({ v, type: z.literal('pong'), nonce: Text(64) });

/** A frame the receiver could not use: answered, logged, never fatal on its own. */
export const ErrorFrame = z.object({
  v,
  type: z.literal('error'),
  code: z.enum(['INVALID_FRAME', 'UNEXPECTED_FRAME', 'FRAME_TOO_LARGE', 'INTERNAL']),
  message: Text(2000),
});

/** Every frame an agent may send. */
export const AgentFrame = z.discriminatedUnion('type', [HelloFrame, AppliedFrame, DriftFrame, StatsFrame, VrrpFrame, HealthFrame, EventFrame, PongFrame, ErrorFrame]);
export type AgentFrame = z.infer<typeof AgentFrame>;

// ---------------------------------------------------------------- server → agent

/** Timings the server sets for its agents. */
export const AgentSettings = z.object({
  heartbeatIntervalMs: z.number().int().min(100).max(300_000),
  statsIntervalMs: z.number().int().min(100).max(300_000),
  reconcileIntervalMs: z.number().int().min(1000).max(3_600_000),
  kernelTableIntervalMs: z.number().int().min(1000).max(3_600_000),
});
export type AgentSettings = z.infer<typeof AgentSettings>;

/** Answer to a good hello: which node this connection is, and the settings. */
export const WelcomeFrame = z.object({
  v,
  type: z.literal('welcome'),
  nodeId: z.uuid(),
  nodeName: Text(63),
  clusterId: z.uuid(),
  role: z.enum(['DIRECTOR', 'REAL_SERVER']),
  serverVersion: Text(40),
  settings: AgentSettings,
});

/**
 * The node's complete desired state at a cluster generation. A snapshot always replaces the previous
 * one. `revertDrift`: also undo changes someone made by hand (else they are only reported).
 */
export const SnapshotFrame = z.object({ v, type: z.literal('snapshot'), generation: Generation, revertDrift: z.boolean(), node: NodeSnapshot });

/** Heartbeat: the agent answers with pong carrying the nonce. */
export const PingFrame = z.object({ v, type: z.literal('ping'), nonce: Text(64), sentAt: Timestamp });

/** Every frame the server may send. */
export const ServerFrame = z.discriminatedUnion('type', [WelcomeFrame, SnapshotFrame, PingFrame, ErrorFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

export type HelloFrame = z.infer<typeof HelloFrame>;
export type AppliedFrame = z.infer<typeof AppliedFrame>;
export type DriftFrame = z.infer<typeof DriftFrame>;
export type DriftItem = z.infer<typeof DriftItem>;
export type StatsFrame = z.infer<typeof StatsFrame>;
export type SyncDaemon = z.infer<typeof SyncDaemon>;
export type DestinationStats = z.infer<typeof DestinationStats>;
export type ServiceStats = z.infer<typeof ServiceStats>;
export type VrrpFrame = z.infer<typeof VrrpFrame>;
export type HealthFrame = z.infer<typeof HealthFrame>;
export type EventFrame = z.infer<typeof EventFrame>;
export type PongFrame = z.infer<typeof PongFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type SnapshotFrame = z.infer<typeof SnapshotFrame>;
export type PingFrame = z.infer<typeof PingFrame>;
