import { ConfigError } from '../contracts/errors';
import type { DetectionEvidence, Reading } from '../contracts/types';
import { DeviceWindows, type DeviceWindowsOptions, type WindowResult } from './device-windows';
import { LoadedModel, type LoadModelOptions } from './loaded-model';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';
import type { DeviceCalibration, ModelCard } from './model-card';

/**
 * Options of {@link ModelScorer}. `hopReadings` (see DeviceWindowsOptions) runs the model on every
 * h-th reading of a device; it may not exceed the rows the error covers (the calibration's
 * `recentSteps`, else the window length), so every reading's row is scored exactly or more than once.
 */
export interface ModelScorerOptions extends DeviceWindowsOptions, MicroBatcherOptions {}

/**
 * One reading scored by a model.
 * - `scored`: `score`, `isAnomaly`, `contributions` and `evidence` are meaningful.
 * - `warming_up`: the device's window (or baseline) is not full yet: score 0, no contributions.
 * - `skipped`: the model could not score this reading (`reason`); fall back to the streaming
 *   detectors for it.
 */
export interface ModelScore {
  deviceId: string;
  tsMs: number;
  status: 'scored' | 'warming_up' | 'skipped';
  reason?: 'missing_features' | 'out_of_order';
  /** 1 − 2^(−error / threshold), 0..1; 0.5 at the card's threshold. */
  score: number;
  /**
   * error > the card's threshold; with device calibration, calibrated value > the device's
   * threshold, or the device's alarm state when the calibration has an `alarm` rule.
   */
  isAnomaly: boolean;
  /** Window reconstruction error: mean over features of the per-feature error (z units²). */
  reconstructionError: number;
  /**
   * With device calibration: the device's smoothed calibrated error and its own threshold
   * (`score` and `isAnomaly` use these instead of the card's threshold).
   */
  calibrated?: { value: number; threshold: number };
  /** Feature → share of the reconstruction error, each ≥ 0, summing to 1 (empty when not scored). */
  contributions: Record<string, number>;
  /** Features missing in this reading and imputed with the normalisation centre. */
  imputed: string[];
  /** Readings still needed before the model scores this device (warming_up only). */
  remainingReadings?: number;
  /**
   * With `hopReadings` > 1, on the readings between two scored windows: `tsMs` of the reading
   * whose window was scored last; the score, decision and contributions are that window's.
   */
  windowEndTsMs?: number;
  /** Ready for `DetectionEvidence.model`. */
  evidence: NonNullable<DetectionEvidence['model']>;
}

interface Pending {
  reading: Reading;
  windowed: WindowResult;
}

/** A device's commissioning-time calibration (see DeviceCalibration). */
interface DeviceCalibrationState {
  featureScale: Float64Array;
  threshold: number;
  ewma: number;
  /** Alarm state (DeviceCalibration.alarm): on/off and the current run of readings above / at or below. */
  alarmOn: boolean;
  runAbove: number;
  runBelow: number;
}

/**
 * Scores readings with an autoencoder model card + ONNX session: per-device windows normalised
 * with the card's statistics, one inference per micro-batch of windows across devices, then
 * e_f = mean over the window of (x − x̂)² per feature, error = mean_f e_f,
 * score = 1 − 2^(−error / threshold), contributions_f = e_f / Σ e_f (reconstruction-error
 * attribution as in OmniAnomaly, Su et al., KDD 2019, §4.4), or as the card's
 * `scoring.attribution` says (row weights, per-feature scale; contributions only, never the score).
 *
 * Create with {@link ModelScorer.load} (owns its model) or `new ModelScorer(sharedModel)`
 * (the model belongs to a `lucid-model` config node; `close()` leaves it loaded).
 * Each scorer keeps its own device windows: use one scorer per detect node.
 * @example
 * const scorer = await ModelScorer.load('models/pump-ae/pump-ae.card.json', { maxBatchSize: 256, maxWaitMs: 5 });
 * const scores = await scorer.scoreBatch(readings); // one ModelScore per reading, same order
 * await scorer.close();
 */
