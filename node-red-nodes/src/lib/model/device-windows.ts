import { ConfigError } from '../contracts/errors';
import type { Reading } from '../contracts/types';
import type { ModelCard } from './model-card';

/** Options of {@link DeviceWindows}. */
export interface DeviceWindowsOptions {
  /**
   * Largest share of the model's features that may be missing (absent or non-finite) in one
   * reading before the model skips it, 0..1. Default 0.5. Missing features are imputed.
   */
  maxImputedShare?: number;
  /**
   * Keep the device's baseline readings (`device-baseline` mode only) and return, with the reading
   * that completes the baseline, every window that fits inside it, normalised with the frozen
   * baseline statistics (`calibration`), for commissioning-time calibration. Memory while
   * learning: baselineReadings × F doubles per device, freed at the freeze. Default false.
   */
  keepBaselineWindows?: boolean;
  /**
   * Build a window for every `hopReadings`-th accepted reading of a device (its first ready
   * reading, then every hop), integer ≥ 1. The readings in between are added to the window but
   * return `between` (no window built). Default 1: a window per reading.
   */
  hopReadings?: number;
}

/** What windowing one reading gave. Windows are row-major [W, F], oldest first, in z units. */
export type WindowResult =
  | {
      status: 'ready';
      window: Float32Array;
      imputed: string[];
      /** Readings the device's window advanced by since its previous ready window (1 without hop; 0 for its first). */
      advancedReadings: number;
      calibration?: { windows: Float32Array; count: number };
    }
  | { status: 'between'; imputed: string[]; readingsSinceWindow: number }
  | { status: 'warming_up'; imputed: string[]; remainingReadings: number }
  | { status: 'skipped'; reason: 'missing_features' | 'out_of_order'; imputed: string[]; missing: string[] };

interface DeviceState {
  /** Raw values, ring buffer of W rows × F (NaN = missing). */
  raw: Float64Array;
  head: number;
  count: number;
  lastTsMs: number;
  /** Welford accumulators of the baseline, per feature. */
  n: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
  baselineCount: number;
  /** Frozen normalisation, once ready. */
  centre?: Float64Array;
  scale?: Float64Array;
  /** Baseline rows kept for calibration (keepBaselineWindows), until the freeze. */
  baselineRows?: Float64Array[];
  /** Calibration windows built at the freeze, handed out with the next ready window. */
  calibration?: { windows: Float32Array; count: number };
  /** Accepted readings since the previous ready window; -1 before the first. */
  sinceWindow: number;
}

/**
 * Per-device sliding windows of a model's features, normalised as the card says.
 *
 * - `card` normalisation: z = (x − mean) / std with the card's statistics; warm-up W−1 readings.
 * - `device-baseline`: the device's first `baselineReadings` readings give its mean and
 *   population std (Welford; std ≥ `stdFloorRatio` × card std; a feature never seen uses the
 *   card's values); the model stays silent (`warming_up`) until then and until W readings exist.
 *
 * Missing features (absent or NaN/±Infinity) are imputed with the normalisation centre (z = 0,
 * i.e. the card's or the device's mean) and listed in `imputed`; when more than
 * `maxImputedShare` of them are missing the reading is `skipped` and not added to the window.
 * A reading older than the device's previous one is `skipped` (`out_of_order`). With
 * `hopReadings` h > 1, only every h-th accepted reading of a ready device returns a window
 * (`ready`); the others return `between` (strided inference, as the hop size of a short-time
 * analysis). Memory is W × F doubles per device; work is O(F) per reading plus O(W × F) per
 * window built.
 */
export class DeviceWindows {
  private readonly devices = new Map<string, DeviceState>();
  private readonly w: number;
  private readonly f: number;
  private readonly maxImputed: number;
  private readonly baselineReadings: number;
  private readonly keepBaseline: boolean;
  private readonly hop: number;
  /** The reading's raw feature values (push() copies them into the device's ring; reused). */
  private readonly scratchValues: Float64Array;

  constructor(
    private readonly card: ModelCard,
    opts: DeviceWindowsOptions = {},
  ) {
    this.w = card.windowLength;
    this.f = card.features.length;
    const share = opts.maxImputedShare ?? 0.5;
    this.maxImputed = Math.floor(Math.min(Math.max(share, 0), 1) * this.f);
    this.baselineReadings =
      card.normalisation.mode === 'device-baseline' ? (card.normalisation.baselineReadings ?? 0) : 0;
    this.keepBaseline = !!opts.keepBaselineWindows && this.baselineReadings >= this.w;
    this.scratchValues = new Float64Array(this.f);
    this.hop = opts.hopReadings ?? 1;
    if (!Number.isInteger(this.hop) || this.hop < 1) {
      throw new ConfigError(`hopReadings: ${opts.hopReadings} is not an integer ≥ 1`);
    }
  }

  /** Devices currently tracked. */
  get size(): number {
    return this.devices.size;
  }

