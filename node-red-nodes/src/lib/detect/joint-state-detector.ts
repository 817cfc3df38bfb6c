import { CONNECTIVITY_METRIC, InputError, type JointEvidence } from '../contracts';
import {
  fitJointGaussian,
  JOINT_LIMIT_QUANTILE,
  JOINT_RIDGE,
  scoreJointState,
  type JointGaussianState,
} from './joint-gaussian-model';

/** Settings of the joint-state detector (see {@link JOINT_SETTINGS} for what each does and its default). */
export interface JointSettings {
  /** 0 < α ≤ 1: weight of the newest reading in each metric's exponential smoothing. */
  inputSmoothingAlpha: number;
  /** > 0: statistic / limit at which an episode opens, at sensitivity 0.5. */
  enterRatio: number;
  /** > 0: an open episode closes once statistic / limit stays below this for `exitReadings` readings. */
  exitRatio: number;
  /** ≥ 1: consecutive readings below `exitRatio` that close an episode. */
  exitReadings: number;
  /** ≥ 0: ridge added to the correlation matrix ({@link fitJointGaussian}). */
  ridge: number;
  /** 0..1: quantile of the fit window's statistic taken as `limit`. */
  limitQuantile: number;
  /** ≥ 0: each metric's accuracy floor as a fraction of |mean| ({@link fitJointGaussian}). */
  accuracyFraction: number;
  /** 0..1: weight of a quiet reading in the slow update of the model's mean (0 = never). */
  meanAdaptation: number;
  /** A reading is quiet (adapts the mean) when no episode is open and statistic / limit is below this. */
  adaptBelowRatio: number;
  /** 0..1: weight of a quiet reading's squared deviation in each metric's scale, which only grows (0 = never). */
  scaleAdaptation: number;
}

/**
 * Settings of the joint-state detector, chosen together on SKAB's 30 experiments as the grid point
 * with the largest pooled point-wise F1 at a false alarm rate ≤ 15 % (grid: smoothing, accuracy
 * floor, mean adaptation, enter/exit ratios and exit readings), never per file. The same rule
 * applied leave-one-group-out (valve1 / other, and by fault type) estimates what unseen pumps get:
 * see bench/REPORT.md and the commit that set them.
 */
export const JOINT_SETTINGS: Readonly<JointSettings> = Object.freeze({
  /**
   * Weight of the newest reading in the exponentially smoothed metrics the model is fitted on and
   * scores (1 = raw readings): a persistent departure accumulates while reading-to-reading noise
   * averages out (the EWMA chart's idea, Roberts 1959; Lowry et al. 1992 for its multivariate form).
   */
  inputSmoothingAlpha: 0.1,
  /**
   * 12 × the limit, not the 6 chosen on SKAB: at 6 the example flow's quiet simulated fleet raised
   * a false temperature alert at some times of day (the integration test's quiet periods), so
   * SKAB's selection check of 3 quiet seeds was not enough. Recall on SKAB is lower at 12.
   */
  enterRatio: 12,
  exitRatio: 12,
  /** An episode closes after this many readings in a row below `exitRatio`. */
  exitReadings: 1,
  ridge: JOINT_RIDGE,
  limitQuantile: JOINT_LIMIT_QUANTILE,
  /**
   * 0.1 % of a metric's level is added (in quadrature) to its commissioning spread: a metric that
   * barely moved while commissioning (a fluid temperature, a regulated voltage) is not declared
   * anomalous for a drift within its sensor's accuracy (thermocouples, flow meters and pressure
   * transmitters are specified to 0.1–1 % of reading or span).
   */
  accuracyFraction: 0.001,
  /**
   * The mean follows quiet readings with weight 0.002 (a time constant of 500 readings), so slow
   * normal change (a daily temperature cycle, a warming loop) is learned while an excursion, which
   * is not quiet, is not.
   */
  meanAdaptation: 0.002,
  adaptBelowRatio: 1,
  /**
   * Each metric's scale follows quiet readings' squared deviation from the mean with weight 0.001
   * when that is larger (it never shrinks below the fitted spread), so a normal variation wider
   * than the commissioning window saw (a daily cycle after a one-hour commissioning) widens the
   * band instead of alerting.
   */
  scaleAdaptation: 0.001,
});

