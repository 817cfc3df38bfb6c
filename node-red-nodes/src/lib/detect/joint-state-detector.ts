import { CONNECTIVITY_METRIC, InputError, type JointEvidence } from '../contracts';
import { fitJointGaussian, scoreJointState, type JointGaussianState } from './joint-gaussian-model';

/**
 * Settings of the joint-state detector, chosen together on SKAB (largest pooled F1 with a false
 * alarm rate ≤ 15 % over a grid of ridge, calibration quantile, smoothing, thresholds and mean
 * adaptation), never per file. Cross-validated across SKAB's experiment groups (choose on valve1,
 * score other, and back): see the commit that introduced them and bench/REPORT.md.
 */
export const JOINT_SETTINGS = Object.freeze({
  /** EWMA weight of the newest reading in the smoothed `log(1 + statistic / limit)` (1 = no smoothing). */
  smoothingAlpha: 1,
  /** Smoothed statistic / limit at which an episode opens, at sensitivity 0.5. */
  enterRatio: 3,
  /** An open episode closes once the smoothed ratio stays below this for `exitReadings` readings. */
  exitRatio: 1.5,
  exitReadings: 1,
  /**
   * Outside episodes, the mean follows the readings with this weight per reading (slow drift of a
   * normal process is not an anomaly); frozen inside an episode.
   */
  meanAdaptation: 0.002,
});

/** Score of the joint detector at which an episode opens at the default sensitivity (0.5). */
const SCORE_AT_ENTER = 0.5;

