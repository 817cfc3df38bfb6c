import type { DetectorKind, ExpectedBand, MetricEvidence, MetricSpec } from '../contracts';
import type { DetectConfig } from './detect-config';
import { RobustWindow } from './robust-window';
import {
  SURPRISE_MAX,
  normalQuantileForSurprise,
  scoreToSurprise,
  twoSidedNormalSurprise,
} from './tail-probability';

/** Normal-consistency constant of the MAD: σ ≈ 1.4826 × MAD (Rousseeuw & Croux 1993). */
export const MAD_TO_SIGMA = 1.4826;
/** σ of a normal from its 10–90 % interdecile range: 2 × Φ⁻¹(0.9) = 2.5631. */
const IDR_TO_SIGMA = 1 / 2.5631;
/** σ of a zero-mean normal from its mean absolute value: √(π/2). */
const MEAN_ABS_TO_SIGMA = 1.2533;
/** The learned detectors (level, rate, stuck) a metric's surprise is Bonferroni-corrected over. */
export const LEARNED_DETECTORS = 3;
const LOG10_LEARNED = Math.log10(LEARNED_DETECTORS);
const LOG10_E = Math.LOG10E;
/** Intervals a series must have seen before its learned interval replaces the fleet's. */
const MIN_INTERVALS = 3;
/** A series must have changed value about this many times (decayed) before it can be "stuck". */
const MIN_CHANGES_FOR_STUCK = 5;
/** Mean of −log10 p when p is uniform (a correct null model): log10(e). */
export const NULL_SURPRISE_MEAN = Math.LOG10E;
/** Surprise calibration learns over about one window (EWMA rate CALIBRATION_RATE / windowSize), half a window late. */
const CALIBRATION_RATE = 1;
/** Bins of the daily seasonal profile (30 min each). */
export const SEASON_BINS = 48;
const DAY_MS = 86_400_000;
const SEASON_BIN_MS = DAY_MS / SEASON_BINS;
/** Visits (days) a bin must have completed before its profile predicts. */
const SEASON_MIN_VISITS = 2;
/** Slowest per-visit learning rate of a bin (≈ the last 10 visits). */
const SEASON_RATE = 0.1;
/**
 * Readings of both predictors' errors on the same readings before the seasonal one may be chosen
 * (about one day of 5-minute readings).
 */
const SEASON_MIN_COMPARED = 256;
/**
 * Surprise of a novel value (outside the range the series has spanned, see
 * {@link DetectConfig.noveltyMargin}): score 0.9 after the Bonferroni correction over the
 * learned detectors. A fixed level, as the "spatial anomaly" rule of Numenta's NAB detector
 * (numenta/NAB `nab/detectors/numenta`: a value beyond the min/max seen so far by more than 5 %
 * of that range scores 1), below the certain violations (range, lost link).
 */
export const NOVELTY_SURPRISE = 9 + Math.log10(LEARNED_DETECTORS);
/**
 * A novel value counts for the decision only this many robust σ (window scale) beyond the learned
 * range. The record of i.i.d. noise exceeds the previous one by a fraction of σ (Gaussian
 * extremes grow like σ√(2 ln n)), so plain noise never passes; a spike or a shift does.
 */
export const NOVELTY_DECISION_SIGMAS = 3;
/** Largest finite float32 (the seasonal profile's storage). */
const FLOAT32_MAX = 3.4028234663852886e38;
const LEVEL = 0;
const RATE = 1;
const STUCK = 2;
const RANGE = 3;
const GAP = 4;

/** Placeholder of `MetricEvidence.detectorScores` until the detector sets it (see {@link MetricSeries.score}). */
const UNSET = undefined as unknown as MetricEvidence['detectorScores'];

/** Bin of the daily profile of an event time (UTC time of day). */
function seasonBin(tsMs: number): number {
  const inDay = tsMs % DAY_MS;
  return Math.floor((inDay < 0 ? inDay + DAY_MS : inDay) / SEASON_BIN_MS) % SEASON_BINS;
}

/** Serializable state of one series (see {@link MetricSeries.toSnapshot}). */
export interface SeriesSnapshot {
  deviceId: string;
  metric: string;
  /** Readings incorporated so far. */
  n: number;
  /** Window values and event times, oldest first. */
  values: number[];
  times: number[];
  runStartTsMs: number;
  runCount: number;
  /** Decayed counts of repeats / transitions after a change (stuck detector, first repeat). */
  sameWeight: number;
  totalWeight: number;
  /** Decayed counts of repeats / transitions after a repeat (stuck detector, run continuation). */
  repeatAfterRepeatWeight: number;
  afterRepeatWeight: number;
  /** Winsorized EWMA of |rate of change|, per minute. */
  usualRatePerMin: number;
  rateCount: number;
  /** Winsorized EWMA of the interval between readings, ms. */
  intervalMs: number;
  intervalCount: number;
  /** EWMA of the raw level / rate surprises (calibration; log10(e) for a correct null model). */
  levelSurpriseMean: number;
  rateSurpriseMean: number;
  calibrationCount: number;
  /** Raw [level, rate] surprise pairs not yet folded into the calibration (oldest first; NaN as null). */
  pendingSurprises: (number | null)[];
  anomalousSinceTsMs: number | null;
  /** Decayed peak of the level / rate surprise of reported readings (onset memory); absent in older snapshots (0). */
  onsetMemory?: number;
  /** Decayed peak of the stuck surprise of reported readings; absent in older snapshots (0). */
  stuckMemory?: number;
  /** Decayed peak of the novelty surprise of reported readings; absent in older snapshots (0). */
  noveltyMemory?: number;
  /** Daily profile by time-of-day bin ({@link SEASON_BINS} each); absent in older snapshots (not learned yet). */
  seasonMean?: number[];
  seasonDev?: number[];
  seasonVisits?: number[];
  /** Prequential mean absolute errors of the window median and of the profile; absent in older snapshots (0). */
  localError?: number;
  seasonError?: number;
  comparedCount?: number;
  /** Smallest and largest value seen (novelty detector); absent in older snapshots or before the first reading. */
  rangeMin?: number;
  rangeMax?: number;
}

