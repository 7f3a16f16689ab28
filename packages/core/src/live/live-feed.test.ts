// Coalescing and throttling of the live view, with fake timers: one build per period however many
// subscribers, urgent changes sooner but never closer than the urgent gap, newest-value-only mailboxes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestValues, LiveFeed, nextEmissionDelay } from './live-feed';
import { configuredShares, observedShares } from './live-shares';

describe('nextEmissionDelay', () => {
  const timing = { periodMs: 1000, urgentGapMs: 250 };
  it('emits at once the first time, then once per period, urgent ones after the gap', () => {
    expect(nextEmissionDelay({ now: 5000, lastEmitAt: null, urgent: false, ...timing })).toBe(0);
    expect(nextEmissionDelay({ now: 5100, lastEmitAt: 5000, urgent: false, ...timing })).toBe(900);
    expect(nextEmissionDelay({ now: 5100, lastEmitAt: 5000, urgent: true, ...timing })).toBe(150);
    expect(nextEmissionDelay({ now: 7000, lastEmitAt: 5000, urgent: true, ...timing })).toBe(0);
  });
});

describe('LiveFeed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('builds once per period for all subscribers and stops when the last one leaves', async () => {
    let builds = 0;
    const feed = new LiveFeed(async () => ++builds, { periodMs: 1000, urgentGapMs: 250 });
    const a: number[] = [];
    const b: number[] = [];
    const offA = feed.subscribe((v) => a.push(v));
    const offB = feed.subscribe((v) => b.push(v));
    await vi.advanceTimersByTimeAsync(3050);
    expect(builds).toBe(4); // t = 0, 1, 2, 3 s
    expect(a).toEqual([1, 2, 3, 4]);
    expect(b).toEqual([1, 2, 3, 4]);
    offA();
    offB();
    await vi.advanceTimersByTimeAsync(5000);
    expect(builds).toBe(4);
  });

  it('sends urgent changes after the gap, and a burst of them as one', async () => {
    let builds = 0;
    const feed = new LiveFeed(async () => ++builds, { periodMs: 1000, urgentGapMs: 250 });
    const seen: Array<[number, number]> = [];
    const start = Date.now();
    feed.subscribe((v) => seen.push([Date.now() - start, v]));
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 20; i++) feed.poke(); // 20 urgent pokes at once
    await vi.advanceTimersByTimeAsync(990);
    // the first event at 0, ONE urgent event at 250 ms; the regular one follows a period later
    expect(seen.map(([t]) => t)).toEqual([0, 250]);
    await vi.advanceTimersByTimeAsync(300);
    expect(seen.map(([t]) => t)).toEqual([0, 250, 1250]);
  });

  it('keeps serving after a failed build', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const feed = new LiveFeed(async () => {
      if (++n === 2) throw new Error('db down');
      return n;
    }, { periodMs: 1000, urgentGapMs: 250 }, (e) => errors.push(e));
    const seen: number[] = [];
    feed.subscribe((v) => seen.push(v));
    await vi.advanceTimersByTimeAsync(2050);
    expect(seen).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });
});

describe('latestValues', () => {
  it('hands a slow reader only the newest value and unsubscribes on abort', async () => {
    let push: (v: number) => void = () => {};
    let unsubscribed = false;
    const controller = new AbortController();
    const stream = latestValues<number>((p) => {
      push = p;
      return () => (unsubscribed = true);
    }, controller.signal);
    const first = stream.next();
    push(1);
    expect((await first).value).toBe(1);
    push(2);
    push(3);
    expect((await stream.next()).value).toBe(3);
    const pending = stream.next();
    controller.abort();
    expect((await pending).done).toBe(true);
    expect(unsubscribed).toBe(true);
  });
});

describe('shares', () => {
  it('observed share of new connections; null when there were none', () => {
    expect(Object.fromEntries(observedShares(new Map([['a', 30], ['b', 90], ['c', 0]])))).toEqual({ a: 0.25, b: 0.75, c: 0 });
    expect(Object.fromEntries(observedShares(new Map([['a', 0], ['b', 0]])))).toEqual({ a: null, b: null });
  });
  it('configured share among READY servers only', () => {
    const shares = configuredShares([
      { id: 'a', weight: 1, adminState: 'READY' },
      { id: 'b', weight: 3, adminState: 'READY' },
      { id: 'c', weight: 5, adminState: 'DRAINING' },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ a: 0.25, b: 0.75, c: 0 });
    expect(Object.fromEntries(configuredShares([{ id: 'a', weight: 0, adminState: 'READY' }]))).toEqual({ a: 0 });
  });
});
