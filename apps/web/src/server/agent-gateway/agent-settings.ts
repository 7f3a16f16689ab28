import { z } from 'zod';
import { AgentSettings } from '@fulcrum/protocol/frames';

/** Timings sent to every agent in `welcome` when nothing overrides them. */
export const DEFAULT_AGENT_SETTINGS: AgentSettings = { heartbeatIntervalMs: 5000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 };

const ms = (name: string) => z.coerce.number({ error: `${name} must be a number of milliseconds` }).int(`${name} must be whole milliseconds`).optional();

const AgentEnv = z.object({
  FULCRUM_AGENT_HEARTBEAT_MS: ms('FULCRUM_AGENT_HEARTBEAT_MS'),
  FULCRUM_AGENT_STATS_MS: ms('FULCRUM_AGENT_STATS_MS'),
  FULCRUM_AGENT_RECONCILE_MS: ms('FULCRUM_AGENT_RECONCILE_MS'),
  FULCRUM_AGENT_KERNEL_TABLE_MS: ms('FULCRUM_AGENT_KERNEL_TABLE_MS'),
});

/** The agent settings: defaults, overridden by FULCRUM_AGENT_{HEARTBEAT,STATS,RECONCILE,KERNEL_TABLE}_MS; checked against the wire contract's bounds. */
export function readAgentSettings(env: Record<string, string | undefined> = process.env): AgentSettings {
  const parsed = AgentEnv.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  const e = parsed.data;
  const settings = AgentSettings.safeParse({
    heartbeatIntervalMs: e.FULCRUM_AGENT_HEARTBEAT_MS ?? DEFAULT_AGENT_SETTINGS.heartbeatIntervalMs,
    statsIntervalMs: e.FULCRUM_AGENT_STATS_MS ?? DEFAULT_AGENT_SETTINGS.statsIntervalMs,
    reconcileIntervalMs: e.FULCRUM_AGENT_RECONCILE_MS ?? DEFAULT_AGENT_SETTINGS.reconcileIntervalMs,
    kernelTableIntervalMs: e.FULCRUM_AGENT_KERNEL_TABLE_MS ?? DEFAULT_AGENT_SETTINGS.kernelTableIntervalMs,
  });
  if (!settings.success) throw new Error(`FULCRUM_AGENT_*: ${settings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return settings.data;
}