/** Detector slots of {@link SeriesResult.surprises}, in the order evidence lists them. */
export const SERIES_DETECTORS: readonly DetectorKind[] = ['level', 'rate', 'stuck', 'range', 'gap'];

/**
 * What the detectors of one series found for one reading, before the device combination.
 * {@link MetricSeries.score} reuses one instance per series: it is valid until the next call.
 */
export interface SeriesResult {
  warmingUp: boolean;
  /**
   * Surprise (−log10 p) of each detector, indexed like {@link SERIES_DETECTORS}
   * (level, rate, stuck, range, gap); NaN for a detector that did not run.
   */
  surprises: Float64Array;
  /** The metric's surprise: Bonferroni-corrected max of the learned detectors, or range / gap. */
  surprise: number;
  /**
   * The surprise the decision uses: {@link surprise} without a novel value that stays within
   * {@link NOVELTY_DECISION_SIGMAS} robust σ of the learned range (equal to it otherwise).
   */
  decisionSurprise: number;
  /**
   * The metric's evidence with its first fields (metric … range) filled; the detector sets
   * score, kind, detectorScores (and anomalousSinceTsMs) on this same object. Those three may
   * already be present as placeholders (0, null, undefined), in their final key order.
   */
  evidence: MetricEvidence;
  /** Event-time jump, when the gap detector fired. */
  gap: { silentForMs: number; expectedIntervalMs: number; lastSeenTsMs: number } | undefined;
  /** Internals handed to {@link MetricSeries.update}. */
  rawLevelSurprise: number;
  rawRateSurprise: number;
  absRatePerMin: number;
  dtMs: number;
  same: boolean;
  excursionSurprise: number;
  /** Surprise of the novelty detector when it scored at the decision level, else 0 (the onset memory's input). */
  noveltySurprise: number;
  stuckSurprise: number;
  rateDurationMs: number;
}

/**
 * Streaming detectors of one device metric: robust level (rolling median / MAD), rate of change
 * over `rateWindowMs` against the series' usual rate, stuck value, physical range, and event-time
 * gap. Every detector turns its statistic into a tail probability, reported as a surprise
 * `−log10 p`.
 *
 * Seasonal context: the series also learns a daily profile (48 half-hour bins of UTC time of day;
 * per bin an EWMA of the value and of its absolute deviation, each visit — a day — weighing ~10 %).
 * Once bins have 2 completed visits, the window median and the profile are compared as one-step
 * predictors on the same readings (prequential mean absolute error, EWMA over ~4 windows; Dawid
 * 1984, *Present position and potential developments: the prequential approach*, JRSS A 147).
 * While the profile predicts better (after ≥ 256 compared readings), the level detector scores the
 * reading against its bin (expected value = the bin's mean, σ = 1.2533 × its mean absolute
 * deviation, the expected band and direction follow), and the rate detector scores the change of
 * the residual from the profile, reported as a level deviation. A daily pattern's expected jumps
 * are thereby normal, and a jump that does not come is anomalous. Comparable to the seasonal
 * baselines of Hochenbaum, Vallis & Kejariwal (2017, *Automatic anomaly detection in the cloud via
 * statistical learning*, arXiv:1704.07706) without their batch decomposition. Series sampled
 * for less than ~3 days never use it.
 *
 * Scoring ({@link score}) reads the state only; {@link update} then folds the reading in. Both
 * are O(log w) apart from the window's memmove (see {@link RobustWindow}).
 *
 * Memory: 28 × windowSize bytes of typed arrays (window values, times, sorted copy; float32
 * calibration delay line), 480 bytes of daily profile (float32 mean and deviation, uint16 visits
 * for 48 bins) plus ~300 bytes of scalars and object overhead, i.e. ≈ 2.5 KB at the default
 * window of 64.
 */
