import type { Clock } from '../connection/clock';

/** A clock tests advance by hand: timers fire in due order inside advance(). */
export class ManualClock implements Clock {
  private current = 1_700_000_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, firing every timer that falls due (including ones they set). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at); // overdue after a stall(): fires late, like a real timer
      next[1].fn();
    }
    this.current = end;
  }

  /** Moves time forward without firing anything: a stalled event loop (advance(0) then runs what is overdue). */
  stall(ms: number): void {
    this.current += ms;
  }

  /** Milliseconds until the next timer, or null. */
  nextDelay(): number | null {
    let min: number | null = null;
    for (const t of this.timers.values()) min = min === null ? t.at - this.current : Math.min(min, t.at - this.current);
    return min;
  }
}
