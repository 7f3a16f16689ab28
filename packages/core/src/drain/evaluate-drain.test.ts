import { describe, expect, it } from 'vitest';
import { evaluateDrain, SAMPLE_MAX_AGE_MS, type DrainGoal } from './evaluate-drain';

const now = new Date('2026-11-25T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const goal: DrainGoal = { activeThreshold: 0, requireInactiveZero: false, deadlineAt: new Date(now.getTime() + 60_000) };
const directors = ['director-a', 'director-b'];

describe('evaluateDrain', () => {
  it('keeps running while any director still holds active connections', () => {
    const p = evaluateDrain({ goal, directors, now, samples: [
      { director: 'director-a', activeConn: 0, inactConn: 3, sampledAt: ago(500) },
      { director: 'director-b', activeConn: 2, inactConn: 0, sampledAt: ago(500) },
    ] });
    expect(p).toMatchObject({ state: 'RUNNING', activeConn: 2, inactConn: 3, reason: '2 active connection(s) left' });
  });

  it('ends DRAINED when no director holds more than the threshold, InActConn only shown', () => {
    const p = evaluateDrain({ goal, directors, now, samples: [
      { director: 'director-a', activeConn: 0, inactConn: 3, sampledAt: ago(500) },
      { director: 'director-b', activeConn: 0, inactConn: 1, sampledAt: ago(500) },
    ] });
    expect(p).toMatchObject({ state: 'DRAINED', activeConn: 0, inactConn: 3 });
  });

  it('waits for InActConn too when asked', () => {
    const samples = [{ director: 'director-a', activeConn: 0, inactConn: 1, sampledAt: ago(100) }, { director: 'director-b', activeConn: 0, inactConn: 0, sampledAt: ago(100) }];
    expect(evaluateDrain({ goal: { ...goal, requireInactiveZero: true }, directors, now, samples }).reason).toBe('1 inactive connection(s) left (FIN_WAIT estimate)');
  });

  it('never ends DRAINED on a director that has gone quiet', () => {
    const p = evaluateDrain({ goal, directors, now, samples: [
      { director: 'director-a', activeConn: 0, inactConn: 0, sampledAt: ago(100) },
      { director: 'director-b', activeConn: 0, inactConn: 0, sampledAt: ago(SAMPLE_MAX_AGE_MS + 1) },
    ] });
    expect(p).toMatchObject({ state: 'RUNNING', staleDirectors: ['director-b'], reason: 'waiting for counters from director-b' });
  });

  it('ends TIMED_OUT at the deadline with the reason', () => {
    const p = evaluateDrain({ goal: { ...goal, deadlineAt: now }, directors, now, samples: [
      { director: 'director-a', activeConn: 5, inactConn: 0, sampledAt: ago(100) },
      { director: 'director-b', activeConn: 0, inactConn: 0, sampledAt: ago(100) },
    ] });
    expect(p).toMatchObject({ state: 'TIMED_OUT', reason: 'deadline passed: ActiveConn still 5' });
  });

  it('counts a connection mirrored by the sync daemon on both directors once', () => {
    const p = evaluateDrain({ goal: { ...goal, activeThreshold: 2 }, directors, now, samples: [
      { director: 'director-a', activeConn: 2, inactConn: 0, sampledAt: ago(100) },
      { director: 'director-b', activeConn: 2, inactConn: 0, sampledAt: ago(100) },
    ] });
    expect(p).toMatchObject({ state: 'DRAINED', activeConn: 2 });
  });

  it('uses the newest sample per director and honours a non-zero threshold', () => {
    const p = evaluateDrain({ goal: { ...goal, activeThreshold: 2 }, directors: ['director-a'], now, samples: [
      { director: 'director-a', activeConn: 9, inactConn: 0, sampledAt: ago(2000) },
      { director: 'director-a', activeConn: 2, inactConn: 0, sampledAt: ago(100) },
    ] });
    expect(p.state).toBe('DRAINED');
  });
});
