import type { MetricEvidence } from '../contracts/types';

/** How far and which way one metric moved away from its expected value. */
export interface MetricMovement {
  direction: 'up' | 'down' | 'none';
  /** 0..1: the larger of the metric's anomaly score and its distance from the expected value in band half-widths, halved (band edge = 0.5, twice the half-width = 1). */
  strength: number;
  /** `strength` with the sign of the direction (up > 0), 0 when the direction is none. */
  signed: number;
}

/** Consistency constant turning a MAD into a standard deviation for normal data. */
const MAD_TO_SIGMA = 1.4826;

/**
 * The movement of one metric, used to match cause signatures. Metrics that did not trigger the
 * detector still carry information here (a current that fell inside its band).
 *
 * The band half-width is `(expected.upper - expected.lower) / 2`; when the band is empty it falls
 * back to 3 · 1.4826 · MAD of the baseline; when that is 0 too, any difference counts as 0.5.
 */
export function metricMovement(ev: MetricEvidence): MetricMovement {
  const deviation = ev.value - ev.expected.value;
  let halfBand = (ev.expected.upper - ev.expected.lower) / 2;
  if (!(halfBand > 0)) halfBand = 3 * MAD_TO_SIGMA * ev.baseline.mad;
  const bandDistance = halfBand > 0 ? Math.abs(deviation) / halfBand / 2 : deviation === 0 ? 0 : 0.5;
  const strength = Math.min(1, Math.max(0, ev.score, bandDistance));
  let direction = ev.direction;
  if (direction === 'none' && bandDistance >= 0.25) direction = deviation > 0 ? 'up' : 'down';
  const signed = direction === 'up' ? strength : direction === 'down' ? -strength : 0;
  return { direction, strength, signed };
}