export class MetricSeries {
  readonly window: RobustWindow;
  n = 0;
  runStartTsMs = 0;
  runCount = 0;
  sameWeight = 0;
  totalWeight = 0;
  repeatAfterRepeatWeight = 0;
  afterRepeatWeight = 0;
  usualRatePerMin = 0;
  rateCount = 0;
  intervalMs = 0;
  intervalCount = 0;
  levelSurpriseMean = NULL_SURPRISE_MEAN;
  rateSurpriseMean = NULL_SURPRISE_MEAN;
  calibrationCount = 0;
  /**
   * Onset memory: the decayed peak of the calibrated level / rate surprise of the readings that
   * were reported anomalous on this metric, in surprise units (see
   * {@link DetectConfig.onsetHalfLifeReadings}).
   */
  onsetMemory = 0;
  /** The same for the stuck detector: a run is reported once, and a recurring run is damped. */
  stuckMemory = 0;
  /** The same for the novelty detector: a new extreme is reported once, not on each further record. */
  noveltyMemory = 0;
  /** Ring of raw [level, rate] surprises awaiting calibration (delayed by half a window). */
  private pending: Float32Array;
  private pendingHead = 0;
  private pendingSize = 0;
  anomalousSinceTsMs: number | null = null;
  /** The pair that last left the calibration delay line. */
  private delayedLevel = NaN;
  private delayedRate = NaN;
  /** Scratch result of {@link score}, reused (valid until the next call). */
  readonly lastResult: SeriesResult = {
    warmingUp: false,
    surprises: new Float64Array(SERIES_DETECTORS.length),
    surprise: 0,
    decisionSurprise: 0,
    evidence: undefined as unknown as MetricEvidence,
    gap: undefined,
    rawLevelSurprise: NaN,
    rawRateSurprise: NaN,
    absRatePerMin: NaN,
    dtMs: NaN,
    same: false,
    excursionSurprise: NaN,
    noveltySurprise: 0,
    stuckSurprise: NaN,
    rateDurationMs: 0,
  };
  /** Memo of the expected band's last quantile (input surprise → |z|): unchanged on most readings. */
  private bandSurprise = NaN;
  private bandZ = NaN;
  /** Onset decay of the last config seen (2^(−1/half-life)). */
  private decayHalfLife = NaN;
  private decayFactor = 0;
  /**
   * Daily seasonal profile, by time-of-day bin (UTC event time): per-visit EWMA of the value and of
   * the absolute deviation from it, and the number of visits (capped). Allocated on the first
   * reading a day's bin structure can matter for (lazily; 480 bytes).
   */
  seasonMean: Float32Array | undefined;
  seasonDev: Float32Array | undefined;
  seasonVisits: Uint16Array | undefined;
  /**
   * Prequential mean absolute errors of the two level predictors, window median and seasonal
   * profile, on the same readings (those whose bin was learned), EWMA over ~4 windows; the level
   * detector uses the seasonal profile while it predicts better (Dawid 1984, prequential model choice).
   */
  localError = 0;
  seasonError = 0;
  comparedCount = 0;
  /** Smallest and largest value incorporated so far (novelty detector; ±∞ before the first). */
  rangeMin = Infinity;
  rangeMax = -Infinity;
  /** Neighbours in the detector's least-recently-updated list (not serialized). */
  lruPrev: MetricSeries | undefined;
  lruNext: MetricSeries | undefined;
  /** The fleet's declaration and unit of this metric, resolved once by the detector. */
  spec: MetricSpec | undefined;
  unit: string | undefined;

  constructor(
    readonly deviceId: string,
    readonly metric: string,
    windowSize: number,
  ) {
    this.window = new RobustWindow(windowSize);
    this.pending = new Float32Array(2 * Math.max(1, windowSize >> 1));
  }

  /**
   * An independent copy of the series' learned state (typed arrays copied, scratch result fresh,
   * not linked in any LRU list), equal to a {@link toSnapshot} / {@link fromSnapshot} round trip
   * without its validation and re-sorting. O(window).
   */
  clone(): MetricSeries {
    // Built by the constructor and filled field by field, so the copy keeps the class's shape.
    const c = new MetricSeries(this.deviceId, this.metric, this.window.capacity);
    const from = this as unknown as Record<string, unknown>;
    const to = c as unknown as Record<string, unknown>;
    for (const k of Object.keys(from)) to[k] = from[k];
    const w = c as unknown as {
      window: RobustWindow;
      pending: Float32Array;
      lastResult: SeriesResult;
    };
    w.window = this.window.clone();
    w.pending = this.pending.slice();
    w.lastResult = { ...this.lastResult, surprises: new Float64Array(SERIES_DETECTORS.length) };
    c.seasonMean = this.seasonMean?.slice();
    c.seasonDev = this.seasonDev?.slice();
    c.seasonVisits = this.seasonVisits?.slice();
    c.lruPrev = c.lruNext = undefined;
    return c;
  }

  /** Event time of the newest incorporated reading, or −∞ when none. */
  get lastTsMs(): number {
    const c = this.window.count;
    return c === 0 ? -Infinity : this.window.tsAt(c - 1);
  }

