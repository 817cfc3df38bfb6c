import type { DetectorKind, MetricEvidence } from '../contracts/types';

/** How far and which way one metric moved away from its expected value. */
export interface MetricMovement {
  direction: 'up' | 'down' | 'none';
  /**
   * 0..1: the largest of the metric's anomaly score (gap scores excluded), its distance from the
   * expected value in band half-widths, halved (band edge = 0.5), and its distance in robust
   * noise units over 2 × {@link MOVED_ROBUST_Z} ({@link MOVED_ROBUST_Z} robust σ = 0.5).
   * A metric "moved" when this reaches 0.5.
   */
  strength: number;
  /** `strength` with the sign of the direction (up > 0), 0 when the direction is none. */
  signed: number;
  /**
   * |value − expected value| in robust noise units: the baseline's 1.4826 · MAD, floored at
   * accuracy / {@link MOVED_ROBUST_Z} when the fleet declares the sensor's accuracy; 0 when the
   * series has no spread (MAD 0) and no accuracy is declared (unknown scale).
   */
  robustZ: number;
}

/** What {@link metricMovement} reads besides the evidence. */
export interface MovementOptions {
  /** The sensor's datasheet accuracy, ± in the metric's unit (fleet `MetricSpec.accuracy`), > 0. */
  accuracy?: number;
}

/** Consistency constant turning a MAD into a standard deviation for normal data. */
const MAD_TO_SIGMA = 1.4826;

/**
 * A deviation of this many robust σ of the metric's own recent noise (and at least the sensor's
 * accuracy) counts as a movement. Under normal noise |z| ≥ 4 has probability 6e-5 per metric and
 * reading, so a device's other metrics rarely "move" by chance at the instant of an anomaly.
 */
export const MOVED_ROBUST_Z = 4;

/** Detectors whose score says the VALUE moved (a gap score says the device was silent). */
const VALUE_DETECTORS: readonly DetectorKind[] = ['level', 'rate', 'stuck', 'range', 'model'];

/**
 * The movement of one metric, used to judge co-movement and to match cause signatures. Metrics
 * that did not trigger the detector still carry information here: a streaming detector flags
 * only the onset of an excursion (and widens its band while the excursion lasts), so at a
 * device's alert a physically linked metric can be far from its expected value with a low score.
 * The movement is therefore judged from the value's deviation, not only from the decision:
 *
 * - band distance: |value − expected| over the band half-width `(upper − lower) / 2`, halved
 *   (band edge = 0.5); when the band is empty it falls back to 3 · 1.4826 · MAD; when that is 0
 *   too, any difference counts as 0.5;
 * - robust distance: {@link MetricMovement.robustZ} / (2 · {@link MOVED_ROBUST_Z}), so
 *   {@link MOVED_ROBUST_Z} robust σ (and at least the accuracy) = 0.5 (Hampel 1974; Rousseeuw &
 *   Croux 1993 for the MAD as a robust scale);
 * - the anomaly score, unless it comes only from the gap detector (after a silence every series
 *   reports the gap; that says nothing about the value).
 */
export function metricMovement(ev: MetricEvidence, options: MovementOptions = {}): MetricMovement {
  const deviation = ev.value - ev.expected.value;
  let halfBand = (ev.expected.upper - ev.expected.lower) / 2;
  if (!(halfBand > 0)) halfBand = 3 * MAD_TO_SIGMA * ev.baseline.mad;
  const bandDistance = halfBand > 0 ? Math.abs(deviation) / halfBand / 2 : deviation === 0 ? 0 : 0.5;
  const accuracy =
    options.accuracy !== undefined && Number.isFinite(options.accuracy) && options.accuracy > 0
      ? options.accuracy
      : 0;
  const sigma = Math.max(MAD_TO_SIGMA * ev.baseline.mad, accuracy / MOVED_ROBUST_Z);
  const robustZ = sigma > 0 && Number.isFinite(sigma) ? Math.abs(deviation) / sigma : 0;
  const robustDistance = robustZ / (2 * MOVED_ROBUST_Z);
  const score = ev.kind === 'gap' ? valueScore(ev) : ev.score;
  const strength = Math.min(1, Math.max(0, score, bandDistance, robustDistance));
  let direction = ev.direction;
  if (direction === 'none' && Math.max(bandDistance, robustDistance) >= 0.25)
    direction = deviation > 0 ? 'up' : 'down';
  const signed = direction === 'up' ? strength : direction === 'down' ? -strength : 0;
  return { direction, strength, signed, robustZ };
}

/** The highest score of the detectors that judge the value (not the gap). */
function valueScore(ev: MetricEvidence): number {
  let best = 0;
  for (const kind of VALUE_DETECTORS) {
    const s = ev.detectorScores[kind];
    if (typeof s === 'number' && Number.isFinite(s) && s > best) best = s;
  }
  return best;
}

/**
 * A joint-state departure of this many standard deviations (of the joint model's smoothed metric)
 * counts as a movement (strength 0.5), the same bar as {@link MOVED_ROBUST_Z} for the univariate
 * view.
 */
export const MOVED_JOINT_Z = 4;

/**
 * The larger of a metric's univariate movement and its departure in the device's joint state
 * (`JointEvidence.levelZ`: smoothed value minus the device's normal level, in the joint model's
 * standard deviations). The streaming detector's band follows a slow excursion (a valve closing
 * over a minute), so by the time the device's joint state is anomalous the univariate view may
 * see no movement at all; the joint view still measures the metric against the device's normal
 * level. Strength from the joint view: |z| / (2 · {@link MOVED_JOINT_Z}), capped at 1; its
 * direction is the sign of z. `robustZ` stays the univariate one.
 * @param levelZ - the metric's joint departure, or undefined (no joint model): `movement` unchanged.
 */
export function withJointLevel(movement: MetricMovement, levelZ: number | undefined): MetricMovement {
  if (levelZ === undefined || !Number.isFinite(levelZ)) return movement;
  const strength = Math.min(1, Math.abs(levelZ) / (2 * MOVED_JOINT_Z));
  if (strength <= movement.strength) return movement;
  const direction = levelZ > 0 ? 'up' : 'down';
  return {
    direction,
    strength,
    signed: direction === 'up' ? strength : -strength,
    robustZ: movement.robustZ,
  };
}
