import type { TrafficCounters } from '@fulcrum/lvs/parse/parse-ipvsadm-list';

/** Per-second rates of one object (service or destination). */
export interface Rates {
  connsPerSec: number;
  packetsInPerSec: number;
  packetsOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

/** Counters of every object at one moment (key → counters). */
export interface CounterSample {
  at: number;
  counters: Map<string, TrafficCounters>;
}

/** Rates of zero (first sample, or an object new since the last one). */
export const ZERO_RATES: Rates = { connsPerSec: 0, packetsInPerSec: 0, packetsOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 };

function perSecond(now: number, before: number, seconds: number): number {
  // a counter that went down was reset (object deleted and re-added): no honest rate for this interval
  if (now < before) return 0;
  return (now - before) / seconds;
}

/**
 * Rates between two counter samples: (now − before) / elapsed seconds per counter. Objects missing from
 * the earlier sample, counter resets and a zero interval give 0 rather than a spike.
 */
export function computeRates(before: CounterSample | null, now: CounterSample): Map<string, Rates> {
  const rates = new Map<string, Rates>();
  const seconds = before === null ? 0 : (now.at - before.at) / 1000;
  for (const [key, counters] of now.counters) {
    const earlier = before?.counters.get(key);
    if (earlier === undefined || seconds <= 0) {
      rates.set(key, ZERO_RATES);
      continue;
    }
    rates.set(key, {
      connsPerSec: perSecond(counters.conns, earlier.conns, seconds),
      packetsInPerSec: perSecond(counters.inPackets, earlier.inPackets, seconds),
      packetsOutPerSec: perSecond(counters.outPackets, earlier.outPackets, seconds),
      bytesInPerSec: perSecond(counters.inBytes, earlier.inBytes, seconds),
      bytesOutPerSec: perSecond(counters.outBytes, earlier.outBytes, seconds),
    });
  }
  return rates;
}