  /**
   * Scores `value` at `tsMs` against the state (does not change it).
   * @param spec - the fleet's declaration of the metric, when the fleet declares it (range, interval).
   * @param cutoff - the metric's decision cut-off on the score, for the expected band.
   */
  score(
    value: number,
    tsMs: number,
    config: DetectConfig,
    spec: MetricSpec | undefined,
    unit: string,
    cutoff: number,
  ): SeriesResult {
    const w = this.window;
    const count = w.count;
    const out = this.lastResult;
    const surprises = out.surprises;
    surprises.fill(NaN);
    const warmingUp = this.n < config.warmupReadings;
    const median = count > 0 ? w.median() : value;
    const mad = count > 0 ? w.mad() : 0;
    // The sensor's datasheet accuracy floors the noise scale: deviations within it are never anomalous.
    const accuracy = spec?.accuracy !== undefined && spec.accuracy > 0 ? spec.accuracy : 0;
    const sigma = Math.max(this.scale(median, mad), accuracy);
    // Seasonal context: when the daily profile has predicted better than the window median, the
    // level is scored against the profile's bin (value and scale), and the rate on the residual.
    const bin = seasonBin(tsMs);
    const seasonal = this.seasonalActive(bin);
    const center = seasonal ? this.seasonMean![bin] : median;
    const levelSigma = seasonal
      ? Math.max(MEAN_ABS_TO_SIGMA * this.seasonDev![bin], accuracy, 1e-9 * Math.max(1, Math.abs(center)))
      : sigma;
    const z = count > 0 ? (value - center) / levelSigma : 0;
    const levelCalibration = this.calibration(this.levelSurpriseMean);
    const rateCalibration = this.calibration(this.rateSurpriseMean);
    const zSurprise = twoSidedNormalSurprise(z);
    const rawLevelSurprise = count >= 3 ? zSurprise : NaN;
    let rawRateSurprise = NaN;
    /** In seasonal context the rate detector measures the change of the residual from the profile. */
    let residualRate = false;

    // Rate of change over the rate window, from the oldest reading inside it (or the previous one).
    let change: MetricEvidence['change'];
    let absRatePerMin = NaN;
    let rateSurprise = 0;
    if (count > 0) {
      let i = w.firstAtOrAfter(tsMs - config.rateWindowMs);
      if (i >= count) i = count - 1;
      const fromTsMs = w.tsAt(i);
      const durationMs = tsMs - fromTsMs;
      if (durationMs > 0) {
        const fromValue = w.valueAt(i);
        const minutes = durationMs / 60_000;
        const ratePerMin = (value - fromValue) / minutes;
        absRatePerMin = Math.abs(ratePerMin);
        // Noise alone moves two readings apart by √2 σ: the floor of the rate's scale.
        const rateSigma = Math.max(MEAN_ABS_TO_SIGMA * this.usualRatePerMin, (Math.SQRT2 * sigma) / minutes);
        let rateZ = ratePerMin / rateSigma;
        if (seasonal) {
          // The change the profile did not predict, against the profile's scale.
          const fromBin = seasonBin(fromTsMs);
          if (this.seasonVisits![fromBin] > SEASON_MIN_VISITS) {
            // Two residuals, each with its bin's scale: the difference has σ = √(σ_from² + σ_to²).
            residualRate = true;
            const residualPerMin = (value - center - (fromValue - this.seasonMean![fromBin])) / minutes;
            const fromSigma = Math.max(MEAN_ABS_TO_SIGMA * this.seasonDev![fromBin], levelSigma);
            rateZ =
              residualPerMin /
              Math.max(MEAN_ABS_TO_SIGMA * this.usualRatePerMin, Math.hypot(fromSigma, levelSigma) / minutes);
          }
        }
        rawRateSurprise = twoSidedNormalSurprise(rateZ);
        rateSurprise = rateCalibration * rawRateSurprise;
        change = {
          fromValue,
          toValue: value,
          fromTsMs,
          durationMs,
          ratePerMin,
          usualRatePerMin: this.usualRatePerMin,
        };
      }
    }

    // Stuck: probability of a run this long under a two-state Markov chain of repeats learned from
    // the series (P(first repeat) × P(repeat | repeat)^(n − 2)), so series that often repeat
    // (quantised, idle) need much longer runs than continuous noisy ones.
    const same = count > 0 && value === w.valueAt(count - 1);
    const runCount = same ? this.runCount + 1 : 1;
    const runStartTsMs = same ? this.runStartTsMs : tsMs;
    let stuck: MetricEvidence['stuck'];
    let stuckSurprise = 0;
    const stuckDurationMs = tsMs - runStartTsMs;
    const hasVaried = this.totalWeight >= MIN_CHANGES_FOR_STUCK;
    if (
      hasVaried &&
      runCount >= config.stuckMinReadings &&
      (config.stuckMinDurationMs === undefined || stuckDurationMs >= config.stuckMinDurationMs)
    ) {
      const first = (this.sameWeight + 0.5) / (this.totalWeight + 1);
      // Without continuation data the prior is independence (continuation = first repeat).
      const continuation = (this.repeatAfterRepeatWeight + 2 * first) / (this.afterRepeatWeight + 2);
      stuckSurprise = Math.min(SURPRISE_MAX, -Math.log10(first) - (runCount - 2) * Math.log10(continuation));
      stuck = { sinceTsMs: runStartTsMs, durationMs: stuckDurationMs, value };
    }

    // Onset (see DetectConfig.onsetHalfLifeReadings): level and rate score only the surprise
    // beyond the decayed peak of the excursions already reported, so an excursion is reported at
    // its onset, not on every reading while it lasts, however gradually it reached the decision
    // level. Stuck reports a run once, when it becomes improbable at the decision level (its
    // surprise grows with the run's length, so it has no sharper onset), minus the runs already
    // reported.
    const reportSurprise = cutoff > 1 ? Infinity : scoreToSurprise(cutoff) + LOG10_LEARNED;
    const decay = this.onsetDecay(config);
    const damping = decay * this.onsetMemory;
    let excursionSurprise = NaN;
    let noveltySurprise = 0;
    let learned = 0;
    let decisionLearned = 0;
    if (!warmingUp) {
      // A sudden change of the residual from the profile is a deviation from the expected value:
      // it is reported as the level's (the explanation is "value vs expected"), not as a fast rise.
      const level = residualRate
        ? Math.max(levelCalibration * zSurprise, rateSurprise)
        : levelCalibration * zSurprise;
      excursionSurprise = Math.max(level, change ? rateSurprise : 0);
      const levelTerm = Math.max(0, level - damping);
      learned = levelTerm;
      if (change)
        learned = Math.max(
          learned,
          (surprises[RATE] = residualRate ? 0 : Math.max(0, rateSurprise - damping)),
        );
      learned = Math.max(
        learned,
        (surprises[STUCK] =
          stuckSurprise >= reportSurprise ? Math.max(0, stuckSurprise - decay * this.stuckMemory) : 0),
      );
      const beyond = this.beyondRange(value, config);
      let noveltyTerm = 0;
      if (beyond > 0) {
        noveltyTerm = Math.max(0, NOVELTY_SURPRISE - decay * this.noveltyMemory);
        // Remembered when it scores at the decision level, whether or not it is alerted.
        if (noveltyTerm >= reportSurprise) noveltySurprise = NOVELTY_SURPRISE;
      }
      surprises[LEVEL] = Math.max(levelTerm, noveltyTerm);
      // The decision counts a novel value only when it also lies far outside the local spread: a
      // new record of plain noise (about 1/n of readings) ranks high but is not alerted.
      decisionLearned = beyond >= NOVELTY_DECISION_SIGMAS * sigma ? Math.max(learned, noveltyTerm) : learned;
      learned = Math.max(learned, noveltyTerm);
    }

    // Physical range from the fleet: certain, so it needs no warm-up.
    let range: MetricEvidence['range'];
    let surprise = Math.max(0, learned - LOG10_LEARNED);
    let decisionSurprise = Math.max(0, decisionLearned - LOG10_LEARNED);
    if (spec && (spec.min !== undefined || spec.max !== undefined)) {
      range = {};
      if (spec.min !== undefined) range.min = spec.min;
      if (spec.max !== undefined) range.max = spec.max;
      const outside =
        (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max);
      surprise = Math.max(surprise, (surprises[RANGE] = outside ? SURPRISE_MAX : 0));
      decisionSurprise = Math.max(decisionSurprise, surprises[RANGE]);
    }

    // Event-time jump: intervals modelled as exponential (memoryless), P(gap > r × mean) = e^−r.
    let gap: SeriesResult['gap'];
    const dtMs = count > 0 ? tsMs - w.tsAt(count - 1) : NaN;
    const expectedIntervalMs = this.expectedIntervalMs(spec);
    if (expectedIntervalMs !== undefined) {
      const ratio = dtMs / expectedIntervalMs;
      const isGap = ratio > config.gapFactor;
      surprise = Math.max(surprise, (surprises[GAP] = isGap ? Math.min(SURPRISE_MAX, ratio * LOG10_E) : 0));
      decisionSurprise = Math.max(decisionSurprise, surprises[GAP]);
      if (isGap) gap = { silentForMs: dtMs, expectedIntervalMs, lastSeenTsMs: w.tsAt(count - 1) };
    }

    const expected = this.band(center, levelSigma, count, cutoff, spec, levelCalibration, damping);
    const direction = value > center ? 'up' : value < center ? 'down' : 'none';
    const baseline = { median: count > 0 ? median : value, mad: count > 0 ? mad : 0, count };
    let evidence: MetricEvidence;
    if (stuck === undefined && range === undefined) {
      // The common shapes as one literal each, with the fields the detector fills next (score,
      // kind, detectorScores) in their place: no property-store transitions or backing-store
      // growth per reading. Key order as in the general case below.
      const metric = this.metric;
      evidence = change
        ? {
            metric,
            unit,
            value,
            direction,
            baseline,
            expected,
            change,
            score: 0,
            kind: null,
            detectorScores: UNSET,
          }
        : { metric, unit, value, direction, baseline, expected, score: 0, kind: null, detectorScores: UNSET };
    } else {
      evidence = { metric: this.metric, unit, value, direction, baseline, expected } as MetricEvidence;
      if (change) evidence.change = change;
      if (stuck) evidence.stuck = stuck;
      if (range) evidence.range = range;
    }
    out.warmingUp = warmingUp;
    out.surprise = surprise;
    out.decisionSurprise = decisionSurprise;
    out.evidence = evidence;
    out.gap = gap;
    out.rawLevelSurprise = rawLevelSurprise;
    out.rawRateSurprise = rawRateSurprise;
    out.absRatePerMin = absRatePerMin;
    out.dtMs = dtMs;
    out.same = same;
    out.excursionSurprise = excursionSurprise;
    out.noveltySurprise = noveltySurprise;
    out.stuckSurprise = warmingUp ? NaN : stuckSurprise;
    out.rateDurationMs = change?.durationMs ?? 0;
    return out;
  }