/** Score of the joint detector at which an episode opens at the default sensitivity (0.5). */
const SCORE_AT_ENTER = 0.5;

/** One reading as the joint-state detector saw it. */
export interface JointReadingScore {
  /** 0..1: `0.5 × (statistic / limit) / enterRatio`, capped at 1 (0 before the fit and when not scored). */
  score: number;
  /** True on the reading that opened an episode (the onset event). */
  onset: boolean;
  /** Whether the device's joint episode is active after this reading. */
  active: boolean;
  /** Event time of the reading that opened the active episode. */
  sinceTsMs?: number;
  /** Evidence, when the reading was scored against a fitted model. */
  evidence?: JointEvidence;
  /**
   * Metric → share of the joint residual: `r_j² / Σ r²` of the standardised conditional residuals
   * (sums to 1 over the modelled metrics; absent when not scored or all residuals are 0).
   */
  shares?: Record<string, number>;
}

interface DeviceJointState {
  /** The commissioning set: metric names in fit order (sorted), or undefined before a reading with ≥ 2 metrics. */
  metrics: string[] | undefined;
  /** Commissioning rows, `count × metrics.length`, until the fit. */
  buffer: Float32Array | undefined;
  count: number;
  model: JointGaussianState | undefined;
  fittedTsMs: number;
  /** Exponentially smoothed values of the commissioning set's metrics; undefined before the first complete reading. */
  smoothed: Float64Array | undefined;
  episodeSinceTsMs: number | undefined;
  below: number;
  lastTsMs: number;
  /**
   * `new_normal` refits applied, by adaptation id, with the model each replaced (for a revert);
   * an id already here is not applied again. The 16 newest are kept.
   */
  replaced: Map<string, JointGaussianState | undefined>;
}

/** Serializable state of one device (see {@link JointStateDetector.snapshot}). */
export interface JointDeviceSnapshot {
  deviceId: string;
  metrics: string[] | null;
  buffer: number[];
  count: number;
  model: JointGaussianState | null;
  fittedTsMs: number;
  smoothed: number[] | null;
  episodeSinceTsMs: number | null;
  below: number;
  lastTsMs: number | null;
  /** Refits applied (oldest first) and the model each replaced. */
  refits?: { id: string; model: JointGaussianState | null }[];
}

export interface JointDetectorSnapshot {
  version: 1;
  devices: JointDeviceSnapshot[];
}

/** Most metrics modelled jointly per device (O(d²) per reading, O(d³) per fit). */
export const JOINT_MAX_METRICS = 64;

/**
 * Per-device joint-state (multivariate) detector that configures itself: it collects a device's
 * first `fitReadings` readings (the commissioning window), fits a regularised Gaussian of the
 * device's normal joint state on them ({@link fitJointGaussian}), then scores each reading by its
 * Mahalanobis distance² (Hotelling's T²) relative to the largest value seen while commissioning,
 * and attributes it by each metric's conditional residual given the others.
 *
 * - **Before the fit** (fewer than `fitReadings` readings, a single metric, or only constant
 *   metrics) it scores 0 and the device is watched by the univariate detectors alone.
 * - **Which metrics**: the first reading with ≥ 2 metrics (other than `connectivity`) sets the
 *   commissioning set; a new metric appearing before the fit restarts the window with it; one
 *   appearing after the fit is left to the univariate detectors until a refit. A reading that
 *   lacks a metric of the set is neither collected nor scored jointly (the episode state holds).
 * - **Smoothing**: the model sees each metric's exponentially weighted moving average
 *   (`inputSmoothingAlpha`), during commissioning and after, so a persistent departure builds up.
 * - **Episodes**: the score is `0.5 × (statistic / limit) / enterRatio`; an episode opens when it
 *   reaches the cut-off (the `onset`) and closes once it stays below `exitRatio / enterRatio` of
 *   the cut-off for `exitReadings` readings.
 * - **Slow normal change**: while no episode is open and the statistic is below
 *   `adaptBelowRatio × limit`, the model's mean moves towards the reading by `meanAdaptation`
 *   (an exponentially weighted mean of quiet readings) and each metric's scale widens by
 *   `scaleAdaptation` towards a larger squared deviation; the correlations stay as fitted.
 * - **Refit**: {@link refit} (an operator's "accept as new normal") starts a new commissioning
 *   window; {@link revertRefit} restores the previous model.
 * - **Time**: a reading not after the device's newest is scored but changes no state.
 *
 * Cost per reading O(d²) after the fit; memory 4·N·d bytes per device while commissioning, O(d²)
 * after. Never throws on readings (non-finite values make the reading unscored jointly).
 */
