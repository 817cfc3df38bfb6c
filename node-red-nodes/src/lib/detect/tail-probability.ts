/**
 * Tail probabilities in log space, and the calibrated score built on them.
 *
 * Every detector reports a *surprise* `S = −log10(p)`, where `p` is the probability of a reading
 * at least this extreme under the series' learned normal behaviour. The calibrated score is
 * `min(1, S / 10)`: score 0.5 ⇔ p = 1e-5, score 1 ⇔ p ≤ 1e-10. Working in log space keeps
 * p-values far below the smallest double meaningful.
 */

/** Surprise at which the calibrated score reaches 1 (p = 1e-10). */
export const SURPRISE_FULL_SCALE = 10;

/** Largest surprise any detector reports (p = 1e-12); certain violations (range, lost link) use it. */
export const SURPRISE_MAX = 12;

const LN10 = Math.log(10);
/** Math.log(j) for small j (Fisher's series over the metrics of a reading). */
const LOG_INT = Float64Array.from({ length: 64 }, (_, j) => Math.log(j));

/**
 * Natural log of the complementary error function, accurate to ~1.2e-7 relative everywhere.
 * Method: Chebyshev fit `erfcc` of Press et al., *Numerical Recipes in C*, 2nd ed., §6.2,
 * evaluated in log space so it does not underflow for large arguments.
 */
export function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const exponent =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  if (x >= 0) return Math.log(t) + exponent;
  return Math.log(2 - t * Math.exp(exponent));
}

/** Surprise `−log10 P(|Z| ≥ |z|)` of a two-sided standard normal tail. */
export function twoSidedNormalSurprise(z: number): number {
  if (!Number.isFinite(z)) return SURPRISE_MAX;
  return Math.min(SURPRISE_MAX, Math.max(0, -logErfc(Math.abs(z) / Math.SQRT2) / LN10));
}

/** Calibrated score in [0, 1] of a surprise: `min(1, S / 10)`. */
export function surpriseToScore(surprise: number): number {
  if (!(surprise > 0)) return 0;
  return Math.min(1, surprise / SURPRISE_FULL_SCALE);
}

/** Inverse of {@link surpriseToScore} below full scale. */
export function scoreToSurprise(score: number): number {
  return Math.max(0, score) * SURPRISE_FULL_SCALE;
}

/**
 * The |z| whose two-sided normal surprise equals `surprise` (bisection, 1e-9 tolerance).
 * Used for the expected band: the band edge is where a reading would reach the cut-off.
 *
 * The result is exactly that of plain bisection on [0, 40] (midpoints halving until the bracket
 * is ≤ 1e-9): a few Newton steps first locate the root to ~1e-12, so the bisection evaluates the
 * surprise only at the midpoints within 1e-10 of it; every other comparison follows from
 * monotonicity. About 5 evaluations instead of ~36.
 */
export function normalQuantileForSurprise(surprise: number): number {
  if (surprise <= 0) return 0;
  const root = newtonRoot(surprise);
  const margin = Number.isFinite(root) ? BISECTION_MARGIN : Infinity;
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 60 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    const below =
      mid < root - margin ? true : mid > root + margin ? false : twoSidedNormalSurprise(mid) < surprise;
    if (below) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Half-width around the Newton root inside which the bisection evaluates the surprise. */
const BISECTION_MARGIN = 1e-10;
/** √(2/π) / ln 10: the derivative of the two-sided surprise is this × e^(−z²/2) / erfc(z/√2). */
const SURPRISE_SLOPE = Math.sqrt(2 / Math.PI) / LN10;

/** Root of `twoSidedNormalSurprise(z) = surprise` by Newton's method, or NaN when it does not settle. */
function newtonRoot(surprise: number): number {
  if (!(surprise < SURPRISE_MAX - 1e-6)) return NaN;
  // Start from the Gaussian tail asymptote z² ≈ 2 S ln 10 (≥ 0.5 to stay on the convex side).
  let z = Math.max(0.5, Math.sqrt(2 * surprise * LN10));
  for (let i = 0; i < 30; i++) {
    const logTail = logErfc(z / Math.SQRT2);
    const f = -logTail / LN10 - surprise;
    const slope = SURPRISE_SLOPE * Math.exp(-0.5 * z * z - logTail);
    const step = f / slope;
    if (!Number.isFinite(step)) return NaN;
    z = Math.max(0, z - step);
    if (Math.abs(step) < 1e-12 * Math.max(1, z)) return z < 39 ? z : NaN;
  }
  return NaN;
}

/**
 * Fisher's combined surprise of k independent tail probabilities given as surprises:
 * `X = −2 Σ ln p_i` follows χ² with 2k degrees of freedom under the null, whose survival
 * function has the closed form `e^{−X/2} Σ_{j<k} (X/2)^j / j!` (R. A. Fisher, *Statistical
 * Methods for Research Workers*, 1925, §21.1). Computed in log space.
 */
export function fisherSurprise(surprises: readonly number[]): number {
  const k = surprises.length;
  if (k === 0) return 0;
  let total = 0;
  for (const s of surprises) total += Math.max(0, s);
  if (total === 0) return 0;
  const half = total * LN10; // X / 2
  const logHalf = Math.log(half);
  let logTerm = 0; // log((X/2)^0 / 0!)
  let logSum = 0;
  for (let j = 1; j < k; j++) {
    logTerm += logHalf - (j < LOG_INT.length ? LOG_INT[j] : Math.log(j));
    // log(e^logSum + e^logTerm) around the larger: its exponential is e^0 = 1 exactly.
    logSum =
      logSum >= logTerm
        ? logSum + Math.log(1 + Math.exp(logTerm - logSum))
        : logTerm + Math.log(Math.exp(logSum - logTerm) + 1);
  }
  const logP = -half + logSum;
  return Math.min(SURPRISE_MAX, Math.max(0, -logP / LN10));
}