export class ModelScorer {
  private readonly windows: DeviceWindows;
  private readonly batcher: MicroBatcher<Pending, ModelScore>;
  private readonly calibration: DeviceCalibration | undefined;
  private readonly calibrated = new Map<string, DeviceCalibrationState>();
  /** Per-reading scratch of scored() (used synchronously, so one per scorer suffices). */
  private readonly scratchMeanSq: Float64Array;
  private readonly scratchErrors: Float64Array;
  /** Features that count toward the calibrated error (DeviceCalibration.scoredFeatures), or all. */
  private readonly scoredMask: boolean[] | undefined;
  /** Readings per model run per device (ModelScorerOptions.hopReadings). */
  private readonly hop: number;
  /** Each device's latest scored result, carried to the readings between windows (hop > 1). */
  private readonly lastScored = new Map<string, ModelScore>();

  /**
   * @throws ConfigError on a bad batch size, wait or hop, or a hop longer than the rows the
   *   error covers
   */
  constructor(
    readonly model: LoadedModel,
    opts: ModelScorerOptions = {},
    private readonly ownsModel = false,
  ) {
    const dc = model.card.scoring.deviceCalibration;
    this.calibration = dc && model.card.normalisation.mode === 'device-baseline' ? dc : undefined;
    this.hop = opts.hopReadings ?? 1;
    const coveredRows = Math.min(this.calibration?.recentSteps ?? model.windowLength, model.windowLength);
    if (Number.isInteger(this.hop) && this.hop > coveredRows) {
      throw new ConfigError(
        `hopReadings: ${this.hop} is more than the ${coveredRows} newest rows model "${model.card.name}" scores per window; readings would go unscored`,
      );
    }
    const scored = this.calibration?.scoredFeatures;
    this.scoredMask = scored ? model.card.features.map((feat) => scored.includes(feat.name)) : undefined;
    this.windows = new DeviceWindows(model.card, {
      ...opts,
      keepBaselineWindows: this.calibration !== undefined,
    });
    this.batcher = new MicroBatcher((items) => this.runBatch(items), opts);
    this.scratchMeanSq = new Float64Array(model.featureCount);
    this.scratchErrors = new Float64Array(model.featureCount);
  }

  /**
   * Loads and verifies a model card + ONNX file and returns a scorer that owns the session.
   * @throws ModelError (see {@link LoadedModel.load})
   */
  static async load(
    cardPath: string,
    opts: ModelScorerOptions & LoadModelOptions = {},
  ): Promise<ModelScorer> {
    return new ModelScorer(await LoadedModel.load(cardPath, opts), opts, true);
  }

  /** The model card. */
  get card(): ModelCard {
    return this.model.card;
  }

  /**
   * Scores a batch of readings (any devices, any mix) now; one result per reading, in order.
   * Readings are windowed in array order, so a device's readings must appear in time order.
   * @throws ModelError when inference fails
   */
  scoreBatch(readings: Reading[]): Promise<ModelScore[]> {
    return this.batcher.submitMany(readings.map((r) => this.prepare(r)));
  }

  /**
   * Scores one reading, micro-batched with other calls (across devices) for at most `maxWaitMs`
   * or until `maxBatchSize` readings wait. Results resolve in call order.
   * @throws ModelError when inference fails
   */
  score(reading: Reading): Promise<ModelScore> {
    return this.batcher.submit(this.prepare(reading));
  }

  /** Forgets a device's window (or every device's). */
  resetDevice(deviceId?: string): void {
    this.windows.reset(deviceId);
    if (deviceId === undefined) {
      this.calibrated.clear();
      this.lastScored.clear();
    } else {
      this.calibrated.delete(deviceId);
      this.lastScored.delete(deviceId);
    }
  }

  /** Finishes queued work; releases the session when this scorer owns it. */
  async close(): Promise<void> {
    await this.batcher.close();
    if (this.ownsModel) await this.model.release();
  }