export class JointStateDetector {
  private readonly devices = new Map<string, DeviceJointState>();

  /**
   * @param fitReadings - commissioning window, readings per device; 0 disables the detector.
   * @param maxDevices - most devices tracked; the least recently updated is dropped beyond it.
   * @param settings - overrides of {@link JOINT_SETTINGS} (benchmarks' selection grids).
   */
  constructor(
    readonly fitReadings: number,
    readonly maxDevices = 10_000,
    settings?: Partial<JointSettings>,
  ) {
    this.settings = { ...JOINT_SETTINGS, ...settings };
  }

  /** The settings in use: {@link JOINT_SETTINGS} with the constructor's overrides. */
  readonly settings: JointSettings;

  get deviceCount(): number {
    return this.devices.size;
  }

  /** The fitted model of a device, if any (read-only view, for evidence and tests). */
  model(deviceId: string): Readonly<JointGaussianState> | undefined {
    return this.devices.get(deviceId)?.model;
  }

  /**
   * Scores one reading of a device and learns from it.
   * @param metrics - metric → value; non-finite values and `connectivity` are ignored.
   * @param cutoff - the decision cut-off on the 0..1 score (the streaming detector's, with
   *   adaptations); above 1 never opens an episode.
   */
  score(deviceId: string, tsMs: number, metrics: Record<string, number>, cutoff: number): JointReadingScore {
    const idle: JointReadingScore = { score: 0, onset: false, active: false };
    if (this.fitReadings <= 0) return idle;
    const names: string[] = [];
    for (const name in metrics) {
      if (name === CONNECTIVITY_METRIC || !Object.prototype.hasOwnProperty.call(metrics, name)) continue;
      if (Number.isFinite(metrics[name])) names.push(name);
    }
    let state = this.devices.get(deviceId);
    if (!state) {
      if (names.length < 2) return idle;
      state = newDeviceState();
      this.devices.set(deviceId, state);
      while (this.devices.size > this.maxDevices)
        this.devices.delete(this.devices.keys().next().value as string);
    } else {
      this.devices.delete(deviceId);
      this.devices.set(deviceId, state);
    }
    const inOrder = tsMs > state.lastTsMs;
    if (!state.model) {
      if (inOrder) this.collect(state, names, metrics, tsMs);
      return idle;
    }
    const model = state.model;
    const values = this.smoothedFor(state, model.metrics, metrics, inOrder);
    if (!values) return this.held(state);
    const { statistic, residualZ } = scoreJointState(model, values);
    const levelZ: Record<string, number> = {};
    for (let j = 0; j < values.length; j++)
      levelZ[model.metrics[j]] = (values[j] - model.mean[j]) / model.scale[j];
    const ratio = statistic / model.limit;
    const score = Math.min(1, (SCORE_AT_ENTER * ratio) / this.settings.enterRatio);
    const exitScore = (cutoff * this.settings.exitRatio) / this.settings.enterRatio;
    let onset = false;
    let since = state.episodeSinceTsMs;
    let below = state.below;
    if (since === undefined) {
      if (cutoff <= 1 && score >= cutoff) {
        since = tsMs;
        onset = true;
        below = 0;
      }
    } else if (score < exitScore || cutoff > 1) {
      below++;
      if (below >= this.settings.exitReadings) since = undefined;
    } else below = 0;
    const beta = this.settings.meanAdaptation;
    if (inOrder && beta > 0 && since === undefined && ratio < this.settings.adaptBelowRatio) {
      // A quiet reading: the device's normal level follows it slowly.
      const grow = this.settings.scaleAdaptation;
      for (let j = 0; j < values.length; j++) {
        const dev = values[j] - model.mean[j];
        model.mean[j] += beta * dev;
        if (grow > 0) {
          const v = (1 - grow) * model.scale[j] ** 2 + grow * dev * dev;
          if (v > model.scale[j] ** 2) model.scale[j] = Math.sqrt(v);
        }
      }
    }
    if (inOrder) {
      state.episodeSinceTsMs = since;
      state.below = below;
      state.lastTsMs = tsMs;
    }
    const residuals: Record<string, number> = {};
    let total = 0;
    for (let j = 0; j < residualZ.length; j++) {
      residuals[model.metrics[j]] = residualZ[j];
      total += residualZ[j] * residualZ[j];
    }
    let shares: Record<string, number> | undefined;
    if (total > 0 && Number.isFinite(total)) {
      shares = {};
      for (let j = 0; j < residualZ.length; j++)
        shares[model.metrics[j]] = (residualZ[j] * residualZ[j]) / total;
    }
    return {
      score: Number.isFinite(score) ? score : 1,
      onset: onset && inOrder,
      active: since !== undefined,
      sinceTsMs: since,
      shares,
      evidence: {
        statistic,
        limit: model.limit,
        ratio,
        residualZ: residuals,
        levelZ,
        fittedTsMs: state.fittedTsMs,
        fitReadings: model.fitReadings,
      },
    };
  }

