import {
  CONNECTIVITY_METRIC,
  InputError,
  type Adaptation,
  type AnomalyScore,
  type DetectionEvidence,
  type DetectorKind,
  type ExpectedBand,
  type MetricEvidence,
  type MetricSpec,
  type Reading,
} from '../contracts';
import { FleetRegistry } from '../fleet/fleet-registry';
import { cutoffForSensitivity, type DetectConfig } from './detect-config';
import { MetricSeries, SEASON_BINS, SERIES_DETECTORS, type SeriesSnapshot } from './metric-series';
import { SURPRISE_FULL_SCALE, SURPRISE_MAX, fisherSurprise, surpriseToScore } from './tail-probability';

/** Name reported in {@link AnomalyScore.detector}. */
export const STREAMING_DETECTOR_NAME = 'lucid-streaming';

/** How metric surprises are combined into the device score (see {@link combineSurprises}). */
export const COMBINATION_METHOD = 'fisher-bonferroni';

/** JSON-serializable state of a {@link StreamingDetector}. */
export interface DetectorSnapshot {
  version: 1;
  series: SeriesSnapshot[];
  devices: { deviceId: string; lastSeenTsMs: number }[];
  adaptations: Adaptation[];
}

interface DeviceState {
  lastSeenTsMs: number;
  /** The device's series by metric. */
  metrics: Map<string, MetricSeries>;
}

/**
 * Combines per-metric surprises into a device surprise: the larger of Fisher's method (several
 * moderately surprising metrics add up) and Bonferroni's bound on the most surprising metric
 * (`S_max − log10 k`, so one strong metric is not diluted by k − 1 normal ones).
 * Fisher (1925), *Statistical Methods for Research Workers*; Bonferroni correction. For k = 1
 * both equal the metric's surprise.
 */
export function combineSurprises(surprises: readonly number[]): number {
  const k = surprises.length;
  if (k === 0) return 0;
  if (k === 1) return Math.max(0, surprises[0]);
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, surprises[i]);
  const bonferroni = max - Math.log10(k);
  return Math.min(SURPRISE_MAX, Math.max(0, fisherSurprise(surprises), bonferroni));
}

/**
 * Checks that a value is a {@link Reading} the detector accepts: a non-empty `deviceId`, a finite
 * `tsMs` and at least one metric, every metric a finite number.
 * @param index - the reading's index in a batch (errors name `readings[index]`), or undefined for a
 *   single reading (`reading`). The name is built only for an error.
 * @throws InputError (`invalid_reading`, `invalid_device_id`, `invalid_timestamp`,
 *   `invalid_metrics`, `non_finite_value`).
 */
