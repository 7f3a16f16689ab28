import type { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import type { SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import type { AppliedFrame, DriftItem } from '@fulcrum/protocol/frames';

type ApplyError = AppliedFrame['errors'][number];
import { HostCommandError, type AddressHost, type SysctlHost } from '../host/host';
import type { AgentState } from '../state/state-store';

/** What a step of an apply did: changes run, per-item errors, drift left in place. */
export interface StepOutcome {
  changes: number;
  errors: ApplyError[];
  drift: DriftItem[];
}

/** Key of an address: "198.18.0.100/32 dev lo" (labels do not identify an address). */
export function addressKey(a: Pick<InterfaceAddress, 'address' | 'prefix' | 'dev'>): string {
  return `${a.address}/${a.prefix} dev ${a.dev}`;
}

/** An ApplyError for a failed host step. */
export function applyError(item: string, error: unknown): ApplyError {
  const message = (error as Error).message?.slice(0, 2000) ?? String(error);
  return error instanceof HostCommandError ? { item: item.slice(0, 200), message, argv: error.argv.map((a) => a.slice(0, 500)).slice(0, 64) } : { item: item.slice(0, 200), message };
}

/** Keys of every address the host holds now. */
export async function readHeldAddresses(host: AddressHost): Promise<Set<string>> {
  const held = new Set<string>();
  for (const link of await host.list()) for (const a of link.addresses) held.add(addressKey({ address: a.address, prefix: a.prefix, dev: link.name }));
  return held;
}

/**
 * Brings addresses to `desired`: adds what is missing (an address the agent added before and someone
 * removed is drift, re-added only with revertDrift), removes only addresses the agent itself added and
 * no snapshot wants any more. Addresses the agent did not add are never removed. Mutates `state`.
 */
export async function reconcileAddresses(host: AddressHost, desired: readonly InterfaceAddress[], state: AgentState, revertDrift: boolean): Promise<StepOutcome> {
  const outcome: StepOutcome = { changes: 0, errors: [], drift: [] };
  if (desired.length === 0 && state.ownedAddresses.length === 0) {
    state.desiredAddresses = [];
    return outcome; // nothing to hold, nothing of ours to remove: no need to list addresses
  }
  const held = await readHeldAddresses(host);
  const baseline = new Set(state.desiredAddresses.map(addressKey));
  const wanted = new Set(desired.map(addressKey));
  const failed = new Set<string>();
  for (const address of desired) {
    const key = addressKey(address);
    if (held.has(key)) continue;
    if (baseline.has(key) && !revertDrift) {
      outcome.drift.push({ kind: 'address', key, change: 'missing', desired: key, actual: null });
      continue;
    }
    try {
      await host.add(address);
      outcome.changes++;
      if (!state.ownedAddresses.some((o) => addressKey(o) === key)) state.ownedAddresses.push(address);
    } catch (e) {
      failed.add(key);
      outcome.errors.push(applyError(`address ${key}`, e));
    }
  }
  const keep: InterfaceAddress[] = [];
  for (const owned of state.ownedAddresses) {
    const key = addressKey(owned);
    if (wanted.has(key)) {
      keep.push(owned);
      continue;
    }
    if (!held.has(key)) continue;
    try {
      await host.remove(owned);
      outcome.changes++;
    } catch (e) {
      keep.push(owned);
      outcome.errors.push(applyError(`remove address ${key}`, e));
    }
  }
  state.ownedAddresses = keep;
  // a failed add is not part of what the agent stands behind: the next apply retries it instead of calling it drift
  state.desiredAddresses = desired.filter((a) => !failed.has(addressKey(a)) || baseline.has(addressKey(a)));
  return outcome;
}

/** Merges settings for the same key (plans may repeat one): the last one wins. */
export function mergeSysctls(settings: readonly SysctlSetting[]): SysctlSetting[] {
  const byKey = new Map<string, SysctlSetting>();
  for (const s of settings) byKey.set(s.key, s);
  return [...byKey.values()];
}

/**
 * Brings sysctls to `desired`, remembering each key's value before the agent first changed it; a key
 * no snapshot needs any more is restored to that value (only if it still holds what the agent set).
 * A value someone changed by hand is drift, rewritten only with revertDrift or a new desired value.
 */
export async function reconcileSysctls(host: SysctlHost, desired: readonly SysctlSetting[], state: AgentState, revertDrift: boolean): Promise<StepOutcome> {
  const outcome: StepOutcome = { changes: 0, errors: [], drift: [] };
  const baseline = new Map(state.desiredSysctls.map((s) => [s.key, s.value]));
  const made: SysctlSetting[] = [];
  for (const setting of mergeSysctls(desired)) {
    let current: number | null;
    try {
      current = await host.read(setting.key);
    } catch (e) {
      outcome.errors.push(applyError(`sysctl ${setting.key}`, e));
      continue;
    }
    if (current === null) {
      outcome.errors.push({ item: `sysctl ${setting.key}`, message: `${setting.key} does not exist on this host` });
      continue;
    }
    if (current === setting.value) {
      made.push(setting);
      continue;
    }
    const before = baseline.get(setting.key);
    const drifted = before !== undefined && before === setting.value;
    if (drifted && !revertDrift) {
      outcome.drift.push({ kind: 'sysctl', key: setting.key, change: 'different', desired: String(setting.value), actual: String(current) });
      made.push(setting);
      continue;
    }
    try {
      await host.write(setting);
      outcome.changes++;
      made.push(setting);
      const owned = state.ownedSysctls.find((o) => o.key === setting.key);
      if (owned) owned.value = setting.value;
      else state.ownedSysctls.push({ key: setting.key, original: current, value: setting.value });
    } catch (e) {
      outcome.errors.push(applyError(`sysctl ${setting.key}=${setting.value}`, e));
    }
  }
  const wanted = new Set(made.map((s) => s.key));
  const keep: AgentState['ownedSysctls'] = [];
  for (const owned of state.ownedSysctls) {
    if (wanted.has(owned.key) || desired.some((d) => d.key === owned.key)) {
      keep.push(owned);
      continue;
    }
    try {
      const current = await host.read(owned.key);
      if (current === owned.value && owned.original !== null && owned.original !== owned.value) {
        await host.write({ key: owned.key, value: owned.original });
        outcome.changes++;
      }
    } catch (e) {
      keep.push(owned);
      outcome.errors.push(applyError(`restore sysctl ${owned.key}`, e));
    }
  }
  state.ownedSysctls = keep;
  state.desiredSysctls = made;
  return outcome;
}

/** Drift of addresses and sysctls against what the agent last made (periodic reconcile; nothing is changed). */
export async function findHostSettingsDrift(addresses: AddressHost, sysctls: SysctlHost, state: AgentState): Promise<DriftItem[]> {
  const items: DriftItem[] = [];
  if (state.desiredAddresses.length > 0) {
    const held = await readHeldAddresses(addresses);
    for (const a of state.desiredAddresses) {
      const key = addressKey(a);
      if (!held.has(key)) items.push({ kind: 'address', key, change: 'missing', desired: key, actual: null });
    }
  }
  for (const s of state.desiredSysctls) {
    const current = await sysctls.read(s.key);
    if (current !== s.value) items.push({ kind: 'sysctl', key: s.key, change: 'different', desired: String(s.value), actual: current === null ? null : String(current) });
  }
  return items;
}