  /**
   * Starts a new commissioning window for a device (an operator accepted its current state as
   * the new normal): it scores univariately until `fitReadings` new readings are in. The model
   * it had is kept under `adaptationId` for {@link revertRefit}.
   * @returns false when the device is unknown or this adaptation was already applied.
   */
  refit(deviceId: string, adaptationId: string): boolean {
    const state = this.devices.get(deviceId);
    if (!state || state.replaced.has(adaptationId)) return false;
    state.replaced.set(adaptationId, state.model);
    if (state.replaced.size > 16) state.replaced.delete(state.replaced.keys().next().value as string);
    state.model = undefined;
    state.metrics = undefined;
    state.buffer = undefined;
    state.count = 0;
    closeEpisode(state);
    return true;
  }

  /**
   * Forgets a device's event-time and episode state (its clock jumped): the next reading is in
   * order again and no episode is open. The fitted model and a commissioning window in progress are
   * kept. @returns whether the device was known.
   */
  resetClock(deviceId: string): boolean {
    const state = this.devices.get(deviceId);
    if (!state) return false;
    state.lastTsMs = -Infinity;
    closeEpisode(state);
    return true;
  }

  /** Restores the model a {@link refit} replaced; false when there is none to restore. */
  revertRefit(deviceId: string, adaptationId: string): boolean {
    const state = this.devices.get(deviceId);
    if (!state || !state.replaced.has(adaptationId)) return false;
    const model = state.replaced.get(adaptationId);
    state.replaced.delete(adaptationId);
    if (!model) return false;
    state.model = model;
    state.metrics = [...model.metrics];
    state.buffer = undefined;
    state.count = 0;
    closeEpisode(state);
    return true;
  }

  /** A JSON-serializable copy of every device's state, with its refit history. */
  snapshot(): JointDetectorSnapshot {
    const devices: JointDeviceSnapshot[] = [];
    for (const [deviceId, s] of this.devices) devices.push(deviceSnapshot(deviceId, s));
    return { version: 1, devices };
  }

  /** A detector holding an independent copy of some devices' state only (unknown ids are skipped). */
  copyDevices(deviceIds: Iterable<string>): JointStateDetector {
    const copy = new JointStateDetector(this.fitReadings, this.maxDevices);
    for (const deviceId of new Set(deviceIds)) {
      const s = this.devices.get(deviceId);
      if (!s) continue;
      copy.devices.set(deviceId, {
        ...s,
        metrics: s.metrics ? [...s.metrics] : undefined,
        buffer: s.buffer?.slice(),
        model: s.model ? cloneModel(s.model) : undefined,
        smoothed: s.smoothed?.slice(),
        replaced: new Map([...s.replaced].map(([id, m]) => [id, m ? cloneModel(m) : undefined])),
      });
    }
    return copy;
  }

  /** As {@link snapshot}, for some devices only (unknown ids are skipped). */
  devicesSnapshot(deviceIds: Iterable<string>): JointDetectorSnapshot {
    const devices: JointDeviceSnapshot[] = [];
    for (const deviceId of new Set(deviceIds)) {
      const s = this.devices.get(deviceId);
      if (s) devices.push(deviceSnapshot(deviceId, s));
    }
    return { version: 1, devices };
  }