export function validateReading(reading: unknown, index?: number): asserts reading is Reading {
  if (reading === null || typeof reading !== 'object' || Array.isArray(reading)) {
    throw new InputError(
      'invalid_reading',
      `${readingName(index)}: expected a Reading object {deviceId, tsMs, metrics}, got ${reading === null ? 'null' : Array.isArray(reading) ? 'an array' : typeof reading}`,
    );
  }
  const r = reading as Record<string, unknown>;
  if (typeof r.deviceId !== 'string' || r.deviceId.length === 0) {
    throw new InputError(
      'invalid_device_id',
      `${readingName(index)}: deviceId is ${JSON.stringify(r.deviceId)}; expected a non-empty string`,
    );
  }
  if (typeof r.tsMs !== 'number' || !Number.isFinite(r.tsMs)) {
    throw new InputError(
      'invalid_timestamp',
      `${readingName(index)}: tsMs is ${String(r.tsMs)}; expected a finite epoch-ms number`,
    );
  }
  const metrics = r.metrics;
  // Own enumerable string keys in Object.keys order (for-in lists them first, then inherited ones),
  // without building a key or entry array per reading.
  let count = 0;
  if (metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics)) {
    for (const name in metrics) {
      if (!hasOwn.call(metrics, name)) continue;
      count++;
      const value = (metrics as Record<string, unknown>)[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InputError(
          'non_finite_value',
          `${readingName(index)}: metric "${name}" is ${typeof value === 'number' ? String(value) : JSON.stringify(value)}; expected a finite number`,
        );
      }
    }
  }
  if (count === 0) {
    throw new InputError(
      'invalid_metrics',
      `${readingName(index)}: metrics is ${JSON.stringify(metrics)}; expected an object with at least one metric`,
    );
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** How errors name a reading: `reading`, or `readings[i]` in a batch. */
function readingName(index: number | undefined): string {
  return index === undefined ? 'reading' : `readings[${index}]`;
}

function validateAdaptation(a: unknown): asserts a is Adaptation {
  if (a === null || typeof a !== 'object')
    throw new InputError('invalid_adaptation', `adaptation: expected an object, got ${JSON.stringify(a)}`);
  const r = a as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '')
    throw new InputError(
      'invalid_adaptation',
      `adaptation.id is ${JSON.stringify(r.id)}; expected a non-empty string`,
    );
  if (typeof r.kind !== 'string')
    throw new InputError(
      'invalid_adaptation',
      `adaptation.kind is ${JSON.stringify(r.kind)}; expected 'threshold', 'suppress', 'silence' or 'priority_weight'`,
    );
  if (r.kind === 'threshold' && r.revertedMs === undefined) {
    if (typeof r.value !== 'number' || !(r.value >= 0 && r.value <= 1)) {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.value is ${JSON.stringify(r.value)}; expected a number in [0, 1] for kind 'threshold'`,
      );
    }
  }
  for (const field of ['untilMs', 'revertedMs'] as const) {
    if (r[field] !== undefined && (typeof r[field] !== 'number' || !Number.isFinite(r[field]))) {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.${field} is ${JSON.stringify(r[field])}; expected epoch ms`,
      );
    }
  }
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function validateSeriesSnapshot(s: unknown, i: number): asserts s is SeriesSnapshot {
  const bad = (field: string, value: unknown) =>
    new InputError(
      'invalid_snapshot',
      `snapshot.series[${i}].${field} is ${JSON.stringify(value)?.slice(0, 60)}; expected ${field === 'deviceId' || field === 'metric' ? 'a non-empty string' : 'finite numbers'}`,
    );
  if (s === null || typeof s !== 'object')
    throw new InputError('invalid_snapshot', `snapshot.series[${i}] is not an object`);
  const r = s as Record<string, unknown>;
  for (const f of ['deviceId', 'metric']) if (typeof r[f] !== 'string' || r[f] === '') throw bad(f, r[f]);
  for (const f of [
    'n',
    'runStartTsMs',
    'runCount',
    'sameWeight',
    'totalWeight',
    'repeatAfterRepeatWeight',
    'afterRepeatWeight',
    'usualRatePerMin',
    'rateCount',
    'intervalMs',
    'intervalCount',
    'levelSurpriseMean',
    'rateSurpriseMean',
    'calibrationCount',
  ]) {
    if (!isFiniteNumber(r[f]) || (r[f] as number) < 0) throw bad(f, r[f]);
  }
  if (!Array.isArray(r.values) || !r.values.every(isFiniteNumber)) throw bad('values', r.values);
  if (!Array.isArray(r.times) || !r.times.every(isFiniteNumber) || r.times.length !== r.values.length)
    throw bad('times', r.times);
  for (let j = 1; j < r.times.length; j++)
    if (r.times[j] <= r.times[j - 1]) throw bad('times', 'not strictly increasing');
  if (
    !Array.isArray(r.pendingSurprises) ||
    !r.pendingSurprises.every((v) => v === null || isFiniteNumber(v)) ||
    r.pendingSurprises.length % 2 !== 0
  )
    throw bad('pendingSurprises', r.pendingSurprises);
  if (r.anomalousSinceTsMs !== null && !isFiniteNumber(r.anomalousSinceTsMs))
    throw bad('anomalousSinceTsMs', r.anomalousSinceTsMs);
  for (const f of [
    'onsetMemory',
    'stuckMemory',
    'noveltyMemory',
    'localError',
    'seasonError',
    'comparedCount',
  ])
    if (r[f] !== undefined && (!isFiniteNumber(r[f]) || (r[f] as number) < 0)) throw bad(f, r[f]);
  for (const f of ['rangeMin', 'rangeMax'])
    if (r[f] !== undefined && !isFiniteNumber(r[f])) throw bad(f, r[f]);
  const season = ['seasonMean', 'seasonDev', 'seasonVisits'].filter((f) => r[f] !== undefined);
  if (season.length !== 0 && season.length !== 3)
    throw bad('seasonMean', 'seasonMean, seasonDev and seasonVisits must come together');
  for (const f of season) {
    const a = r[f];
    if (
      !Array.isArray(a) ||
      a.length !== SEASON_BINS ||
      !a.every((v) => isFiniteNumber(v) && (f === 'seasonMean' || v >= 0))
    )
      throw bad(f, a);
  }
}