  /**
   * Folds a scored reading into the state. Call only with `tsMs` after {@link lastTsMs}.
   * @param reported - whether the reading was reported anomalous on this metric (the device's
   *   decision and the metric's own cut-off); only reported readings enter the onset memories.
   */
  update(value: number, tsMs: number, result: SeriesResult, config: DetectConfig, reported = false): void {
    const alpha = 2 / (config.windowSize + 1);
    const { rawLevelSurprise, rawRateSurprise, absRatePerMin, dtMs, same, excursionSurprise } = result;
    const decay = this.onsetDecay(config);
    this.onsetMemory *= decay;
    this.stuckMemory *= decay;
    this.noveltyMemory *= decay;
    // Novelty scored at the decision level is remembered whether or not it was alerted: further
    // records of the same excursion are damped in the score as well.
    if (result.noveltySurprise > 0) this.noveltyMemory = Math.max(this.noveltyMemory, result.noveltySurprise);
    if (reported && Number.isFinite(excursionSurprise))
      this.onsetMemory = Math.max(this.onsetMemory, excursionSurprise);
    if (reported && result.stuckSurprise > 0)
      this.stuckMemory = Math.max(this.stuckMemory, result.stuckSurprise);
    if (Number.isFinite(dtMs) && dtMs > 0) {
      if (this.intervalCount === 0) this.intervalMs = dtMs;
      else this.intervalMs += alpha * (Math.min(dtMs, 3 * this.intervalMs) - this.intervalMs);
      this.intervalCount++;
    }
    // The usual rate is learned from changes over the whole rate window only (or the longest the
    // full window spans): changes over shorter spans, at start-up, are noisier per minute and would
    // inflate it for a long time.
    const fullSpan =
      result.rateDurationMs >= config.rateWindowMs || this.window.count === this.window.capacity;
    if (Number.isFinite(absRatePerMin) && fullSpan) {
      if (this.rateCount === 0) this.usualRatePerMin = absRatePerMin;
      else {
        const cap = 4 * Math.max(this.usualRatePerMin, 1e-12);
        this.usualRatePerMin += alpha * (Math.min(absRatePerMin, cap) - this.usualRatePerMin);
      }
      this.rateCount++;
    }
    if (Number.isFinite(rawLevelSurprise)) {
      // Delayed by half a window: an excursion is scored against the calibration from before it
      // began, and only an excursion that lasts (a new normal) is learned.
      if (this.delaySurprises(rawLevelSurprise, rawRateSurprise)) {
        const beta = CALIBRATION_RATE / config.windowSize;
        this.levelSurpriseMean += beta * (this.delayedLevel - this.levelSurpriseMean);
        if (Number.isFinite(this.delayedRate))
          this.rateSurpriseMean += beta * (this.delayedRate - this.rateSurpriseMean);
        this.calibrationCount++;
      }
    }
    if (this.window.count > 0) {
      const decay = 1 - 1 / (4 * config.windowSize);
      if (this.runCount === 1) {
        this.sameWeight = decay * this.sameWeight + (same ? 1 : 0);
        this.totalWeight = decay * this.totalWeight + 1;
      } else if (!same) {
        // A run of r ≥ 2 ended: learn its r − 2 continuations and 1 stop only now, so a run still
        // in progress (possibly a stuck sensor) never teaches that long runs are normal.
        const r = this.runCount;
        const runDecay = Math.pow(decay, r - 1);
        this.repeatAfterRepeatWeight = runDecay * this.repeatAfterRepeatWeight + (r - 2);
        this.afterRepeatWeight = runDecay * this.afterRepeatWeight + (r - 1);
      }
    }
    this.learnSeason(value, tsMs);
    if (value < this.rangeMin) this.rangeMin = value;
    if (value > this.rangeMax) this.rangeMax = value;
    if (same) this.runCount++;
    else {
      this.runCount = 1;
      this.runStartTsMs = tsMs;
    }
    this.window.push(value, tsMs);
    this.n++;
  }