  private prepare(reading: Reading): Pending {
    return { reading, windowed: this.windows.push(reading) };
  }

  /**
   * Per-feature mean squared error of window k (row-major [W, F]) into `out`, over the window's
   * newest `steps` rows (default: the calibration's `recentSteps`, else all W).
   */
  private featureErrors(
    input: Float32Array,
    rec: Float32Array,
    k: number,
    out: Float64Array,
    steps = Math.min(this.calibration?.recentSteps ?? this.model.windowLength, this.model.windowLength),
  ): Float64Array {
    const { windowLength: w, featureCount: f } = this.model;
    out.fill(0);
    const base = k * w * f;
    for (let i = w - steps; i < w; i++) {
      for (let j = 0; j < f; j++) {
        const d = input[base + i * f + j]! - rec[base + i * f + j]!;
        out[j]! += d * d;
      }
    }
    for (let j = 0; j < f; j++) out[j]! /= steps;
    return out;
  }

  /**
   * The calibrated error of one window's per-feature errors: each optionally divided by its
   * baseline scale, combined by the calibration's `aggregate` over its `scoredFeatures`.
   */
  private calibratedError(perFeature: Float64Array, featureScale: Float64Array | undefined): number {
    const max = this.calibration?.aggregate === 'max';
    let acc = max ? -Infinity : 0;
    let n = 0;
    for (let j = 0; j < perFeature.length; j++) {
      if (this.scoredMask && !this.scoredMask[j]) continue;
      const v = featureScale ? perFeature[j]! / featureScale[j]! : perFeature[j]!;
      acc = max ? Math.max(acc, v) : acc + v;
      n++;
    }
    return max ? acc : acc / n;
  }

  /**
   * EWMA weight of a new value that stands for `readings` readings, for the calibration's
   * half-life in readings (1 = no smoothing): 1 − 2^(−readings / half-life).
   */
  private ewmaAlpha(dc: DeviceCalibration, readings = 1): number {
    return dc.ewmaHalfLifeReadings > 0 ? 1 - Math.pow(2, -readings / dc.ewmaHalfLifeReadings) : 1;
  }

  /**
   * Scores a device's baseline windows once and fixes its threshold (commissioning time): the
   * per-feature scale from every window; the smoothed errors and their quantile, with a hop h, as
   * scoring will see them: every h-th window ending at the last, smoothed per h readings.
   */
  private async calibrate(deviceId: string, windows: Float32Array, count: number): Promise<void> {
    const dc = this.calibration!;
    const f = this.model.featureCount;
    const rec = await this.model.run(windows, count);
    const errors = Array.from({ length: count }, (_, k) =>
      this.featureErrors(windows, rec, k, new Float64Array(f)),
    );
    let featureScale: Float64Array | undefined;
    if (dc.featureNormalised) {
      featureScale = new Float64Array(f);
      for (const e of errors) for (let j = 0; j < f; j++) featureScale[j]! += e[j]! / count;
      for (let j = 0; j < f; j++) featureScale[j]! += 1e-6;
    }
    const alpha = this.ewmaAlpha(dc, this.hop);
    let ewma = NaN;
    const smoothed: number[] = [];
    for (let k = (count - 1) % this.hop; k < count; k += this.hop) {
      const v = this.calibratedError(errors[k]!, featureScale);
      ewma = Number.isNaN(ewma) ? v : ewma + alpha * (v - ewma);
      smoothed.push(ewma);
    }
    const sorted = [...smoothed].sort((a, b) => a - b);
    const q = sorted[Math.min(sorted.length - 1, Math.floor(dc.quantile * (sorted.length - 1)))]!;
    this.calibrated.set(deviceId, {
      featureScale: featureScale ?? new Float64Array(0),
      threshold: Math.max(dc.factor * q, 1e-12),
      ewma,
      alarmOn: false,
      runAbove: 0,
      runBelow: 0,
    });
  }

