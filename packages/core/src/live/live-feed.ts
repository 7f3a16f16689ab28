// Coalesces a cluster's live view: ONE builder per cluster however many browsers watch it, at most
// one event per period, sooner when something an operator waits for changes (apply status, VRRP,
// drain). Stats frames never trigger an event by themselves: 20 frames in a second are one view.

/** The timing rule: when the next event may go out. Pure. */
export function nextEmissionDelay(options: { now: number; lastEmitAt: number | null; urgent: boolean; periodMs: number; urgentGapMs: number }): number {
  const { now, lastEmitAt, urgent, periodMs, urgentGapMs } = options;
  if (lastEmitAt === null) return 0;
  return Math.max(0, lastEmitAt + (urgent ? urgentGapMs : periodMs) - now);
}

/** Timing of a feed. */
export type LiveFeedTiming = {
  /** Regular period (1 s: the agents' stats interval). */
  periodMs: number;
  /**
   * Smallest gap after an event before an urgent one: a VRRP flip or an applied generation shows at
   * once, but a burst of them (a flapping check, an apply storm) cannot flood the browser.
   */
  urgentGapMs: number;
};

/** Default timing: 1 Hz, urgent changes at most 4 per second. */
export const DEFAULT_LIVE_TIMING: LiveFeedTiming = { periodMs: 1000, urgentGapMs: 250 };

/** One cluster's feed: builds the view on its timer while it has listeners, and hands each event to all of them. */
export class LiveFeed<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerDue = Number.POSITIVE_INFINITY;
  private building = false;
  private urgentPending = false;
  private lastEmitAt: number | null = null;
  private last: T | null = null;

  constructor(
    private readonly build: () => Promise<T>,
    private readonly timing: LiveFeedTiming = DEFAULT_LIVE_TIMING,
    private readonly onError: (error: unknown) => void = (error) => console.error('[live] building the live view failed:', error),
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a listener; it gets the last event at once when there is a recent one. Returns the unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    if (this.last !== null && this.lastEmitAt !== null && this.now() - this.lastEmitAt < this.timing.periodMs) listener(this.last);
    else this.schedule(false);
    if (this.timer === null && !this.building) this.schedule(false);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Something urgent changed: send the next event as soon as the urgent gap allows. */
  poke(): void {
    if (this.listeners.size === 0) return;
    if (this.building) {
      this.urgentPending = true;
      return;
    }
    this.schedule(true);
  }

  /** Listeners now. */
  get size(): number {
    return this.listeners.size;
  }

  private schedule(urgent: boolean): void {
    const delay = nextEmissionDelay({ now: this.now(), lastEmitAt: this.lastEmitAt, urgent, ...this.timing });
    const due = this.now() + delay;
    if (this.timer !== null && this.timerDue <= due) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => void this.fire(), delay);
  }

  private async fire(): Promise<void> {
    this.timer = null;
    this.timerDue = Number.POSITIVE_INFINITY;
    if (this.listeners.size === 0) return;
    this.building = true;
    this.urgentPending = false;
    try {
      const value = await this.build();
      this.last = value;
      this.lastEmitAt = this.now();
      for (const listener of [...this.listeners]) listener(value);
    } catch (error) {
      // The view is retried at the next tick; one failed read must not end every browser's stream.
      this.lastEmitAt = this.now();
      this.onError(error);
    } finally {
      this.building = false;
    }
    if (this.listeners.size > 0) this.schedule(this.urgentPending);
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Number.POSITIVE_INFINITY;
    this.last = null;
    this.lastEmitAt = null;
  }
}

/**
 * A listener's mailbox as an async iterator: only the newest value is kept, so a slow browser gets
 * the current view rather than a backlog of old ones.
 */
export async function* latestValues<T>(subscribe: (push: (value: T) => void) => () => void, signal: AbortSignal | undefined): AsyncGenerator<T> {
  let pending: { value: T } | null = null;
  let wake: (() => void) | null = null;
  const unsubscribe = subscribe((value) => {
    pending = { value };
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (pending === null) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      const { value }: { value: T } = pending;
      pending = null;
      yield value;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