/**
 * Streaming anomaly detection for a whole fleet: per device and metric it keeps a
 * {@link MetricSeries} (robust level, rate of change, stuck value, physical range, event-time
 * gap) and combines the metrics of a reading into one calibrated device score.
 *
 * - **Score**: every detector yields a tail probability p, reported as a surprise
 *   `S = −log10 p`; the calibrated score is `min(1, S / 10)` (0.5 ⇔ p = 1e-5). Level and rate use
 *   the normal tail of a robust z (median / 1.4826 × MAD; Rousseeuw & Croux 1993; Hampel 1974),
 *   the scale inflated by the series' winsorized mean z² when its tails are heavier than normal.
 *   A metric's learned detectors are Bonferroni-corrected (×3); metrics are combined with
 *   {@link combineSurprises}.
 * - **Novelty**: a value outside the range the series has spanned (widened by `noveltyMargin` of
 *   its width, after `noveltyWarmupReadings`) scores 0.9 as a level anomaly, once per excursion
 *   (its own onset memory), as the spatial-anomaly rule of Numenta's NAB detector. Chosen by
 *   leave-one-category-out cross-validation on NAB (`bench/src/nab-cv.ts`).
 * - **Decision**: `score ≥ cutoff`, `cutoff = 0.8 − 0.6 × sensitivity`, raised by active
 *   `threshold` adaptations; a novel value counts for the decision only when it also lies
 *   `NOVELTY_DECISION_SIGMAS` robust σ beyond the range (the new records of plain noise rank high
 *   in the score but are not alerted).
 * - **Onsets**: level and rate score only the surprise beyond the decayed peak (half-life
 *   `onsetHalfLifeReadings`) of the readings the series already reported anomalous; stuck reports
 *   a run once, when its surprise reaches the decision level. An excursion is thereby flagged at
 *   its onset, not on every reading while it lasts (lucid-route's hysteresis keeps the alert
 *   open), a lasting level shift is flagged once and then learned, and an excursion recurring
 *   within a few half-lives is damped. The score therefore depends on the decisions already taken
 *   (sensitivity, adaptations): it is the surprise not yet reported. Compare Ahmad, Lavin, Purdy
 *   & Agha (2017), *Unsupervised real-time anomaly detection for streaming data*,
 *   Neurocomputing 262, whose anomaly likelihood likewise scores the change in surprise rather
 *   than its level.
 * - **Seasonal context**: each series learns a daily profile and, while it predicts the series
 *   better than the rolling median (prequential comparison), scores level and sudden changes
 *   against it; `expected` is then the profile's value and band (see {@link MetricSeries}).
 * - **Sensor accuracy**: a metric's `MetricSpec.accuracy` floors its level and rate noise scale.
 * - **Warm-up**: a series' learned detectors (level, rate, stuck) do not score during its first
 *   `warmupReadings` readings, and `evidence.warmingUp` is true; physical range violations and
 *   connectivity losses need no learning and score from the first reading.
 * - **Event time**: readings are scored on `reading.tsMs`. A reading whose time is not after its
 *   series' newest reading (out of order or duplicate) is scored against the current state but
 *   not learned from, so it cannot corrupt the window, rates or run lengths.
 * - **Connectivity**: a reading of metric `connectivity` = 0 (or `tags.event` =
 *   `connectivity_lost`) from the ingest watchdog scores 1 on that metric with `evidence.gap`.
 *
 * Cost per metric update: O(log w) plus the window's contiguous memmove; memory ≈ 2.5 KB per
 * series at the default window (see {@link MetricSeries}).
 *
 * @example
 * const detector = new StreamingDetector(resolveDetectConfig({ sensitivity: 0.6 }), fleet);
 * const score = detector.detect({ deviceId: 'm1', tsMs: Date.now(), metrics: { temperature: 21.4 } });
 * if (score.isAnomaly) console.log(score.contributions, score.evidence);
 */