  /**
   * Rebuilds a detector from {@link snapshot} output. A device whose saved state is corrupt
   * (wrong shapes, non-finite numbers) is dropped and counted in `dropped`; every other device
   * keeps its state.
   * @throws InputError (`invalid_snapshot`) when the snapshot itself is not a version-1 object.
   */
  static restore(
    snapshot: JointDetectorSnapshot,
    fitReadings: number,
    maxDevices?: number,
  ): { detector: JointStateDetector; dropped: string[] } {
    if (
      snapshot === null ||
      typeof snapshot !== 'object' ||
      snapshot.version !== 1 ||
      !Array.isArray(snapshot.devices)
    ) {
      throw new InputError('invalid_snapshot', 'joint snapshot: expected {version: 1, devices: [...]}');
    }
    const detector = new JointStateDetector(fitReadings, maxDevices);
    const dropped: string[] = [];
    for (const raw of snapshot.devices) {
      const state = validDeviceState(raw, fitReadings);
      if (state) detector.devices.set(raw.deviceId, state);
      else dropped.push(typeof raw?.deviceId === 'string' ? raw.deviceId : '?');
    }
    return { detector, dropped };
  }

  private held(state: DeviceJointState): JointReadingScore {
    const since = state.episodeSinceTsMs;
    return { score: 0, onset: false, active: since !== undefined, sinceTsMs: since };
  }

  /**
   * Updates (when `learn`) and returns the smoothed values of `names` from a reading, or
   * undefined when the reading lacks one of them. A reading that is not learned from is smoothed
   * into a copy, leaving the state unchanged.
   */
  private smoothedFor(
    state: DeviceJointState,
    names: readonly string[],
    metrics: Record<string, number>,
    learn: boolean,
  ): Float64Array | undefined {
    const d = names.length;
    for (let j = 0; j < d; j++) if (!Number.isFinite(metrics[names[j]])) return undefined;
    const alpha = this.settings.inputSmoothingAlpha;
    const previous = state.smoothed;
    const out = learn && previous && previous.length === d ? previous : new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const v = metrics[names[j]];
      out[j] = previous && previous.length === d ? previous[j] + alpha * (v - previous[j]) : v;
    }
    if (learn) state.smoothed = out;
    return out;
  }

  private collect(state: DeviceJointState, names: string[], metrics: Record<string, number>, tsMs: number) {
    if (names.length < 2 && !state.metrics) return;
    if (!state.metrics || names.some((n) => !state.metrics!.includes(n))) {
      const union = new Set([...(state.metrics ?? []), ...names]);
      if (union.size > JOINT_MAX_METRICS) return;
      state.metrics = [...union].sort();
      state.buffer = new Float32Array(this.fitReadings * state.metrics.length);
      state.count = 0;
      state.smoothed = undefined;
    }
    const set = state.metrics;
    const d = set.length;
    const values = this.smoothedFor(state, set, metrics, true);
    if (!values) return;
    const buffer = state.buffer!;
    for (let j = 0; j < d; j++) buffer[state.count * d + j] = values[j];
    state.count++;
    state.lastTsMs = tsMs;
    if (state.count < this.fitReadings) return;
    const rows: Float32Array[] = [];
    for (let i = 0; i < state.count; i++) rows.push(buffer.subarray(i * d, (i + 1) * d));
    const model = fitJointGaussian(
      set,
      rows,
      this.settings.ridge,
      this.settings.limitQuantile,
      this.settings.accuracyFraction,
    );
    state.buffer = undefined;
    state.count = 0;
    if (model) {
      state.model = model;
      state.fittedTsMs = tsMs;
      // The smoothed values follow the model's metrics (constant ones are left out).
      if (model.metrics.length !== d) {
        const smoothed = state.smoothed!;
        state.smoothed = Float64Array.from(model.metrics, (m) => smoothed[set.indexOf(m)]);
      }
    } else {
      // Nothing to model jointly (constant or single metric): collect a fresh window later.
      state.metrics = undefined;
    }
  }
}

/** Closes any open episode and restarts input smoothing (after a refit, revert or clock jump). */
function closeEpisode(state: DeviceJointState): void {
  state.smoothed = undefined;
  state.episodeSinceTsMs = undefined;
  state.below = 0;
}

function newDeviceState(): DeviceJointState {
  return {
    metrics: undefined,
    buffer: undefined,
    count: 0,
    model: undefined,
    fittedTsMs: 0,
    smoothed: undefined,
    episodeSinceTsMs: undefined,
    below: 0,
    lastTsMs: -Infinity,
    replaced: new Map(),
  };
}