  /**
   * How far `value` lies outside the range the series has spanned, when it lies beyond the range
   * widened on both sides by `noveltyMargin` × its width, once `noveltyWarmupReadings` readings
   * were seen; 0 otherwise. A series that was constant so far (width 0) has no novelty: its first
   * change is the stuck and level detectors' concern.
   */
  private beyondRange(value: number, config: DetectConfig): number {
    const width = this.rangeMax - this.rangeMin;
    if (config.noveltyMargin === 0 || this.n < config.noveltyWarmupReadings || !(width > 0)) return 0;
    const beyond = Math.max(value - this.rangeMax, this.rangeMin - value);
    return beyond > config.noveltyMargin * width ? beyond : 0;
  }

  /** Whether the seasonal profile scores the level at this bin (learned, and the better predictor so far). */
  private seasonalActive(bin: number): boolean {
    return (
      this.comparedCount >= SEASON_MIN_COMPARED &&
      this.seasonError < this.localError &&
      this.seasonVisits![bin] > SEASON_MIN_VISITS
    );
  }

  /** Folds a reading into the daily profile and the predictors' error comparison (before the window push). */
  private learnSeason(value: number, tsMs: number): void {
    // The profile is float32: a value beyond its range (|v| > 3.4e38, finite-but-absurd) would
    // turn a bin into ±Infinity, then NaN, for good. Such a reading is not learned by the profile.
    if (!(Math.abs(value) <= FLOAT32_MAX)) return;
    if (this.seasonMean === undefined) {
      this.seasonMean = new Float32Array(SEASON_BINS);
      this.seasonDev = new Float32Array(SEASON_BINS);
      this.seasonVisits = new Uint16Array(SEASON_BINS);
    }
    const bin = seasonBin(tsMs);
    const last = this.lastTsMs;
    // A visit is an entry into the bin (once a day for a regular series), whatever the sampling rate.
    const entering = !(last > tsMs - SEASON_BIN_MS && seasonBin(last) === bin);
    const visits = this.seasonVisits![bin] + (entering ? 1 : 0);
    const mean = this.seasonMean[bin];
    if (visits > SEASON_MIN_VISITS && this.window.count > 0) {
      const rate = 1 / (4 * this.window.capacity);
      const localError = Math.abs(value - this.window.median());
      const seasonError = Math.abs(value - mean);
      if (this.comparedCount === 0) {
        this.localError = localError;
        this.seasonError = seasonError;
      } else {
        this.localError += rate * (localError - this.localError);
        this.seasonError += rate * (seasonError - this.seasonError);
      }
      this.comparedCount++;
    }
    if (visits === 1 && entering) {
      this.seasonMean[bin] = value;
      this.seasonDev![bin] = 0;
    } else {
      // Readings per visit: the bin's share of the series' interval; each visit weighs ~SEASON_RATE.
      const perVisit = this.intervalMs > 0 ? Math.max(1, SEASON_BIN_MS / this.intervalMs) : 1;
      const beta = Math.max(1 / (visits + 1), SEASON_RATE) / perVisit;
      this.seasonDev![bin] += beta * (Math.abs(value - mean) - this.seasonDev![bin]);
      this.seasonMean[bin] = mean + beta * (value - mean);
    }
    if (visits <= 65535) this.seasonVisits![bin] = visits;
  }