export class StreamingDetector {
  /**
   * Every series, least recently updated first: an intrusive doubly linked list through
   * {@link MetricSeries.lruPrev} / {@link MetricSeries.lruNext} (O(1) move-to-back, no key strings).
   */
  private lruHead: MetricSeries | undefined;
  private lruTail: MetricSeries | undefined;
  private seriesTotal = 0;
  private readonly devices = new Map<string, DeviceState>();
  private readonly adaptations = new Map<string, Adaptation>();
  private readonly fleet: FleetRegistry;
  private readonly baseCutoff: number;
  /** Per-reading scratch arrays of detectValid (not re-entrant; reused to avoid allocation). */
  private readonly scratchSurprises: number[] = [];
  private readonly scratchAdjusted: number[] = [];
  private readonly scratchCutoffs: number[] = [];
  private readonly scratchPending: (MetricSeries | undefined)[] = [];
  private readonly connectivitySurprises = new Float64Array(SERIES_DETECTORS.length);

  constructor(
    readonly config: DetectConfig,
    fleet?: FleetRegistry,
  ) {
    this.fleet = fleet ?? new FleetRegistry({});
    this.baseCutoff = cutoffForSensitivity(config.sensitivity);
  }

  /** Number of device-metric series currently tracked. */
  get seriesCount(): number {
    return this.seriesTotal;
  }

  /**
   * Scores one reading and learns from it.
   * @returns the reading's {@link AnomalyScore}; `evidence` is a {@link DetectionEvidence}.
   * @throws InputError (`invalid_reading`, `invalid_device_id`, `invalid_timestamp`,
   *   `invalid_metrics`, `non_finite_value`) before touching any state.
   */
  detect(reading: Reading): AnomalyScore {
    validateReading(reading);
    return this.detectValid(reading);
  }

  /**
   * Scores readings in order. Validates the whole batch first, so a bad reading rejects the batch
   * without changing any state.
   * @throws InputError naming the index of the first bad reading.
   */
  detectBatch(readings: Reading[]): AnomalyScore[] {
    if (!Array.isArray(readings))
      throw new InputError('invalid_reading', `readings: expected an array, got ${typeof readings}`);
    const n = readings.length;
    for (let i = 0; i < n; i++) validateReading(readings[i], i);
    const out: AnomalyScore[] = [];
    for (let i = 0; i < n; i++) out.push(this.detectValid(readings[i]));
    return out;
  }

  /**
   * Applies an operator adaptation. Kind `threshold` raises the cut-off of `deviceId` (all
   * devices when unset) and optionally only `metric` by `value` (0..1) until `untilMs` (event
   * time; forever when unset). Several matching adaptations add up. An adaptation with
   * `revertedMs` removes the one with the same id. Other kinds concern `lucid-route` and are ignored.
   * @throws InputError when the adaptation is malformed.
   */
  applyAdaptation(a: Adaptation): void {
    validateAdaptation(a);
    if (a.kind !== 'threshold') return;
    if (a.revertedMs !== undefined) {
      this.adaptations.delete(a.id);
      return;
    }
    this.adaptations.set(a.id, { ...a });
    if (this.adaptations.size > 10_000)
      this.adaptations.delete(this.adaptations.keys().next().value as string);
  }

  /** The decision cut-off for a device (and metric) at an event time, with adaptations. May exceed 1 (never anomalous). */
  cutoff(deviceId: string, metric?: string, tsMs = Infinity): number {
    const { device, perMetric } = this.raises(deviceId, tsMs);
    return this.baseCutoff + device + (metric ? (perMetric.get(metric) ?? 0) : 0);
  }

  /**
   * Forgets what was learned about a device (its series and last-seen time; adaptations stay), so
   * that its next reading starts a fresh warm-up as a new device's would. Used when the device's
   * clock jumped and its learned state describes another time. O(metrics of the device).
   * @returns whether the device was known.
   */
  forgetDevice(deviceId: string): boolean {
    const device = this.devices.get(deviceId);
    if (!device) return false;
    for (const series of device.metrics.values()) this.lruUnlink(series);
    this.devices.delete(deviceId);
    return true;
  }

