/**
 * HitRate@P% (Su et al., "Robust Anomaly Detection for Multivariate Time Series through
 * Stochastic Recurrent Neural Network", KDD 2019, §4.5): for an anomaly whose ground-truth
 * dimension set has k members, keep the top ⌊k·P/100⌋ dimensions of the detector's ranking and
 * count how many are in the set; divide by k; average over anomalies.
 */

/** One labelled anomaly: its causing dimensions and the detector's ranking (most to least). */
export interface RankedAnomaly {
  truth: readonly number[];
  ranking: readonly number[];
}

/**
 * Mean HitRate@P% over anomalies.
 * @param anomalies - at least one, each with a non-empty `truth`.
 * @param p - the percentage, e.g. 100 or 150 (> 0).
 * @returns a value in [0, 1].
 * @throws RangeError on an empty list, an empty truth set or p ≤ 0.
 * @example
 * hitRateAtP([{ truth: [3, 7], ranking: [7, 1, 3] }], 100); // top 2 = {7, 1} → 1 hit / 2 = 0.5
 */
export function hitRateAtP(anomalies: readonly RankedAnomaly[], p: number): number {
  if (!(p > 0)) throw new RangeError(`p must be > 0, got ${p}`);
  if (anomalies.length === 0) throw new RangeError('hitRateAtP needs at least one anomaly');
  let total = 0;
  for (const { truth, ranking } of anomalies) {
    if (truth.length === 0) throw new RangeError('an anomaly has an empty ground-truth set');
    const keep = Math.floor((truth.length * p) / 100);
    const wanted = new Set(truth);
    let hits = 0;
    for (const d of ranking.slice(0, keep)) if (wanted.has(d)) hits++;
    total += hits / truth.length;
  }
  return total / anomalies.length;
}

/**
 * Expected HitRate@P% of a uniformly random ranking of `dimensions` dimensions (the chance
 * level): keeping m = min(⌊k·P/100⌋, D) random dimensions hits m·k/D true ones on average,
 * so each anomaly contributes m / D.
 * @throws RangeError on an empty list, an empty truth set, p ≤ 0 or dimensions < 1.
 */
export function randomHitRateAtP(
  truths: ReadonlyArray<readonly number[]>,
  dimensions: number,
  p: number,
): number {
  if (!(p > 0)) throw new RangeError(`p must be > 0, got ${p}`);
  if (!(dimensions >= 1)) throw new RangeError(`dimensions must be ≥ 1, got ${dimensions}`);
  if (truths.length === 0) throw new RangeError('randomHitRateAtP needs at least one anomaly');
  let total = 0;
  for (const truth of truths) {
    if (truth.length === 0) throw new RangeError('an anomaly has an empty ground-truth set');
    total += Math.min(Math.floor((truth.length * p) / 100), dimensions) / dimensions;
  }
  return total / truths.length;
}
