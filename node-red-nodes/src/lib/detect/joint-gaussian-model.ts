/**
 * A device's normal joint state as a regularised Gaussian: mean, per-metric scale and the
 * precision matrix of the standardised metrics. Fitted once on a commissioning window, then used
 * read-only to score readings in O(d²).
 */

/** Serializable fitted model (plain arrays, so it survives a JSON round trip). */
export interface JointGaussianState {
  /** Metric names, in the order of every vector and matrix below. */
  metrics: string[];
  /** Mean of each metric over the fit window, in the metric's unit. */
  mean: number[];
  /** Standard deviation of each metric over the fit window with its accuracy floor (> 0), in the metric's unit. */
  scale: number[];
  /** Precision matrix of the standardised metrics, row-major d × d. */
  precision: number[];
  /** 99th percentile of the Mahalanobis distance² over the fit window (> 0): the calibration of `statistic`. */
  limit: number;
  /** Readings the model was fitted on. */
  fitReadings: number;
}

/** One reading scored by {@link scoreJointState}. */
export interface JointScore {
  /** Mahalanobis distance² of the standardised reading, `zᵀ P z` (≥ 0). */
  statistic: number;
  /**
   * Per metric (same order as `metrics`), the standardised conditional residual
   * `(P z)_j / √P_jj`: the metric's distance from its conditional mean given every other metric,
   * in conditional standard deviations. Its square is the metric's own Mahalanobis term when the
   * others are held at their values.
   */
  residualZ: Float64Array;
}

/**
 * Ridge added to the diagonal of the fit window's correlation matrix before inverting it
 * (shrinkage towards independence, Ledoit & Wolf 2004). Chosen with the joint detector's other
 * settings (see `JOINT_SETTINGS`).
 */
export const JOINT_RIDGE = 0.01;

/** Quantile of the fit window's statistic used as its `limit` (chosen with {@link JOINT_RIDGE}). */
export const JOINT_LIMIT_QUANTILE = 0.99;

/** A metric whose fit-window standard deviation is below this fraction of (1 + |mean|) counts as constant. */
const CONSTANT_TOLERANCE = 1e-9;

/**
 * Fits the joint model on the rows of a commissioning window.
 *
 * Metrics that are constant over the window (standard deviation ≤ 1e-9 × (1 + |mean|)) carry no
 * joint information and are left out; the univariate detectors still watch them.
 *
 * Method: sample mean and covariance; the correlation matrix plus `ridge · I` is inverted by
 * Cholesky factorisation, giving the precision matrix P of the standardised metrics. The
 * diagonal of P gives each metric's conditional variance given the others (1 / P_jj) and the
 * row P_j· its regression on them, so `(P z)_j / P_jj` is metric j's residual from the linear
 * prediction by the other metrics (Lauritzen 1996, *Graphical Models*, §5.1; Whittaker 1990).
 * The squared Mahalanobis distance `zᵀ P z` is Hotelling's T² statistic for one observation
 * (Hotelling 1947; MacGregor & Kourti 1995, *Statistical process control of multivariate
 * processes*, Control Eng. Practice 3(3)); its calibration `limit` is its empirical quantile
 * `limitQuantile` over the fit window, a distribution-free stand-in for the F-distribution limit,
 * which SKAB's and SMD's heavy-tailed, autocorrelated signals do not follow.
 *
 * @param metrics - names of the columns of `rows`.
 * @param rows - the window's readings, each `metrics.length` finite numbers (rows with a
 *   non-finite value are skipped).
 * @param ridge - ≥ 0; added to the correlation matrix's diagonal.
 * @param limitQuantile - 0..1; the quantile of the fit window's statistic taken as `limit`.
 * @param accuracyFraction - ≥ 0; each metric's accuracy floor `accuracyFraction × |mean|` (in the
 *   metric's unit) is added in quadrature to its sample standard deviation, and its square to the
 *   covariance's diagonal, so a metric that hardly varied while commissioning is judged against
 *   its sensor's accuracy rather than its recorded spread (a measurement-error variance term, as in
 *   errors-in-variables models). 0 uses the sample spread alone.
 * @returns the model, or undefined when fewer than two non-constant metrics or fewer than
 *   `d + 2` usable rows remain (the caller keeps scoring univariately).
 * Cost O(n d² + d³); never throws.
 * @example
 * const model = fitJointGaussian(['a', 'b'], rows); // rows: number[][] of [a, b]
 * if (model) scoreJointState(model, [1.2, 3.4]).statistic;
 */
