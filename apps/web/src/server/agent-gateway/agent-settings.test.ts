import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_SETTINGS, readAgentSettings } from './agent-settings';

describe('readAgentSettings', () => {
  it('defaults to 5 s heartbeat, 1 s stats, 30 s reconcile, 10 s kernel table', () => {
    expect(readAgentSettings({})).toEqual(DEFAULT_AGENT_SETTINGS);
    expect(DEFAULT_AGENT_SETTINGS).toEqual({ heartbeatIntervalMs: 5000, statsIntervalMs: 1000, reconcileIntervalMs: 30_000, kernelTableIntervalMs: 10_000 });
  });
  it('takes overrides from FULCRUM_AGENT_*', () => {
    expect(readAgentSettings({ FULCRUM_AGENT_HEARTBEAT_MS: '2000', FULCRUM_AGENT_STATS_MS: '500' })).toMatchObject({ heartbeatIntervalMs: 2000, statsIntervalMs: 500 });
  });
  it('refuses values the protocol does not allow, naming the variable', () => {
    expect(() => readAgentSettings({ FULCRUM_AGENT_HEARTBEAT_MS: 'soon' })).toThrow(/FULCRUM_AGENT_HEARTBEAT_MS must be a number/);
    expect(() => readAgentSettings({ FULCRUM_AGENT_RECONCILE_MS: '10' })).toThrow(/reconcileIntervalMs/);
  });
});