  /** Per-reading decay factor of the onset memory: 2^(−1 / half-life), 0 when disabled. */
  private onsetDecay(config: DetectConfig): number {
    const half = config.onsetHalfLifeReadings;
    if (half !== this.decayHalfLife) {
      this.decayHalfLife = half;
      this.decayFactor = half > 0 ? Math.pow(0.5, 1 / half) : 0;
    }
    return this.decayFactor;
  }

  /** Expected interval: learned once 3 intervals were seen, else the fleet's declared one, else none. */
  expectedIntervalMs(spec: MetricSpec | undefined): number | undefined {
    if (this.intervalCount >= MIN_INTERVALS && this.intervalMs > 0) return this.intervalMs;
    return spec?.intervalMs !== undefined && spec.intervalMs > 0 ? spec.intervalMs : undefined;
  }

  toSnapshot(): SeriesSnapshot {
    const { values, times } = this.window.toArrays();
    return {
      deviceId: this.deviceId,
      metric: this.metric,
      n: this.n,
      values,
      times,
      runStartTsMs: this.runStartTsMs,
      runCount: this.runCount,
      sameWeight: this.sameWeight,
      totalWeight: this.totalWeight,
      repeatAfterRepeatWeight: this.repeatAfterRepeatWeight,
      afterRepeatWeight: this.afterRepeatWeight,
      usualRatePerMin: this.usualRatePerMin,
      rateCount: this.rateCount,
      intervalMs: this.intervalMs,
      intervalCount: this.intervalCount,
      levelSurpriseMean: this.levelSurpriseMean,
      rateSurpriseMean: this.rateSurpriseMean,
      calibrationCount: this.calibrationCount,
      pendingSurprises: this.pendingArray(),
      anomalousSinceTsMs: this.anomalousSinceTsMs,
      onsetMemory: this.onsetMemory,
      stuckMemory: this.stuckMemory,
      noveltyMemory: this.noveltyMemory,
      ...(this.seasonMean
        ? {
            seasonMean: Array.from(this.seasonMean),
            seasonDev: Array.from(this.seasonDev!),
            seasonVisits: Array.from(this.seasonVisits!),
          }
        : {}),
      localError: this.localError,
      seasonError: this.seasonError,
      comparedCount: this.comparedCount,
      ...(this.n > 0 ? { rangeMin: this.rangeMin, rangeMax: this.rangeMax } : {}),
    };
  }

