// The live-operations API's wire shapes: zod only (no database), so the browser can import them too.
import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { DrainJobView } from '../drain/drain-schemas';

/** Input of live.onCluster. */
export const LiveClusterInput = z.object({ clusterId: Id });

/** One real server of a service, live: connection counts are the most any director of the pair holds (the sync daemon mirrors the MASTER's into the BACKUP), rates add up. */
export const LiveRealServer = z.object({
  realServerId: Id,
  address: z.string(),
  port: z.number().int(),
  forwarding: z.enum(['DR', 'TUN', 'NAT']),
  configuredWeight: z.number().int(),
  adminState: z.enum(['READY', 'DRAINING', 'DRAINED', 'MAINT']),
  health: z.enum(['UP', 'DOWN', 'UNKNOWN']),
  activeConn: z.number(),
  inactConn: z.number(),
  connsPerSec: z.number(),
  bytesInPerSec: z.number(),
  bytesOutPerSec: z.number(),
  /** Director name → weight its kernel holds now (only directors reporting recently). */
  kernelWeights: z.record(z.string(), z.number()),
  /** Share of the service's new connections over the last 60 s; null when there were none. */
  observedShare: z.number().nullable(),
  /** Configured weight share among the service's READY real servers (0 when not READY). */
  configuredShare: z.number(),
});
export type LiveRealServer = z.infer<typeof LiveRealServer>;

/** One virtual service, live. */
export const LiveService = z.object({
  serviceId: Id,
  serviceKey: z.string(),
  activeConn: z.number(),
  inactConn: z.number(),
  connsPerSec: z.number(),
  bytesInPerSec: z.number(),
  bytesOutPerSec: z.number(),
  /** True when any destination is DR/TUN: the director never sees the server's side, so counts are its estimate. */
  countsAreEstimates: z.boolean(),
  realServers: z.array(LiveRealServer),
});
export type LiveService = z.infer<typeof LiveService>;

/** Whether a node runs the cluster's current generation. */
export const ApplyState = z.enum(['applied', 'pending', 'error', 'offline']);

/** One node, live. */
export const LiveNode = z.object({
  nodeId: Id,
  name: z.string(),
  role: z.enum(['DIRECTOR', 'REAL_SERVER']),
  agentStatus: z.enum(['NEVER_CONNECTED', 'CONNECTED', 'DISCONNECTED']),
  appliedGeneration: z.number().int().nullable(),
  lastApplyError: z.string().nullable(),
  applyState: ApplyState,
  driftCount: z.number().int(),
});
export type LiveNode = z.infer<typeof LiveNode>;

/** The IPVS connection-sync daemons a director's kernel runs, as its agent last read them (ipvsadm -L --daemon). */
export const LiveSyncDaemons = z.object({
  /** At most one per role; [] = none running; null = the agent could not read them (unknown). */
  daemons: z.array(z.object({ role: z.enum(['master', 'backup']), interface: z.string(), syncId: z.number().int() })).nullable(),
  /** When the agent read them (ms since epoch, the agent's clock like `since`). */
  readAt: z.number(),
});
export type LiveSyncDaemons = z.infer<typeof LiveSyncDaemons>;

/** VRRP state of one director of a pair. */
export const LiveDirector = z.object({
  nodeId: Id,
  name: z.string(),
  priority: z.number().int(),
  vrrpState: z.enum(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'UNKNOWN']),
  /** When it entered that state (ms since epoch), null when unknown. */
  since: z.number().nullable(),
  vipsHeld: z.array(z.string()),
  /** What the kernel says about connection sync (not what keepalived was configured with); null while the agent is not connected or has not reported since the server started. */
  syncDaemons: LiveSyncDaemons.nullable(),
});
export type LiveDirector = z.infer<typeof LiveDirector>;

/** One HA pair, live. */
export const LivePair = z.object({ pairId: Id, name: z.string(), directors: z.array(LiveDirector) });
export type LivePair = z.infer<typeof LivePair>;

/** One event of live.onCluster: the whole cluster's live view at `at` (ms since epoch). */
export const LiveClusterEvent = z.object({
  at: z.number(),
  generation: z.number().int(),
  services: z.array(LiveService),
  nodes: z.array(LiveNode),
  pairs: z.array(LivePair),
  drains: z.array(DrainJobView),
});
export type LiveClusterEvent = z.infer<typeof LiveClusterEvent>;

/** Time range of live.history: 15m from the in-memory 1 s window, 1h/24h from the minute history. */
export const HistoryRange = z.enum(['15m', '1h', '24h']);
export type HistoryRange = z.infer<typeof HistoryRange>;

/** Input of live.history. */
export const LiveHistoryInput = z.object({ clusterId: Id, serviceId: Id, range: HistoryRange });
export type LiveHistoryInput = z.infer<typeof LiveHistoryInput>;

/** One point of a history series (t: ms since epoch; bytesPerSec = in + out). */
export const HistoryPoint = z.object({ t: z.number(), activeConn: z.number(), inactConn: z.number(), connsPerSec: z.number(), bytesPerSec: z.number() });
export type HistoryPoint = z.infer<typeof HistoryPoint>;

/** Kinds of marks on the graph. */
export const AnnotationKind = z.enum(['weight', 'drain', 'restore', 'maint', 'failover', 'apply-error']);
export type AnnotationKind = z.infer<typeof AnnotationKind>;

/** Result of live.history. */
export const LiveHistory = z.object({
  series: z.array(z.object({ realServerId: Id, label: z.string(), points: z.array(HistoryPoint) })),
  annotations: z.array(z.object({ at: z.number(), kind: AnnotationKind, label: z.string() })),
});
export type LiveHistory = z.infer<typeof LiveHistory>;

/** Input of kernel.tables. */
export const KernelTablesInput = z.object({ clusterId: Id });

/** Per director: the `ipvsadm -Ln` text its agent last sent (null until one arrived since the server started). */
export const KernelTables = z.array(z.object({ nodeId: Id, name: z.string(), text: z.string().nullable(), capturedAt: z.number().nullable() }));
export type KernelTables = z.infer<typeof KernelTables>;

/** Input of agent.adoptDrift. */
export const AdoptDriftInput = z.object({ nodeId: Id });

/** Result of agent.adoptDrift: what became configuration, and what could not, with why. */
export const AdoptDriftResult = z.object({
  nodeId: Id,
  adopted: z.array(z.object({ key: z.string(), realServerId: Id, summary: z.string() })),
  refused: z.array(z.object({ key: z.string(), reason: z.string() })),
});
export type AdoptDriftResult = z.infer<typeof AdoptDriftResult>;
