import { describe, expect, it } from 'vitest';
import { HealthCheck } from '@fulcrum/protocol/snapshot';
import { silentLogger } from '../log/logger';
import { ManualClock } from '../testing/manual-clock';
import { HealthMonitor, type HealthTransition } from './health-monitor';
import { initialHealth, nextHealth, type HealthState } from './health-state';

const run = (results: boolean[], limits = { rise: 2, fall: 3 }) => {
  let state: HealthState = initialHealth();
  const seen: string[] = [];
  for (const ok of results) {
    const next = nextHealth(state, ok, limits);
    state = next;
    seen.push(next.changed ? `→${next.state}` : next.state);
  }
  return seen;
};

describe('health rise/fall', () => {
  it('starts UP and needs `fall` consecutive failures to go DOWN', () => {
    expect(run([false, false, true, false, false, false])).toEqual(['UP', 'UP', 'UP', 'UP', 'UP', '→DOWN']);
  });
  it('needs `rise` consecutive successes to come back; a failure restarts the count', () => {
    expect(run([false, false, false, true, false, true, true])).toEqual(['UP', 'UP', '→DOWN', 'DOWN', 'DOWN', 'DOWN', '→UP']);
  });
  it('rise/fall 1 flips on every change', () => {
    expect(run([false, true, false], { rise: 1, fall: 1 })).toEqual(['→DOWN', '→UP', '→DOWN']);
  });
});

describe('health monitor', () => {
  it('probes on the interval, reports transitions and keeps state for unchanged checks', async () => {
    const clock = new ManualClock();
    const results: boolean[] = [false, false, true, true];
    const probes: string[] = [];
    const transitions: HealthTransition[] = [];
    const monitor = new HealthMonitor(
      async (check) => {
        probes.push(check.destinationKey);
        return { ok: results.shift() ?? true, message: 'probe' };
      },
      clock,
      (t) => transitions.push(t),
      silentLogger,
    );
    const check = HealthCheck.parse({ serviceKey: 'TCP 198.18.0.100:80', destinationKey: '198.18.0.13:80', address: '198.18.0.13', port: 80, kind: 'TCP', intervalMs: 1000, rise: 2, fall: 2 });
    monitor.setChecks([check]);
    const tick = async (ms: number) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    };
    await tick(0);
    await tick(1000);
    expect(transitions.map((t) => t.state)).toEqual(['DOWN']);
    expect([...monitor.downKeys()]).toEqual(['TCP 198.18.0.100:80 198.18.0.13:80']);
    monitor.setChecks([check]); // same check: state kept
    expect([...monitor.downKeys()]).toHaveLength(1);
    await tick(1000);
    await tick(1000);
    expect(transitions.map((t) => t.state)).toEqual(['DOWN', 'UP']);
    expect(monitor.downKeys().size).toBe(0);
    results.push(false, false);
    await tick(1000);
    await tick(1000);
    expect(monitor.downKeys().size).toBe(1);
    monitor.setChecks([{ ...check, port: 8080 }]); // a changed check starts over, UP
    expect(monitor.downKeys().size).toBe(0);
    monitor.stop();
    const count = probes.length;
    await tick(5000);
    expect(probes.length).toBe(count);
  });
});