  /** Forgets one device (or all), e.g. after a long gap or on redeploy. */
  reset(deviceId?: string): void {
    if (deviceId === undefined) this.devices.clear();
    else this.devices.delete(deviceId);
  }

  /**
   * Adds a reading to its device's window; returns the window ending at it when ready (and, with
   * `hopReadings` > 1, when this reading is on the device's hop).
   */
  push(reading: Reading): WindowResult {
    const { card, f, w } = this;
    const values = this.scratchValues;
    const missing: string[] = [];
    const metrics = reading.metrics ?? {};
    for (let j = 0; j < f; j++) {
      const name = card.features[j]!.name;
      const v = metrics[name];
      if (typeof v === 'number' && Number.isFinite(v)) values[j] = v;
      else {
        values[j] = NaN;
        missing.push(name);
      }
    }
    if (missing.length > this.maxImputed)
      return { status: 'skipped', reason: 'missing_features', imputed: [], missing };
    const s = this.state(reading.deviceId);
    if (reading.tsMs < s.lastTsMs) return { status: 'skipped', reason: 'out_of_order', imputed: [], missing };
    s.lastTsMs = reading.tsMs;
    s.raw.set(values, s.head * f);
    s.head = (s.head + 1) % w;
    s.count = Math.min(s.count + 1, w);
    // Baseline rows kept for calibration need their own copy of the scratch values.
    if (!s.centre) this.learnBaseline(s, this.keepBaseline ? values.slice() : values);
    if (!s.centre || s.count < w) {
      const remaining = Math.max(w - s.count, this.baselineReadings - s.baselineCount);
      return { status: 'warming_up', imputed: missing, remainingReadings: remaining };
    }
    const advancedReadings = s.sinceWindow + 1;
    if (s.sinceWindow >= 0 && advancedReadings < this.hop) {
      s.sinceWindow = advancedReadings;
      return { status: 'between', imputed: missing, readingsSinceWindow: advancedReadings };
    }
    s.sinceWindow = 0;
    const window = new Float32Array(w * f);
    const centre = s.centre;
    const scale = s.scale!;
    for (let i = 0; i < w; i++) {
      const row = ((s.head + i) % w) * f;
      for (let j = 0; j < f; j++) {
        const v = s.raw[row + j]!;
        window[i * f + j] = Number.isNaN(v) ? 0 : (v - centre[j]!) / scale[j]!;
      }
    }
    const calibration = s.calibration;
    s.calibration = undefined;
    return calibration
      ? { status: 'ready', window, imputed: missing, advancedReadings, calibration }
      : { status: 'ready', window, imputed: missing, advancedReadings };
  }

  private state(deviceId: string): DeviceState {
    let s = this.devices.get(deviceId);
    if (!s) {
      const { f } = this;
      s = {
        raw: new Float64Array(this.w * f),
        head: 0,
        count: 0,
        lastTsMs: -Infinity,
        n: new Float64Array(f),
        mean: new Float64Array(f),
        m2: new Float64Array(f),
        baselineCount: 0,
        sinceWindow: -1,
      };
      if (this.baselineReadings === 0) this.freeze(s, false);
      this.devices.set(deviceId, s);
    }
    return s;
  }

  private learnBaseline(s: DeviceState, values: Float64Array): void {
    if (this.keepBaseline) (s.baselineRows ??= []).push(values);
    for (let j = 0; j < this.f; j++) {
      const v = values[j]!;
      if (Number.isNaN(v)) continue;
      const n = ++s.n[j]!;
      const d = v - s.mean[j]!;
      s.mean[j]! += d / n;
      s.m2[j]! += d * (v - s.mean[j]!);
    }
    s.baselineCount++;
    if (s.baselineCount >= this.baselineReadings) this.freeze(s, true);
  }

  private freeze(s: DeviceState, fromBaseline: boolean): void {
    const floor = this.card.normalisation.stdFloorRatio ?? 1e-3;
    s.centre = new Float64Array(this.f);
    s.scale = new Float64Array(this.f);
    this.card.features.forEach((feat, j) => {
      const n = s.n[j]!;
      if (fromBaseline && n >= 2) {
        s.centre![j] = s.mean[j]!;
        s.scale![j] = Math.max(Math.sqrt(s.m2[j]! / n), floor * feat.std);
      } else {
        s.centre![j] = feat.mean;
        s.scale![j] = feat.std;
      }
    });
    const rows = s.baselineRows;
    s.baselineRows = undefined;
    if (fromBaseline && rows && rows.length >= this.w) {
      const { w, f } = this;
      const count = rows.length - w + 1;
      const windows = new Float32Array(count * w * f);
      for (let k = 0; k < count; k++) {
        for (let i = 0; i < w; i++) {
          const row = rows[k + i]!;
          for (let j = 0; j < f; j++) {
            const v = row[j]!;
            windows[(k * w + i) * f + j] = Number.isNaN(v) ? 0 : (v - s.centre[j]!) / s.scale[j]!;
          }
        }
      }
      s.calibration = { windows, count };
    }
  }
}