export function fitJointGaussian(
  metrics: readonly string[],
  rows: ArrayLike<ArrayLike<number>>,
  ridge = JOINT_RIDGE,
  limitQuantile = JOINT_LIMIT_QUANTILE,
  accuracyFraction = 0,
): JointGaussianState | undefined {
  const dAll = metrics.length;
  const usable: ArrayLike<number>[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r || r.length !== dAll) continue;
    let ok = true;
    for (let j = 0; j < dAll; j++) if (!Number.isFinite(r[j])) ok = false;
    if (ok) usable.push(r);
  }
  const n = usable.length;
  if (n < 3) return undefined;
  const meanAll = new Float64Array(dAll);
  for (const r of usable) for (let j = 0; j < dAll; j++) meanAll[j] += r[j];
  for (let j = 0; j < dAll; j++) meanAll[j] /= n;
  const varAll = new Float64Array(dAll);
  for (const r of usable) for (let j = 0; j < dAll; j++) varAll[j] += (r[j] - meanAll[j]) ** 2;
  const keep: number[] = [];
  for (let j = 0; j < dAll; j++) {
    const sd = Math.sqrt(varAll[j] / (n - 1));
    if (sd > CONSTANT_TOLERANCE * (1 + Math.abs(meanAll[j]))) keep.push(j);
  }
  const d = keep.length;
  if (d < 2 || n < d + 2) return undefined;
  const mean = keep.map((j) => meanAll[j]);
  const sampleSd = keep.map((j) => Math.sqrt(varAll[j] / (n - 1)));
  const floorVar = keep.map((j) => (Math.max(0, accuracyFraction) * Math.abs(meanAll[j])) ** 2);
  const scale = sampleSd.map((sd, a) => Math.sqrt(sd * sd + floorVar[a]));
  const corr = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (const r of usable) {
    for (let a = 0; a < d; a++) z[a] = (r[keep[a]] - mean[a]) / scale[a];
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) corr[a * d + b] += z[a] * z[b];
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      corr[a * d + b] /= n - 1;
      corr[b * d + a] = corr[a * d + b];
    }
    corr[a * d + a] += floorVar[a] / (scale[a] * scale[a]) + Math.max(0, ridge);
  }
  const precision = invertSymmetricPositive(corr, d);
  if (!precision) return undefined;
  const state: JointGaussianState = {
    metrics: keep.map((j) => metrics[j]),
    mean,
    scale,
    precision: Array.from(precision),
    limit: 0,
    fitReadings: n,
  };
  const x = new Float64Array(d);
  const statistics = new Float64Array(n);
  usable.forEach((r, i) => {
    for (let a = 0; a < d; a++) x[a] = r[keep[a]];
    statistics[i] = scoreJointState(state, x).statistic;
  });
  statistics.sort();
  const q = Math.min(1, Math.max(0, limitQuantile));
  const limit = statistics[Math.min(n - 1, Math.floor(q * (n - 1)))];
  state.limit = limit > 0 ? limit : 1;
  return state;
}

/**
 * Scores one reading against a fitted model.
 * @param values - one finite value per `state.metrics`, same order.
 * @returns the Mahalanobis distance² and the standardised conditional residual of each metric.
 * Cost O(d²); the caller guarantees finite values (a non-finite one propagates as NaN).
 */
export function scoreJointState(state: JointGaussianState, values: ArrayLike<number>): JointScore {
  const d = state.metrics.length;
  const p = state.precision;
  const z = new Float64Array(d);
  for (let j = 0; j < d; j++) z[j] = (values[j] - state.mean[j]) / state.scale[j];
  const residualZ = new Float64Array(d);
  let statistic = 0;
  for (let a = 0; a < d; a++) {
    let pz = 0;
    const row = a * d;
    for (let b = 0; b < d; b++) pz += p[row + b] * z[b];
    statistic += z[a] * pz;
    residualZ[a] = pz / Math.sqrt(p[row + a]);
  }
  return { statistic: Math.max(0, statistic), residualZ };
}

/**
 * Inverse of a symmetric positive-definite d × d matrix (row-major) by Cholesky factorisation
 * (Golub & Van Loan, *Matrix Computations*, §4.2); undefined when it is not positive definite.
 */
function invertSymmetricPositive(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * d + i] = Math.sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j];
    }
  }
  // L⁻¹ (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
  const li = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    li[i * d + i] = 1 / l[i * d + i];
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= l[i * d + k] * li[k * d + j];
      li[i * d + j] = sum / l[i * d + i];
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < d; k++) sum += li[k * d + i] * li[k * d + j];
      inv[i * d + j] = sum;
      inv[j * d + i] = sum;
    }
  }
  return inv;
}
