import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import { SysctlKey, SysctlSetting, SysctlValue } from '@fulcrum/lvs/commands/sysctl';
import { IpvsTable } from '@fulcrum/lvs/model/ipvs';

/**
 * What the agent must remember across restarts to stay fail-static and to remove only what it added:
 * the last applied generation and IPVS table (the baseline drift is measured against), the addresses it
 * added, and the value each sysctl had before the agent first changed it.
 */
export const AgentState = z.object({
  version: z.literal(1),
  lastAppliedGeneration: z.number().int().min(0).nullable(),
  /** The table (with health overlay) the agent last made the kernel hold; null before the first apply. */
  appliedIpvs: IpvsTable.nullable(),
  /** Addresses the agent added and still owns (removed only when no snapshot wants them). */
  ownedAddresses: z.array(InterfaceAddress).max(4096),
  /** Sysctls the agent set, with the value each had before (restored when no snapshot needs it). */
  ownedSysctls: z.array(z.object({ key: SysctlKey, original: SysctlValue.nullable(), value: SysctlValue })).max(256),
  /** Sysctls desired by the last snapshot (drift baseline). */
  desiredSysctls: z.array(SysctlSetting).max(256),
  /** Addresses desired by the last snapshot (drift baseline). */
  desiredAddresses: z.array(InterfaceAddress).max(4096),
});
export type AgentState = z.infer<typeof AgentState>;

/** The state of an agent that never applied anything. */
export function emptyAgentState(): AgentState {
  return { version: 1, lastAppliedGeneration: null, appliedIpvs: null, ownedAddresses: [], ownedSysctls: [], desiredSysctls: [], desiredAddresses: [] };
}

/** Loads and saves AgentState as JSON (0600, atomic rename). */
export interface StateStore {
  load(): Promise<{ state: AgentState; warning: string | null }>;
  save(state: AgentState): Promise<void>;
}

/** A state store in `<stateDir>/state.json`. A corrupt file is kept aside and the agent starts from empty state. */
export function createFileStateStore(stateDir: string): StateStore {
  const path = join(stateDir, 'state.json');
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return { state: emptyAgentState(), warning: null };
      }
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // fall through to the schema error
      }
      const parsed = AgentState.safeParse(json);
      if (parsed.success) return { state: parsed.data, warning: null };
      await rename(path, `${path}.corrupt-${Date.now()}`).catch(() => undefined);
      return { state: emptyAgentState(), warning: `state file ${path} was unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}); moved aside, starting without remembered state` };
    },
    async save(state) {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const temporary = `${path}.new`;
      await writeFile(temporary, JSON.stringify(state), { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}

/** A state store in memory (tests). */
export function createMemoryStateStore(initial: AgentState = emptyAgentState()): StateStore & { current: AgentState } {
  const store = {
    current: structuredClone(initial),
    async load() {
      return { state: structuredClone(store.current), warning: null };
    },
    async save(state: AgentState) {
      store.current = structuredClone(state);
    },
  };
  return store;
}
