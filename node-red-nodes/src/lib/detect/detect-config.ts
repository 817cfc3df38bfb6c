import { ConfigError } from '../contracts/errors';

/**
 * Settings of the streaming detectors ({@link StreamingDetector}). Durations are milliseconds,
 * counts are readings. Every field is validated by {@link resolveDetectConfig}.
 */
export interface DetectConfig {
  /**
   * 0..1; higher flags more. Maps linearly to the decision cut-off on the calibrated score:
   * `cutoff = 0.8 − 0.6 × sensitivity` (0 → 0.8 ⇔ tail probability 1e-8, 0.5 → 0.5 ⇔ 1e-5,
   * 1 → 0.2 ⇔ 1e-2). See {@link cutoffForSensitivity}.
   */
  sensitivity: number;
  /** Readings a series must see before its learned detectors score (score 0 before). 1..100 000. */
  warmupReadings: number;
  /** Readings kept per series for the rolling median / MAD. 8..512. */
  windowSize: number;
  /** Window over which the rate of change is measured, ms. 1..86 400 000 (1 day). */
  rateWindowMs: number;
  /** Minimum duration of an unchanged value before the stuck detector scores, ms; unset: count only. */
  stuckMinDurationMs?: number;
  /** Minimum number of consecutive identical readings before the stuck detector scores. 2..100 000. */
  stuckMinReadings: number;
  /** An event-time jump longer than `gapFactor ×` the series' expected interval is a gap. 1.5..10 000. */
  gapFactor: number;
  /**
   * Half-life, in readings of a series, of its onset memory: the level and rate detectors score
   * only the part of their surprise that exceeds the decayed peak surprise they already reported,
   * so an excursion scores high at its onset and not again while it persists (an alert opens
   * once; `lucid-route` keeps it open), and an excursion that recurs within a few half-lives is
   * damped. 0 disables the memory. 0..100 000; default 288 (one day of 5-minute readings).
   */
  onsetHalfLifeReadings: number;
  /** Most series tracked at once; the least recently updated series is dropped beyond it. 1..1 000 000. */
  maxSeries: number;
  /**
   * Commissioning window of the per-device joint-state detector (`JointStateDetector`), in
   * readings of a device that carry ≥ 2 metrics: it fits itself on them, then scores the device's
   * joint state. 0 disables it. 0..100 000; default 400 (SKAB's training part).
   */
  jointFitReadings: number;
  /**
   * Novelty margin, as a fraction of the range a series has spanned so far: after
   * `noveltyWarmupReadings`, a reading beyond `[min − m·(max − min), max + m·(max − min)]` is
   * scored as a level anomaly of surprise `NOVELTY_SURPRISE` (metric-series.ts: a value never seen before).
   * 0 disables the novelty detector. 0..10.
   */
  noveltyMargin: number;
  /** Readings a series must have seen before a value outside its range counts as novel. 1..1 000 000. */
  noveltyWarmupReadings: number;
}

/**
 * Defaults: sensitivity 0.5, warm-up 30 readings, window 64, rate window 5 min, stuck after 6
 * readings, gap at 5× interval, onset half-life 288 readings, joint commissioning window 400
 * readings, novelty margin 2 % of the range after 1000 readings (novelty and window chosen by
 * leave-one-category-out cross-validation on NAB, `bench/src/nab-cv.ts`).
 */
export const DEFAULT_DETECT_CONFIG: DetectConfig = Object.freeze({
  sensitivity: 0.5,
  warmupReadings: 30,
  windowSize: 64,
  rateWindowMs: 300_000,
  stuckMinDurationMs: undefined,
  stuckMinReadings: 6,
  gapFactor: 5,
  onsetHalfLifeReadings: 288,
  maxSeries: 10_000,
  jointFitReadings: 400,
  noveltyMargin: 0.02,
  noveltyWarmupReadings: 1000,
}) as DetectConfig;

const RANGES: Record<Exclude<keyof DetectConfig, 'stuckMinDurationMs'>, [number, number, boolean]> = {
  sensitivity: [0, 1, false],
  warmupReadings: [1, 100_000, true],
  windowSize: [8, 512, true],
  rateWindowMs: [1, 86_400_000, false],
  stuckMinReadings: [2, 100_000, true],
  gapFactor: [1.5, 10_000, false],
  onsetHalfLifeReadings: [0, 100_000, false],
  maxSeries: [1, 1_000_000, true],
  jointFitReadings: [0, 100_000, true],
  noveltyMargin: [0, 10, false],
  noveltyWarmupReadings: [1, 1_000_000, true],
};

function checkNumber(field: string, value: unknown, min: number, max: number, integer: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigError(
      `detect: ${field} is ${JSON.stringify(value)}; expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`,
    );
  }
  return value;
}

/**
 * Fills a partial configuration with {@link DEFAULT_DETECT_CONFIG} and validates every field.
 *
 * @param partial - fields to override; `undefined` fields take the default.
 * @returns a complete, validated configuration.
 * @throws ConfigError naming the field, its value and the accepted range.
 * @example
 * const config = resolveDetectConfig({ sensitivity: 0.7, rateWindowMs: 60_000 });
 */
export function resolveDetectConfig(partial: Partial<DetectConfig> = {}): DetectConfig {
  if (partial === null || typeof partial !== 'object') {
    throw new ConfigError(`detect: configuration is ${JSON.stringify(partial)}; expected an object`);
  }
  const merged: DetectConfig = { ...DEFAULT_DETECT_CONFIG };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  for (const [field, [min, max, integer]] of Object.entries(RANGES)) {
    checkNumber(field, merged[field as keyof DetectConfig], min, max, integer);
  }
  if (merged.stuckMinDurationMs !== undefined) {
    checkNumber('stuckMinDurationMs', merged.stuckMinDurationMs, 0, 31_536_000_000, false);
  }
  return merged;
}

/**
 * Decision cut-off on the calibrated score for a sensitivity: `0.8 − 0.6 × sensitivity`.
 * With the score defined as `−log10(p) / 10` (see `tail-probability.ts`), sensitivity 0.5 flags
 * readings whose tail probability is below 1e-5, the threshold Ahmad et al. (2017) use for the
 * anomaly likelihood.
 */
export function cutoffForSensitivity(sensitivity: number): number {
  return 0.8 - 0.6 * sensitivity;
}