  static fromSnapshot(s: SeriesSnapshot, windowSize: number): MetricSeries {
    const series = new MetricSeries(s.deviceId, s.metric, windowSize);
    (series as { window: RobustWindow }).window = RobustWindow.fromArrays(windowSize, s.values, s.times);
    series.n = s.n;
    series.runStartTsMs = s.runStartTsMs;
    series.runCount = s.runCount;
    series.sameWeight = s.sameWeight;
    series.totalWeight = s.totalWeight;
    series.repeatAfterRepeatWeight = s.repeatAfterRepeatWeight;
    series.afterRepeatWeight = s.afterRepeatWeight;
    series.usualRatePerMin = s.usualRatePerMin;
    series.rateCount = s.rateCount;
    series.intervalMs = s.intervalMs;
    series.intervalCount = s.intervalCount;
    series.levelSurpriseMean = s.levelSurpriseMean;
    series.rateSurpriseMean = s.rateSurpriseMean;
    series.calibrationCount = s.calibrationCount;
    const pairs = s.pendingSurprises.length >> 1;
    const start = Math.max(0, pairs - (series.pending.length >> 1));
    for (let i = start; i < pairs; i++)
      series.delaySurprises(s.pendingSurprises[2 * i] ?? NaN, s.pendingSurprises[2 * i + 1] ?? NaN);
    series.anomalousSinceTsMs = s.anomalousSinceTsMs;
    series.onsetMemory = s.onsetMemory ?? 0;
    series.stuckMemory = s.stuckMemory ?? 0;
    series.noveltyMemory = s.noveltyMemory ?? 0;
    if (s.seasonMean && s.seasonDev && s.seasonVisits) {
      series.seasonMean = Float32Array.from(s.seasonMean);
      series.seasonDev = Float32Array.from(s.seasonDev);
      series.seasonVisits = Uint16Array.from(s.seasonVisits);
    }
    series.localError = s.localError ?? 0;
    series.seasonError = s.seasonError ?? 0;
    series.comparedCount = s.comparedCount ?? 0;
    if (s.rangeMin !== undefined && s.rangeMax !== undefined && s.rangeMin <= s.rangeMax) {
      series.rangeMin = s.rangeMin;
      series.rangeMax = s.rangeMax;
    } else if (s.values.length > 0) {
      // Older snapshots: the window's range is the best estimate.
      series.rangeMin = Math.min(...s.values);
      series.rangeMax = Math.max(...s.values);
    }
    return series;
  }

  /**
   * Robust scale σ̂: 1.4826 × MAD; when more than half the window is one value (MAD 0), the
   * interdecile range; when that is 0 too, a tiny floor relative to the median, so that any
   * change of a so-far constant series is highly surprising.
   */
  private scale(median: number, mad: number): number {
    const s = MAD_TO_SIGMA * mad;
    if (s > 0) return s;
    const w = this.window;
    if (w.count > 0) {
      const idr = (w.quantile(0.9) - w.quantile(0.1)) * IDR_TO_SIGMA;
      if (idr > 0) return idr;
    }
    return 1e-9 * Math.max(1, Math.abs(median));
  }

  /** Queues a [level, rate] pair; returns whether a pair left the delay line (in delayedLevel / delayedRate). */
  private delaySurprises(level: number, rate: number): boolean {
    const capacity = this.pending.length >> 1;
    let out = false;
    if (this.pendingSize === capacity) {
      this.delayedLevel = this.pending[2 * this.pendingHead];
      this.delayedRate = this.pending[2 * this.pendingHead + 1];
      out = true;
      this.pending[2 * this.pendingHead] = level;
      this.pending[2 * this.pendingHead + 1] = rate;
      this.pendingHead = (this.pendingHead + 1) % capacity;
    } else {
      const slot = (this.pendingHead + this.pendingSize) % capacity;
      this.pending[2 * slot] = level;
      this.pending[2 * slot + 1] = rate;
      this.pendingSize++;
    }
    return out;
  }

  private pendingArray(): (number | null)[] {
    const capacity = this.pending.length >> 1;
    const out: (number | null)[] = [];
    for (let i = 0; i < this.pendingSize; i++) {
      const slot = (this.pendingHead + i) % capacity;
      for (const v of [this.pending[2 * slot], this.pending[2 * slot + 1]])
        out.push(Number.isFinite(v) ? v : null);
    }
    return out;
  }

  /**
   * Exponent θ ≤ 1 of the surprise calibration `S = θ × S_raw`. Under a correct null model a
   * surprise −log10 p is exponential with mean log10(e); modelling the observed surprises as
   * exponential with a learned mean μ (maximum-likelihood rate, tracked by EWMA) gives the
   * calibrated tail probability `p^θ`, θ = log10(e) / μ. Series whose tails are heavier than the
   * normal model (trends, bursts, quantisation) are thereby scored against their own history.
   */
  private calibration(surpriseMean: number): number {
    return surpriseMean > NULL_SURPRISE_MEAN ? NULL_SURPRISE_MEAN / surpriseMean : 1;
  }

  /** Expected value (window median) and the band a reading must leave to reach the cut-off. */
  private band(
    median: number,
    sigma: number,
    count: number,
    cutoff: number,
    spec: MetricSpec | undefined,
    calibration: number,
    damping: number,
  ): ExpectedBand {
    if (count === 0) return { value: median, lower: median, upper: median };
    let z = Infinity;
    if (cutoff <= 1) {
      const surprise = (scoreToSurprise(cutoff) + LOG10_LEARNED + damping) / calibration;
      if (surprise !== this.bandSurprise) {
        this.bandSurprise = surprise;
        this.bandZ = normalQuantileForSurprise(surprise);
      }
      z = this.bandZ;
    }
    const half = Number.isFinite(z) ? z * sigma : Number.MAX_VALUE;
    let lower = median - half;
    let upper = median + half;
    if (spec?.min !== undefined) lower = Math.max(lower, spec.min);
    if (spec?.max !== undefined) upper = Math.min(upper, spec.max);
    if (lower > upper) lower = upper = Math.min(Math.max(median, lower), upper);
    return { value: median, lower, upper };
  }
}