  /** Whether the detector holds state for a device (it has scored one of its readings and kept it). */
  hasDevice(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  /** The metrics a device's state tracks (its series), in first-seen order; empty for an unknown device. */
  deviceMetrics(deviceId: string): string[] {
    const d = this.devices.get(deviceId);
    return d ? [...d.metrics.keys()] : [];
  }

  /**
   * A JSON-serializable copy of the state of some devices only (their series and last-seen times)
   * plus every adaptation: restored with {@link restore}, it scores those devices' readings exactly
   * as this detector would. Unknown ids are skipped. O(series of the devices × window).
   */
  devicesSnapshot(deviceIds: Iterable<string>): DetectorSnapshot {
    const series: SeriesSnapshot[] = [];
    const devices: DetectorSnapshot['devices'] = [];
    for (const deviceId of new Set(deviceIds)) {
      const d = this.devices.get(deviceId);
      if (!d) continue;
      for (const s of d.metrics.values()) series.push(s.toSnapshot());
      devices.push({ deviceId, lastSeenTsMs: d.lastSeenTsMs });
    }
    return {
      version: 1,
      series,
      devices,
      adaptations: [...this.adaptations.values()].map((a) => ({ ...a })),
    };
  }

  /**
   * A detector holding an independent copy of some devices' state (series, last-seen times) and
   * every adaptation, and nothing else: it scores those devices' readings exactly as this one
   * would, and scoring on it never changes this one. Unknown ids are skipped. O(series of the
   * devices × window), without serialization.
   */
  copyDevices(deviceIds: Iterable<string>): StreamingDetector {
    const copy = new StreamingDetector(this.config, this.fleet);
    for (const deviceId of new Set(deviceIds)) {
      const d = this.devices.get(deviceId);
      if (!d) continue;
      const metrics = new Map<string, MetricSeries>();
      for (const [metric, series] of d.metrics) {
        const c = series.clone();
        copy.lruAppend(c);
        metrics.set(metric, c);
      }
      copy.devices.set(deviceId, { lastSeenTsMs: d.lastSeenTsMs, metrics });
    }
    for (const [id, a] of this.adaptations) copy.adaptations.set(id, { ...a });
    return copy;
  }

  /** A JSON-serializable copy of the whole state. */
  snapshot(): DetectorSnapshot {
    return {
      version: 1,
      series: this.seriesInOrder().map((s) => s.toSnapshot()),
      devices: [...this.devices.entries()].map(([deviceId, d]) => ({
        deviceId,
        lastSeenTsMs: d.lastSeenTsMs,
      })),
      adaptations: [...this.adaptations.values()].map((a) => ({ ...a })),
    };
  }

  /**
   * Rebuilds a detector from {@link snapshot} output (possibly after a JSON round trip). With an
   * unchanged config, subsequent scores are identical to the original's; a smaller `windowSize`
   * keeps the newest readings. A corrupt series, device or adaptation entry is dropped alone
   * (that series re-warms) and reported to `onSkip`; the others keep their state.
   * @param onSkip - called once per dropped entry with the reason (naming the entry).
   * @throws InputError (`invalid_snapshot`) when the snapshot itself is not a version-1 object
   *   with `series`, `devices` and `adaptations` arrays.
   */
  static restore(
    snapshot: DetectorSnapshot,
    config: DetectConfig,
    fleet?: FleetRegistry,
    onSkip: (reason: string) => void = () => undefined,
  ): StreamingDetector {
    if (
      snapshot === null ||
      typeof snapshot !== 'object' ||
      (snapshot as { version?: unknown }).version !== 1
    ) {
      throw new InputError(
        'invalid_snapshot',
        `snapshot: expected an object with version 1, got ${JSON.stringify((snapshot as { version?: unknown } | null)?.version ?? snapshot)}`,
      );
    }
    if (
      !Array.isArray(snapshot.series) ||
      !Array.isArray(snapshot.devices) ||
      !Array.isArray(snapshot.adaptations)
    ) {
      throw new InputError('invalid_snapshot', 'snapshot: series, devices and adaptations must be arrays');
    }
    const detector = new StreamingDetector(config, fleet);
    snapshot.series.forEach((s, i) => {
      let series: MetricSeries;
      try {
        validateSeriesSnapshot(s, i);
        series = MetricSeries.fromSnapshot(s, config.windowSize);
      } catch (err) {
        onSkip((err as Error).message);
        return;
      }
      const metrics = detector.deviceState(s.deviceId).metrics;
      const previous = metrics.get(s.metric);
      if (previous) detector.lruReplace(previous, series);
      else detector.lruAppend(series);
      metrics.set(s.metric, series);
    });
    snapshot.devices.forEach((d, i) => {
      if (
        !d ||
        typeof d.deviceId !== 'string' ||
        (!isFiniteNumber(d.lastSeenTsMs) && d.lastSeenTsMs !== null)
      ) {
        onSkip(
          `snapshot.devices[${i}] is ${JSON.stringify(d)?.slice(0, 80)}; expected {deviceId, lastSeenTsMs}`,
        );
        return;
      }
      detector.deviceState(d.deviceId).lastSeenTsMs = d.lastSeenTsMs ?? -Infinity;
    });
    snapshot.adaptations.forEach((a, i) => {
      try {
        detector.applyAdaptation(a);
      } catch (err) {
        onSkip(`snapshot.adaptations[${i}]: ${(err as Error).message}`);
      }
    });
    return detector;
  }

  private deviceState(deviceId: string): DeviceState {
    let d = this.devices.get(deviceId);
    if (!d) {
      d = { lastSeenTsMs: -Infinity, metrics: new Map() };
      this.devices.set(deviceId, d);
    }
    return d;
  }

  private raises(deviceId: string, tsMs: number): { device: number; perMetric: Map<string, number> } {
    let device = 0;
    const perMetric = new Map<string, number>();
    for (const a of this.adaptations.values()) {
      if (a.deviceId !== undefined && a.deviceId !== deviceId) continue;
      if (a.untilMs !== undefined && tsMs >= a.untilMs) continue;
      const value = a.value ?? 0;
      if (a.metric === undefined) device += value;
      else perMetric.set(a.metric, (perMetric.get(a.metric) ?? 0) + value);
    }
    return { device, perMetric };
  }

  private declaredSpec(deviceId: string, metric: string): MetricSpec | undefined {
    return this.fleet.device(deviceId).metrics[metric];
  }

  private detectValid(reading: Reading): AnomalyScore {
    const { deviceId, tsMs } = reading;
    const device = this.deviceState(deviceId);
    const raises = this.adaptations.size > 0 ? this.raises(deviceId, tsMs) : undefined;
    const deviceCutoff = this.baseCutoff + (raises ? raises.device : 0);

    const metrics = reading.metrics;
    const names = Object.keys(metrics);
    const k = names.length;
    const metricEvidence: Record<string, MetricEvidence> = {};
    const expected: Record<string, ExpectedBand> = {};
    const surprises = this.scratchSurprises;
    const adjusted = this.scratchAdjusted;
    const cutoffs = this.scratchCutoffs;
    const pending = this.scratchPending;
    surprises.length = adjusted.length = cutoffs.length = pending.length = k;
    let warmingUp = false;
    let gap: DetectionEvidence['gap'];
    let anyMeasured = false;
    /** Whether some adjusted surprise differs from the surprise (else both combine alike). */
    let adjustedDiffers = false;

    for (let m = 0; m < k; m++) {
      const metric = names[m];
      const value = metrics[metric];
      const metricRaise = raises ? (raises.perMetric.get(metric) ?? 0) : 0;
      const cutoff = deviceCutoff + metricRaise;
      let surprise: number;
      let decisionSurprise: number;
      let detectorSurprises: Float64Array;
      let evidence: MetricEvidence;
      let series: MetricSeries | undefined;

      if (metric === CONNECTIVITY_METRIC) {
        const spec = this.declaredSpec(deviceId, metric);
        const unit = spec?.unit ?? this.fleet.metric(deviceId, metric).unit ?? '';
        const lost = value === 0 || reading.tags?.event === 'connectivity_lost';
        surprise = decisionSurprise = lost ? SURPRISE_MAX : 0;
        detectorSurprises = this.connectivitySurprises;
        detectorSurprises.fill(NaN);
        detectorSurprises[GAP_SLOT] = surprise;
        evidence = {
          metric,
          unit,
          value,
          direction: lost ? 'down' : 'none',
          baseline: { median: 1, mad: 0, count: 0 },
          expected: { value: 1, lower: 1, upper: 1 },
        } as MetricEvidence;
        if (lost) {
          const lastSeen = device.lastSeenTsMs;
          gap = {
            silentForMs: Number.isFinite(lastSeen) ? Math.max(0, tsMs - lastSeen) : 0,
            expectedIntervalMs: this.deviceIntervalMs(deviceId, device),
            lastSeenTsMs: Number.isFinite(lastSeen) ? lastSeen : tsMs,
          };
        }
      } else {
        anyMeasured = true;
        series = this.seriesFor(deviceId, metric, device);
        if (series.unit === undefined) {
          series.spec = this.declaredSpec(deviceId, metric);
          series.unit = series.spec?.unit ?? this.fleet.metric(deviceId, metric).unit ?? '';
        }
        const result = series.score(value, tsMs, this.config, series.spec, series.unit, cutoff);
        warmingUp ||= result.warmingUp;
        surprise = result.surprise;
        decisionSurprise = result.decisionSurprise;
        detectorSurprises = result.surprises;
        evidence = result.evidence;
        if (result.gap && (!gap || result.gap.silentForMs > gap.silentForMs)) gap = result.gap;
      }

      const score = surpriseToScore(surprise);
      const exceeds = cutoff <= 1 && surpriseToScore(decisionSurprise) >= cutoff;
      let kind: DetectorKind | null = null;
      const detectorScores = detectorScoresOf(detectorSurprises);
      if (exceeds) {
        let best = -1;
        for (let d = 0; d < SERIES_DETECTORS.length; d++) {
          const s = detectorSurprises[d];
          if (s !== s) continue; // NaN: the detector did not run
          if (s > best) {
            best = s;
            kind = SERIES_DETECTORS[d];
          }
        }
      }
      if (kind === 'rate' && evidence.change) {
        evidence.direction =
          evidence.change.ratePerMin > 0 ? 'up' : evidence.change.ratePerMin < 0 ? 'down' : 'none';
      }
      const learns = series !== undefined && tsMs > series.lastTsMs;
      if (learns) series!.anomalousSinceTsMs = exceeds ? (series!.anomalousSinceTsMs ?? tsMs) : null;
      evidence.score = score;
      evidence.kind = kind;
      evidence.detectorScores = detectorScores;
      if (exceeds) evidence.anomalousSinceTsMs = series?.anomalousSinceTsMs ?? tsMs;

      metricEvidence[metric] = evidence;
      expected[metric] = evidence.expected;
      surprises[m] = surprise;
      // Clipped at full scale first, so a raise r demands score ≥ cutoff + r exactly as for one metric.
      adjusted[m] = Math.max(
        0,
        Math.min(decisionSurprise, SURPRISE_FULL_SCALE) - SURPRISE_FULL_SCALE * metricRaise,
      );
      if (
        metricRaise !== 0 ||
        decisionSurprise !== surprise ||
        !(surprise >= 0 && surprise <= SURPRISE_FULL_SCALE)
      )
        adjustedDiffers = true;
      cutoffs[m] = cutoff;
      pending[m] = learns ? series : undefined;
    }

    const deviceSurprise = combineSurprises(surprises);
    const score = surpriseToScore(deviceSurprise);
    // With no raise and every surprise in [0, full scale], `adjusted` equals `surprises` element
    // for element, and so does its combination.
    const isAnomaly =
      deviceCutoff <= 1 &&
      surpriseToScore(adjustedDiffers ? combineSurprises(adjusted) : deviceSurprise) >= deviceCutoff;

    for (let m = 0; m < k; m++) {
      const series = pending[m];
      if (series === undefined) continue;
      const metric = names[m];
      series.update(
        metrics[metric],
        tsMs,
        series.lastResult,
        this.config,
        isAnomaly && metricEvidence[metric].kind !== null,
      );
      pending[m] = undefined;
    }
    if (anyMeasured) device.lastSeenTsMs = Math.max(device.lastSeenTsMs, tsMs);
    let total = 0;
    for (let m = 0; m < k; m++) total += surprises[m];
    const contributions: Record<string, number> = {};
    const anomalousMetrics: string[] = [];
    for (let m = 0; m < k; m++) {
      const metric = names[m];
      contributions[metric] = total > 0 ? surprises[m] / total : 0;
      if (metricEvidence[metric].kind !== null) anomalousMetrics.push(metric);
    }
    const evidence: DetectionEvidence = {
      metrics: metricEvidence,
      warmingUp,
      combined: { method: COMBINATION_METHOD, anomalousMetrics },
    };
    if (gap) evidence.gap = gap;
    return {
      deviceId,
      tsMs,
      score,
      isAnomaly,
      detector: STREAMING_DETECTOR_NAME,
      contributions,
      expected,
      evidence,
    };
  }

  private seriesFor(deviceId: string, metric: string, device: DeviceState): MetricSeries {
    let series = device.metrics.get(metric);
    if (series) {
      if (series !== this.lruTail) {
        this.lruUnlink(series);
        this.lruAppend(series);
      }
      return series;
    }
    series = new MetricSeries(deviceId, metric, this.config.windowSize);
    this.lruAppend(series);
    device.metrics.set(metric, series);
    while (this.seriesTotal > this.config.maxSeries) {
      const evicted = this.lruHead!;
      this.lruUnlink(evicted);
      const d = this.devices.get(evicted.deviceId);
      d?.metrics.delete(evicted.metric);
      if (d && d.metrics.size === 0 && evicted.deviceId !== deviceId) this.devices.delete(evicted.deviceId);
    }
    return series;
  }

  private seriesInOrder(): MetricSeries[] {
    const out: MetricSeries[] = [];
    for (let s = this.lruHead; s; s = s.lruNext) out.push(s);
    return out;
  }

  private lruAppend(series: MetricSeries): void {
    series.lruPrev = this.lruTail;
    series.lruNext = undefined;
    if (this.lruTail) this.lruTail.lruNext = series;
    else this.lruHead = series;
    this.lruTail = series;
    this.seriesTotal++;
  }

  private lruUnlink(series: MetricSeries): void {
    const { lruPrev: prev, lruNext: next } = series;
    if (prev) prev.lruNext = next;
    else this.lruHead = next;
    if (next) next.lruPrev = prev;
    else this.lruTail = prev;
    series.lruPrev = series.lruNext = undefined;
    this.seriesTotal--;
  }

  /** Puts `series` in the place of `previous` (a snapshot listing a series twice keeps the first position). */
  private lruReplace(previous: MetricSeries, series: MetricSeries): void {
    series.lruPrev = previous.lruPrev;
    series.lruNext = previous.lruNext;
    if (series.lruPrev) series.lruPrev.lruNext = series;
    else this.lruHead = series;
    if (series.lruNext) series.lruNext.lruPrev = series;
    else this.lruTail = series;
    previous.lruPrev = previous.lruNext = undefined;
  }

  private deviceIntervalMs(deviceId: string, device: DeviceState): number {
    let best = Infinity;
    for (const [metric, s] of device.metrics) {
      const interval = s.expectedIntervalMs(this.declaredSpec(deviceId, metric));
      if (interval !== undefined && interval < best) best = interval;
    }
    return Number.isFinite(best)
      ? best
      : (this.fleet.metric(deviceId, CONNECTIVITY_METRIC).intervalMs ?? 60_000);
  }
}

/** Index of the gap detector in {@link SERIES_DETECTORS}. */
const GAP_SLOT = SERIES_DETECTORS.indexOf('gap');

if (SERIES_DETECTORS.join() !== 'level,rate,stuck,range,gap')
  throw new Error('detectorScoresOf assumes SERIES_DETECTORS = level, rate, stuck, range, gap');

/**
 * `evidence.detectorScores`: the score of each detector that ran (surprise not NaN), keyed in
 * {@link SERIES_DETECTORS} order. Named stores in a fixed order keep one object shape per
 * combination instead of keyed stores by computed name.
 */
function detectorScoresOf(s: Float64Array): Partial<Record<DetectorKind, number>> {
  const out: Partial<Record<DetectorKind, number>> = {};
  const level = s[0];
  if (level === level) out.level = surpriseToScore(level);
  const rate = s[1];
  if (rate === rate) out.rate = surpriseToScore(rate);
  const stuck = s[2];
  if (stuck === stuck) out.stuck = surpriseToScore(stuck);
  const range = s[3];
  if (range === range) out.range = surpriseToScore(range);
  const gap = s[4];
  if (gap === gap) out.gap = surpriseToScore(gap);
  return out;
}
