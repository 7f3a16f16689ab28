/** One real server's part of a service's traffic, as the split bars show it. */
export type ShareInput = { realServerId: string; label: string; observedShare: number | null; configuredShare: number };

export type ShareRow = ShareInput & {
  /** Whole percentages that add up to 100 over the service (largest remainder), for the numbers shown. */
  observedPercent: number | null;
  configuredPercent: number;
  /** Observed minus configured, in percentage points; null without an observation. */
  deviation: number | null;
};

/**
 * Rounds shares (fractions summing to ~1) to whole percentages that sum to exactly 100, so that
 * "25 % / 75 %" never reads "25 % / 76 %". All-zero input stays all zero.
 */
export function toWholePercents(shares: ReadonlyArray<number>): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  if (total <= 0) return shares.map(() => 0);
  const exact = shares.map((s) => (s / total) * 100);
  const floors = exact.map(Math.floor);
  let missing = 100 - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((v, i) => ({ i, rest: v - floors[i]! })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (missing <= 0) break;
    floors[i]! += 1;
    missing--;
  }
  return floors;
}

/**
 * Observed vs configured split for one service. Observed shares are null when the directors saw no
 * new connections in the last minute (nothing to compare), and then for every server.
 */
export function describeSplit(inputs: ReadonlyArray<ShareInput>): ShareRow[] {
  const configured = toWholePercents(inputs.map((i) => i.configuredShare));
  const hasObservation = inputs.some((i) => i.observedShare !== null && i.observedShare > 0);
  const observed = hasObservation ? toWholePercents(inputs.map((i) => i.observedShare ?? 0)) : inputs.map(() => null);
  return inputs.map((input, index) => {
    const o = observed[index] ?? null;
    return { ...input, observedPercent: o, configuredPercent: configured[index]!, deviation: o === null ? null : o - configured[index]! };
  });
}

/** Configured shares from weights, for servers that take new connections (weight 0 gets 0). */
export function configuredSharesFromWeights(weights: ReadonlyArray<number>): number[] {
  const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
  return weights.map((w) => (total > 0 ? Math.max(0, w) / total : 0));
}
