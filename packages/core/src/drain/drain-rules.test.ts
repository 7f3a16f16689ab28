// The confirmation rule and the runner's per-job verdict, on literal rows and samples.
import { describe, expect, it } from 'vitest';
import { evaluateDrainJob, isServingRealServer, servingAfterRemoval, type CapacityRealServer } from './drain-rules';

const rs = (id: string, adminState: CapacityRealServer['adminState'], health: CapacityRealServer['health']): CapacityRealServer => ({ id, adminState, health });

describe('confirmation rule', () => {
  it('counts READY + UP, and READY + UNKNOWN only without health checks', () => {
    expect(isServingRealServer(rs('a', 'READY', 'UP'), true)).toBe(true);
    expect(isServingRealServer(rs('a', 'READY', 'UNKNOWN'), false)).toBe(true);
    expect(isServingRealServer(rs('a', 'READY', 'UNKNOWN'), true)).toBe(false);
    expect(isServingRealServer(rs('a', 'READY', 'DOWN'), false)).toBe(false);
    for (const state of ['DRAINING', 'DRAINED', 'MAINT'] as const) expect(isServingRealServer(rs('a', state, 'UP'), false)).toBe(false);
  });
  it('requires confirmation when no other server would still serve', () => {
    const servers = [rs('a', 'READY', 'UP'), rs('b', 'READY', 'DOWN'), rs('c', 'MAINT', 'UP')];
    expect(servingAfterRemoval({ realServers: servers, realServerId: 'a', hasHealthChecks: true })).toEqual([]);
    expect(servingAfterRemoval({ realServers: servers, realServerId: 'b', hasHealthChecks: true })).toEqual(['a']);
    expect(servingAfterRemoval({ realServers: [rs('a', 'READY', 'UNKNOWN'), rs('b', 'READY', 'UNKNOWN')], realServerId: 'a', hasHealthChecks: false })).toEqual(['b']);
    expect(servingAfterRemoval({ realServers: [rs('a', 'READY', 'UP')], realServerId: 'a', hasHealthChecks: false })).toEqual([]);
  });
});

describe('evaluateDrainJob', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const goal = { activeThreshold: 0, requireInactiveZero: false, deadlineAt: new Date(now.getTime() + 60_000) };
  const reading = (director: string, activeConn: number, weight: number | null, ageMs = 500) => ({ director, activeConn, inactConn: 3, sampledAt: new Date(now.getTime() - ageMs), weight });

  it('moves RUNNING → DRAINED when both directors report weight 0 and no active connections', () => {
    expect(evaluateDrainJob({ goal, directors: ['a', 'b'], readings: [reading('a', 2, 0), reading('b', 0, 0)], now })).toMatchObject({ state: 'RUNNING', activeConn: 2 });
    expect(evaluateDrainJob({ goal, directors: ['a', 'b'], readings: [reading('a', 0, 0), reading('b', 0, 0)], now })).toMatchObject({ state: 'DRAINED', activeConn: 0, inactConn: 3 });
  });
  it('does not trust a director that still holds the old weight', () => {
    const progress = evaluateDrainJob({ goal, directors: ['a', 'b'], readings: [reading('a', 0, 0), reading('b', 0, 3)], now });
    expect(progress).toMatchObject({ state: 'RUNNING', staleDirectors: ['b'], reason: 'waiting for b to apply weight 0' });
  });
  it('times out at the deadline, saying why', () => {
    const late = new Date(goal.deadlineAt.getTime() + 1);
    expect(evaluateDrainJob({ goal, directors: ['a', 'b'], readings: [reading('a', 1, 0, -59_500), reading('b', 0, 0, -59_500)], now: late })).toMatchObject({ state: 'TIMED_OUT', reason: 'deadline passed: ActiveConn still 1' });
    expect(evaluateDrainJob({ goal, directors: ['a', 'b'], readings: [], now: late })).toMatchObject({ state: 'TIMED_OUT', reason: 'deadline passed: no recent counters from a, b' });
  });
  it('waits for InActConn 0 only when asked', () => {
    const strict = { ...goal, requireInactiveZero: true };
    expect(evaluateDrainJob({ goal: strict, directors: ['a'], readings: [reading('a', 0, 0)], now })).toMatchObject({ state: 'RUNNING', reason: '3 inactive connection(s) left (FIN_WAIT estimate)' });
  });
});
