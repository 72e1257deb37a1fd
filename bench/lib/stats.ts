/**
 * The statistics every benchmark figure uses: medians over runs, the spread (min, max), and the ratio of a
 * measured series to its baseline taken pair by pair (the two sides of a pair run back to back, so slow drifts of
 * the machine cancel out within a pair).
 */

export type Summary = { n: number; median: number; min: number; max: number };

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summary of no values');
  return { n: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * The median of the per-pair ratios measured[i] / baseline[i]. Both series must come from the same pairs
 * (same length, same order).
 */
export function pairedRatio(measured: readonly number[], baseline: readonly number[]): number {
  if (measured.length !== baseline.length) {
    throw new RangeError(`paired series differ in length: ${measured.length} and ${baseline.length}`);
  }
  const ratios = measured.map((m, i) => {
    if (!(baseline[i] > 0)) throw new RangeError(`baseline value ${baseline[i]} at pair ${i} is not positive`);
    return m / baseline[i];
  });
  return median(ratios);
}

/**
 * The median of the per-pair differences measured[i] - baseline[i]: what one side adds to the other, paired like
 * pairedRatio (so it is not thrown off by the machine getting slower or faster between pairs).
 */
export function pairedDifference(measured: readonly number[], baseline: readonly number[]): number {
  if (measured.length !== baseline.length) {
    throw new RangeError(`paired series differ in length: ${measured.length} and ${baseline.length}`);
  }
  return median(measured.map((m, i) => m - baseline[i]));
}

/**
 * The order in which the sides of iteration `i` run: rotated every iteration, so that each side goes first
 * equally often (AB, BA, AB, ... for two sides; ABC, BCA, CAB, ... for three).
 */
export function rotation<T>(sides: readonly T[], i: number): T[] {
  if (sides.length === 0) return [];
  const k = i % sides.length;
  return [...sides.slice(k), ...sides.slice(0, k)];
}