function cloneModel(m: JointGaussianState): JointGaussianState {
  return {
    metrics: [...m.metrics],
    mean: [...m.mean],
    scale: [...m.scale],
    precision: [...m.precision],
    limit: m.limit,
    fitReadings: m.fitReadings,
  };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const finiteArray = (a: unknown, length: number): a is number[] =>
  Array.isArray(a) && a.length === length && a.every(finite);

function validDeviceState(raw: JointDeviceSnapshot, fitReadings: number): DeviceJointState | undefined {
  if (raw === null || typeof raw !== 'object' || typeof raw.deviceId !== 'string' || raw.deviceId === '')
    return undefined;
  const metrics = raw.metrics;
  if (metrics !== null && (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string')))
    return undefined;
  const d = metrics?.length ?? 0;
  if (!Number.isInteger(raw.count) || raw.count < 0 || raw.count >= Math.max(1, fitReadings))
    return undefined;
  if (!finiteArray(raw.buffer, raw.count * d)) return undefined;
  let model: JointGaussianState | undefined;
  if (raw.model !== null) {
    model = validModel(raw.model);
    if (!model) return undefined;
  }
  const replaced = new Map<string, JointGaussianState | undefined>();
  if (raw.refits !== undefined) {
    if (!Array.isArray(raw.refits)) return undefined;
    for (const r of raw.refits) {
      if (!r || typeof r.id !== 'string') return undefined;
      const previous = r.model === null ? undefined : validModel(r.model);
      if (r.model !== null && !previous) return undefined;
      replaced.set(r.id, previous);
    }
  }
  const width = model ? model.metrics.length : d;
  if (raw.smoothed !== null && !finiteArray(raw.smoothed, width)) return undefined;
  for (const v of [raw.episodeSinceTsMs, raw.lastTsMs]) if (v !== null && !finite(v)) return undefined;
  if (!finite(raw.fittedTsMs) || !Number.isInteger(raw.below) || raw.below < 0) return undefined;
  const buffer = metrics && fitReadings > 0 ? new Float32Array(fitReadings * d) : undefined;
  buffer?.set(raw.buffer);
  return {
    metrics: metrics ? [...metrics] : undefined,
    buffer: model ? undefined : buffer,
    count: model ? 0 : raw.count,
    model,
    fittedTsMs: raw.fittedTsMs,
    smoothed: raw.smoothed ? Float64Array.from(raw.smoothed) : undefined,
    episodeSinceTsMs: raw.episodeSinceTsMs ?? undefined,
    below: raw.below,
    lastTsMs: raw.lastTsMs ?? -Infinity,
    replaced,
  };
}

function validModel(m: JointGaussianState): JointGaussianState | undefined {
  const md = Array.isArray(m?.metrics) ? m.metrics.length : -1;
  if (
    md < 2 ||
    !m.metrics.every((x) => typeof x === 'string') ||
    !finiteArray(m.mean, md) ||
    !finiteArray(m.scale, md) ||
    !m.scale.every((s) => s > 0) ||
    !finiteArray(m.precision, md * md) ||
    !(finite(m.limit) && m.limit > 0) ||
    !finite(m.fitReadings)
  )
    return undefined;
  return cloneModel(m);
}

/** The serializable state of one device (see {@link JointStateDetector.snapshot}). */
function deviceSnapshot(deviceId: string, s: DeviceJointState): JointDeviceSnapshot {
  const d = s.metrics?.length ?? 0;
  return {
    deviceId,
    metrics: s.metrics ? [...s.metrics] : null,
    buffer: s.buffer ? Array.from(s.buffer.subarray(0, s.count * d)) : [],
    count: s.count,
    model: s.model ? cloneModel(s.model) : null,
    fittedTsMs: s.fittedTsMs,
    smoothed: s.smoothed ? Array.from(s.smoothed) : null,
    episodeSinceTsMs: s.episodeSinceTsMs ?? null,
    below: s.below,
    lastTsMs: Number.isFinite(s.lastTsMs) ? s.lastTsMs : null,
    refits: [...s.replaced].map(([id, model]) => ({ id, model: model ? cloneModel(model) : null })),
  };
}
