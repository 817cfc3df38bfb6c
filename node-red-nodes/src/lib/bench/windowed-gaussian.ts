/**
 * The "windowed Gaussian" baseline of the NAB scoreboard (39.6 standard on the full corpus):
 * the mean and standard deviation of a sliding window of past values, and an anomaly score from
 * the Gaussian tail. It is what a Node-RED user gets from `node-red-node-smooth` (rolling mean /
 * σ) plus a threshold. Re-implemented from NAB's description (`nab/detectors/gaussian`): the
 * window fills to `windowSize` values, then moves by `stepSize` values at a time; statistics
 * are refreshed whenever the window changes.
 *
 * Tails: NAB's bundled `results/windowedGaussian` files (the ones scored 39.6) hold
 * `Φ((x − μ)/σ)`, i.e. only rises score high (a value far below the mean scores ≈ 0). That is the
 * default here (`twoSided: false`), so the baseline is the published one. `twoSided: true` gives
 * `1 − Q(|x − μ|/σ)`, what a `|x − μ| > k·σ` switch rule does.
 * Per update O(1) amortised while filling and O(windowSize / stepSize) amortised after.
 */
import { logErfc } from '../detect/tail-probability';

export interface WindowedGaussianOptions {
  /** Values in the window (NAB: 6400). ≥ 2. */
  windowSize?: number;
  /** Values collected before the full window moves (NAB: 100). 1..windowSize. */
  stepSize?: number;
  /** Score falls as well as rises (default false: rises only, as NAB's published run). */
  twoSided?: boolean;
}

/** σ used when the window is constant, as in NAB. */
const MIN_STD = 1e-6;

/**
 * Complementary error function, |relative error| < 1.2e-7 (Chebyshev fit of Press et al.,
 * Numerical Recipes, 2nd ed., §6.2 `erfcc`), from the detectors' log-space evaluation.
 */
export function erfc(x: number): number {
  const r = Math.exp(logErfc(Math.abs(x)));
  return x >= 0 ? r : 2 - r;
}

/**
 * Streaming windowed-Gaussian detector for one series.
 * @example
 * const d = new WindowedGaussianDetector();
 * const score = d.update(42); // 0 for the first value, then 1 − Q(|z|)
 */
export class WindowedGaussianDetector {
  private readonly windowSize: number;
  private readonly stepSize: number;
  private readonly twoSided: boolean;
  private readonly window: number[] = [];
  private pending: number[] = [];
  private mean = 0;
  private std = 1;
  /** Sum of squared deviations from the mean (Welford), for the values in `window`. */
  private m2 = 0;

  /** @throws RangeError on a window below 2 values or a step outside 1..windowSize. */
  constructor(options: WindowedGaussianOptions = {}) {
    this.windowSize = options.windowSize ?? 6400;
    this.stepSize = options.stepSize ?? 100;
    this.twoSided = options.twoSided ?? false;
    if (!(this.windowSize >= 2)) throw new RangeError(`windowSize must be ≥ 2, got ${this.windowSize}`);
    if (!(this.stepSize >= 1 && this.stepSize <= this.windowSize)) {
      throw new RangeError(`stepSize must be in 1..windowSize, got ${this.stepSize}`);
    }
  }

  /**
   * Scores a value against the window so far, then adds it.
   * @param value - a finite number.
   * @returns the anomaly score in [0, 1]: 0 for the very first value, then Φ(z) (one-sided)
   *   or 1 − Q(|z|) (two-sided) with z = (value − μ)/σ of the window so far.
   */
  update(value: number): number {
    let score = 0;
    if (this.window.length > 0) {
      const z = (value - this.mean) / this.std;
      score = 1 - 0.5 * erfc((this.twoSided ? Math.abs(z) : z) / Math.SQRT2);
    }
    if (this.window.length < this.windowSize) {
      this.window.push(value);
      const d = value - this.mean;
      this.mean += d / this.window.length;
      this.m2 += d * (value - this.mean);
      this.setStd();
    } else {
      this.pending.push(value);
      if (this.pending.length === this.stepSize) {
        this.window.splice(0, this.stepSize);
        this.window.push(...this.pending);
        this.pending = [];
        this.refresh();
      }
    }
    return score;
  }

  /** A full pass over the window after it moved (no drift from removing values one by one). */
  private refresh(): void {
    const n = this.window.length;
    let mean = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = this.window[i] - mean;
      mean += d / (i + 1);
      m2 += d * (this.window[i] - mean);
    }
    this.mean = mean;
    this.m2 = m2;
    this.setStd();
  }

  /** Population σ, as numpy's default; a constant window gets {@link MIN_STD}. */
  private setStd(): void {
    const std = Math.sqrt(this.m2 / this.window.length);
    this.std = std === 0 ? MIN_STD : std;
  }
}