/** One reading as the joint-state detector saw it. */
export interface JointReadingScore {
  /** 0..1: `0.5 × smoothed / enterRatio`, capped at 1 (0 before the fit and when not scored). */
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
  /** EWMA of log(1 + statistic / limit); undefined before the first scored reading. */
  smoothedLog: number | undefined;
  episodeSinceTsMs: number | undefined;
  below: number;
  lastTsMs: number;
  /** Models replaced by `new_normal` refits, by adaptation id (for a revert). */
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
  smoothedLog: number | null;
  episodeSinceTsMs: number | null;
  below: number;
  lastTsMs: number | null;
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
 * - **Episodes**: the score is `0.5 × EWMA(statistic / limit) / enterRatio`; an episode opens when
 *   it reaches the cut-off (the `onset`) and closes with hysteresis (below `exitRatio / enterRatio`
 *   of the cut-off for `exitReadings` readings). Outside episodes the mean follows slow drift.
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
   */
  constructor(
    readonly fitReadings: number,
    readonly maxDevices = 10_000,
  ) {}

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
    const values = new Float64Array(model.metrics.length);
    for (let j = 0; j < model.metrics.length; j++) {
      const v = metrics[model.metrics[j]];
      if (v === undefined || !Number.isFinite(v)) return this.held(state);
      values[j] = v;
    }
    const { statistic, residualZ } = scoreJointState(model, values);
    const ratio = statistic / model.limit;
    const alpha = JOINT_SETTINGS.smoothingAlpha;
    const previous = state.smoothedLog;
    const smoothedLog =
      previous === undefined ? Math.log1p(ratio) : previous + alpha * (Math.log1p(ratio) - previous);
    const smoothed = Math.expm1(smoothedLog);
    const score = Math.min(1, (SCORE_AT_ENTER * smoothed) / JOINT_SETTINGS.enterRatio);
    const exitScore = (cutoff * JOINT_SETTINGS.exitRatio) / JOINT_SETTINGS.enterRatio;
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
      if (below >= JOINT_SETTINGS.exitReadings) since = undefined;
    } else below = 0;
    if (inOrder) {
      state.smoothedLog = smoothedLog;
      state.episodeSinceTsMs = since;
      state.below = below;
      state.lastTsMs = tsMs;
      if (since === undefined) {
        const w = JOINT_SETTINGS.meanAdaptation;
        for (let j = 0; j < values.length; j++) model.mean[j] += w * (values[j] - model.mean[j]);
      }
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
        smoothed,
        residualZ: residuals,
        fittedTsMs: state.fittedTsMs,
        fitReadings: model.fitReadings,
      },
    };
  }

  /**
   * Starts a new commissioning window for a device (an operator accepted its current state as
   * the new normal): it scores univariately until `fitReadings` new readings are in. The model
   * it had is kept under `adaptationId` for {@link revertRefit}.
   * @returns false when the device is unknown.
   */
  refit(deviceId: string, adaptationId: string): boolean {
    const state = this.devices.get(deviceId);
    if (!state) return false;
    state.replaced.set(adaptationId, state.model);
    if (state.replaced.size > 16) state.replaced.delete(state.replaced.keys().next().value as string);
    state.model = undefined;
    state.metrics = undefined;
    state.buffer = undefined;
    state.count = 0;
    state.smoothedLog = undefined;
    state.episodeSinceTsMs = undefined;
    state.below = 0;
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
    state.smoothedLog = undefined;
    state.episodeSinceTsMs = undefined;
    state.below = 0;
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
    state.smoothedLog = undefined;
    state.episodeSinceTsMs = undefined;
    state.below = 0;
    return true;
  }

  /** A JSON-serializable copy of every device's state (refit history is not kept). */
  snapshot(): JointDetectorSnapshot {
    const devices: JointDeviceSnapshot[] = [];
    for (const [deviceId, s] of this.devices) {
      const d = s.metrics?.length ?? 0;
      devices.push({
        deviceId,
        metrics: s.metrics ? [...s.metrics] : null,
        buffer: s.buffer ? Array.from(s.buffer.subarray(0, s.count * d)) : [],
        count: s.count,
        model: s.model ? cloneModel(s.model) : null,
        fittedTsMs: s.fittedTsMs,
        smoothedLog: s.smoothedLog ?? null,
        episodeSinceTsMs: s.episodeSinceTsMs ?? null,
        below: s.below,
        lastTsMs: Number.isFinite(s.lastTsMs) ? s.lastTsMs : null,
      });
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

  private collect(state: DeviceJointState, names: string[], metrics: Record<string, number>, tsMs: number) {
    if (names.length < 2 && !state.metrics) return;
    if (!state.metrics || names.some((n) => !state.metrics!.includes(n))) {
      const union = new Set([...(state.metrics ?? []), ...names]);
      if (union.size > JOINT_MAX_METRICS) return;
      state.metrics = [...union].sort();
      state.buffer = new Float32Array(this.fitReadings * state.metrics.length);
      state.count = 0;
    }
    const set = state.metrics;
    const d = set.length;
    for (const name of set) if (!Number.isFinite(metrics[name])) return;
    const buffer = state.buffer!;
    for (let j = 0; j < d; j++) buffer[state.count * d + j] = metrics[set[j]];
    state.count++;
    state.lastTsMs = tsMs;
    if (state.count < this.fitReadings) return;
    const rows: Float32Array[] = [];
    for (let i = 0; i < state.count; i++) rows.push(buffer.subarray(i * d, (i + 1) * d));
    const model = fitJointGaussian(set, rows);
    state.buffer = undefined;
    state.count = 0;
    if (model) {
      state.model = model;
      state.fittedTsMs = tsMs;
    } else {
      // Nothing to model jointly (constant or single metric): collect a fresh window later.
      state.metrics = undefined;
    }
  }
}

function newDeviceState(): DeviceJointState {
  return {
    metrics: undefined,
    buffer: undefined,
    count: 0,
    model: undefined,
    fittedTsMs: 0,
    smoothedLog: undefined,
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
    const m = raw.model;
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
    model = cloneModel(m);
  }
  for (const v of [raw.smoothedLog, raw.episodeSinceTsMs, raw.lastTsMs])
    if (v !== null && !finite(v)) return undefined;
  if (!finite(raw.fittedTsMs) || !Number.isInteger(raw.below) || raw.below < 0) return undefined;
  const buffer = metrics && fitReadings > 0 ? new Float32Array(fitReadings * d) : undefined;
  buffer?.set(raw.buffer);
  return {
    metrics: metrics ? [...metrics] : undefined,
    buffer: model ? undefined : buffer,
    count: model ? 0 : raw.count,
    model,
    fittedTsMs: raw.fittedTsMs,
    smoothedLog: raw.smoothedLog ?? undefined,
    episodeSinceTsMs: raw.episodeSinceTsMs ?? undefined,
    below: raw.below,
    lastTsMs: raw.lastTsMs ?? -Infinity,
    replaced: new Map(),
  };
}