  private async runBatch(items: Pending[]): Promise<ModelScore[]> {
    for (const p of items) {
      const w = p.windowed;
      if (w.status === 'ready' && w.calibration && this.calibration) {
        await this.calibrate(p.reading.deviceId, w.calibration.windows, w.calibration.count);
      }
    }
    const ready = items.filter((p) => p.windowed.status === 'ready');
    const { windowLength: w, featureCount: f } = this.model;
    let rec: Float32Array | undefined;
    let input: Float32Array | undefined;
    if (ready.length > 0) {
      input = new Float32Array(ready.length * w * f);
      ready.forEach((p, k) => input!.set((p.windowed as { window: Float32Array }).window, k * w * f));
      rec = await this.model.run(input, ready.length);
    }
    let k = 0;
    // In item order, so a reading between windows carries the window scored just before it.
    return items.map((p) => {
      const status = p.windowed.status;
      if (status === 'ready') return this.scored(p, input!, rec!, k++);
      if (status === 'between') return this.carried(p);
      return this.unscored(p);
    });
  }

  /**
   * Contributions by the card's `scoring.attribution` (see ModelAttribution): row-weighted squared
   * residuals of the window at `base`, divided by `featureScale`, as shares summing to 1 (all 0
   * when the total is 0). `meanSq[f]` = mean over the window's rows of (x − x̂)² (the window-mean case).
   */
  private attributed(
    input: Float32Array,
    rec: Float32Array,
    base: number,
    meanSq: Float64Array,
  ): Record<string, number> {
    const { windowLength: w, featureCount: f, card } = this.model;
    const attr = card.scoring.attribution!;
    const a = new Float64Array(f);
    if (attr.kind === 'window-mean') a.set(meanSq);
    else {
      for (let i = 0; i < w; i++) {
        const wi =
          attr.kind === 'last-step' ? Number(i === w - 1) : Math.pow(2, -(w - 1 - i) / attr.halfLifeRows!);
        if (wi === 0) continue;
        for (let j = 0; j < f; j++) {
          const d = input[base + i * f + j]! - rec[base + i * f + j]!;
          a[j]! += wi * d * d;
        }
      }
    }
    let total = 0;
    for (let j = 0; j < f; j++) {
      if (attr.featureScale) a[j]! /= attr.featureScale[j]!;
      total += a[j]!;
    }
    const out: Record<string, number> = {};
    card.features.forEach((feat, j) => (out[feat.name] = total > 0 ? a[j]! / total : 0));
    return out;
  }

