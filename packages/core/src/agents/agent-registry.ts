// The live agent connections are owned by the gateway in server.ts, but read by tRPC procedures that
// run in Next's route bundles — a separate copy of this module in the same process. The registry
// therefore lives on globalThis, behind this small interface.

/** One agent connected right now (bound to exactly one node). */
export type ConnectedAgent = {
  nodeId: string;
  clusterId: string;
  agentVersion: string;
  hostname: string;
  connectedAt: Date;
  /** Newest generation sent to it (null until the first snapshot went out). */
  sentGeneration: number | null;
};

/** What a push did: whether a snapshot went out, and at which generation. */
export type PushResult = { sent: boolean; generation: number | null };

/** What the gateway offers to the rest of the process. */
export type AgentRegistry = {
  /** Agents connected to this process now. */
  connectedNodes(): ConnectedAgent[];
  /** Compiles and sends the node's snapshot now; `revertDrift` also undoes hand-made kernel changes. */
  pushSnapshot(nodeId: string, options: { revertDrift: boolean }): Promise<PushResult>;
};

const key = Symbol.for('fulcrum.core.agent-registry');
type Holder = { [key]?: AgentRegistry };

// Without a gateway in this process (tests, tooling) nothing is connected and nothing can be pushed.
const idleRegistry: AgentRegistry = {
  connectedNodes: () => [],
  pushSnapshot: async () => ({ sent: false, generation: null }),
};

/** Installs (or with null removes) the process-wide registry; the gateway calls this when it starts and stops. */
export function setAgentRegistry(registry: AgentRegistry | null): void {
  const holder = globalThis as Holder;
  if (registry) holder[key] = registry;
  else delete holder[key];
}

/** The process-wide agent registry (an idle one when no gateway runs in this process). */
export function getAgentRegistry(): AgentRegistry {
  return (globalThis as Holder)[key] ?? idleRegistry;
}