  private scored(p: Pending, input: Float32Array, rec: Float32Array, k: number): ModelScore {
    const { windowLength: w, featureCount: f, card } = this.model;
    // Per-feature mean squared error over the whole window (the card's error, whatever the
    // calibration's recentSteps).
    const perFeature = this.featureErrors(input, rec, k, this.scratchMeanSq, w);
    const base = k * w * f;
    let total = 0;
    for (let j = 0; j < f; j++) total += perFeature[j]!;
    const error = total / f;
    let contributions: Record<string, number> = {};
    if (card.scoring.attribution) contributions = this.attributed(input, rec, base, perFeature);
    else
      for (let j = 0; j < f; j++)
        contributions[card.features[j]!.name] = total > 0 ? perFeature[j]! / total : 0;
    let threshold = card.scoring.threshold;
    let value = error;
    let calibrated: ModelScore['calibrated'];
    const dev = this.calibration ? this.calibrated.get(p.reading.deviceId) : undefined;
    // Readings this window stands for: the hop (1 without), at least 1 for a device's first.
    const readings = Math.max(1, (p.windowed as { advancedReadings: number }).advancedReadings);
    if (dev && this.calibration) {
      const pf = this.featureErrors(input, rec, k, this.scratchErrors);
      const v = this.calibratedError(pf, this.calibration.featureNormalised ? dev.featureScale : undefined);
      const alpha = this.ewmaAlpha(this.calibration, readings);
      if (Number.isFinite(v)) dev.ewma = dev.ewma + alpha * (v - dev.ewma);
      value = Number.isFinite(v) ? dev.ewma : v;
      threshold = dev.threshold;
      calibrated = { value, threshold };
    }
    const score = Number.isFinite(value) ? 1 - Math.pow(2, -value / threshold) : 1;
    let isAnomaly = value > threshold;
    const alarm = this.calibration?.alarm;
    if (dev && alarm) {
      // Persistence and hysteresis per device (DeviceCalibration.alarm).
      if (isAnomaly) {
        dev.runAbove += readings;
        dev.runBelow = 0;
        if (dev.runAbove >= alarm.onReadings) dev.alarmOn = true;
      } else {
        dev.runBelow += readings;
        dev.runAbove = 0;
        if (dev.runBelow >= alarm.offReadings) dev.alarmOn = false;
      }
      isAnomaly = dev.alarmOn;
    }
    const imputed = p.windowed.imputed;
    const { deviceId, tsMs } = p.reading;
    const evidence = { name: card.name, score, reconstructionError: error, imputed };
    // Two literals rather than a conditional spread (one allocation, same key order).
    const result: ModelScore = calibrated
      ? {
          deviceId,
          tsMs,
          status: 'scored',
          score,
          isAnomaly,
          reconstructionError: error,
          calibrated,
          contributions,
          imputed,
          evidence,
        }
      : {
          deviceId,
          tsMs,
          status: 'scored',
          score,
          isAnomaly,
          reconstructionError: error,
          contributions,
          imputed,
          evidence,
        };
    if (this.hop > 1) this.lastScored.set(deviceId, result);
    return result;
  }

  /** A reading between two windows (hop > 1): the device's last scored window's result. */
  private carried(p: Pending): ModelScore {
    const { deviceId, tsMs } = p.reading;
    const imputed = p.windowed.imputed;
    const last = this.lastScored.get(deviceId);
    if (!last) {
      // Its window's batch failed (or the device was reset): nothing to carry yet.
      const since = (p.windowed as { readingsSinceWindow: number }).readingsSinceWindow;
      return {
        deviceId,
        tsMs,
        status: 'warming_up',
        score: 0,
        isAnomaly: false,
        reconstructionError: 0,
        contributions: {},
        imputed,
        remainingReadings: this.hop - since,
        evidence: { name: this.model.card.name, score: 0, reconstructionError: 0, imputed },
      };
    }
    const { score, isAnomaly, reconstructionError, calibrated, contributions } = last;
    const windowEndTsMs = last.tsMs;
    const evidence = { name: last.evidence.name, score, reconstructionError, imputed, windowEndTsMs };
    // Literals rather than a spread of `last` (this runs for h − 1 of every h readings).
    return calibrated
      ? {
          deviceId,
          tsMs,
          status: 'scored',
          score,
          isAnomaly,
          reconstructionError,
          calibrated,
          contributions,
          imputed,
          windowEndTsMs,
          evidence,
        }
      : {
          deviceId,
          tsMs,
          status: 'scored',
          score,
          isAnomaly,
          reconstructionError,
          contributions,
          imputed,
          windowEndTsMs,
          evidence,
        };
  }

  private unscored(p: Pending): ModelScore {
    const r = p.windowed;
    return {
      deviceId: p.reading.deviceId,
      tsMs: p.reading.tsMs,
      status: r.status === 'warming_up' ? 'warming_up' : 'skipped',
      ...(r.status === 'skipped' ? { reason: r.reason } : {}),
      ...(r.status === 'warming_up' ? { remainingReadings: r.remainingReadings } : {}),
      score: 0,
      isAnomaly: false,
      reconstructionError: 0,
      contributions: {},
      imputed: r.status === 'skipped' ? r.missing : r.imputed,
      evidence: { name: this.model.card.name, score: 0, reconstructionError: 0, imputed: r.imputed },
    };
  }
}
