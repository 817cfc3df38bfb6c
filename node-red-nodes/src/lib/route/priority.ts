import type { Severity } from '../contracts/types';
import type { PriorityWeights, SeverityThresholds } from './route-options';

/** The raw inputs of an alert's priority. */
export interface PriorityFactors {
  /** Anomaly score of the detection, 0..1 (clamped). */
  deviation: number;
  /** Asset criticality from the fleet, 1..5 (clamped). */
  criticality: number;
  /** Confidence in the explanation, 0..1 (clamped): the top cause's confidence, else the score. */
  confidence: number;
  /** Other devices involved: related devices, or the incident's other devices (≥ 0). */
  blastRadius: number;
  /** Earlier alerts of the same fingerprint within the recurrence window (≥ 0). */
  recurrence: number;
  /** Product of matching feedback `priority_weight` adaptations (> 0; 1 = none). */
  feedbackWeight: number;
}

/** An alert's priority and severity. */
export interface PriorityResult {
  /** 0..100, one decimal. */
  priority: number;
  severity: Severity;
  /** The normalised factors, 0..1 each, for explanation and tests. */
  normalised: {
    deviation: number;
    criticality: number;
    confidence: number;
    blastRadius: number;
    recurrence: number;
  };
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Saturating map of a count n ≥ 0 to 0..1: n / (n + half); half the scale at n = half. */
const saturate = (n: number, half: number): number => (Number.isFinite(n) && n > 0 ? n / (n + half) : 0);

/**
 * The priority formula (deterministic, monotone non-decreasing in every factor):
 *
 * ```
 * d = clamp(score, 0, 1)                       deviation
 * c = (clamp(criticality, 1, 5) − 1) / 4       asset criticality
 * f = clamp(confidence, 0, 1)                  confidence
 * b = n / (n + 2), n = other devices involved  blast radius (saturating: 2 devices → 0.5)
 * r = k / (k + 1), k = earlier occurrences     recurrence (1 earlier → 0.5)
 * base     = 100 × (w_d·d + w_c·c + w_f·f + w_b·b + w_r·r)   (weights sum to 1)
 * priority = min(100, base × feedbackWeight), rounded to 0.1
 * ```
 * A weighted sum rather than a product so that no single factor at 0 (an unknown asset, a
 * first occurrence, a lone device) zeroes the priority; the feedback weight multiplies as the
 * `priority_weight` adaptation contract says. The severity is the band of the priority (see
 * {@link severityForPriority}).
 *
 * Source: the factors follow DESIGN.md ("severity × asset criticality × confidence × blast
 * radius × recurrence, adjusted by feedback"); the additive, normalised form is the usual
 * risk-scoring form (e.g. PagerDuty/Opsgenie priority matrices, CVSS-style weighted sums).
 *
 * @param factors - raw factors; non-finite values count as 0 (feedbackWeight as 1).
 * @param weights - normalised weights (sum 1) from `resolveRouteOptions`.
 * @param thresholds - severity bands.
 * @example
 * computePriority({ deviation: 0.9, criticality: 5, confidence: 0.8, blastRadius: 2, recurrence: 0, feedbackWeight: 1 }, w, t)
 * // → { priority: 75.0, severity: 'high', … } with the default weights
 */
export function computePriority(
  factors: PriorityFactors,
  weights: PriorityWeights,
  thresholds: SeverityThresholds,
): PriorityResult {
  const normalised = {
    deviation: clamp01(factors.deviation),
    criticality: clamp01(((Number.isFinite(factors.criticality) ? factors.criticality : 1) - 1) / 4),
    confidence: clamp01(factors.confidence),
    blastRadius: saturate(factors.blastRadius, 2),
    recurrence: saturate(factors.recurrence, 1),
  };
  const base =
    100 *
    (weights.deviation * normalised.deviation +
      weights.criticality * normalised.criticality +
      weights.confidence * normalised.confidence +
      weights.blastRadius * normalised.blastRadius +
      weights.recurrence * normalised.recurrence);
  const w =
    Number.isFinite(factors.feedbackWeight) && factors.feedbackWeight > 0 ? factors.feedbackWeight : 1;
  const priority = Math.round(Math.min(100, Math.max(0, base * w)) * 10) / 10;
  return { priority, severity: severityForPriority(priority, thresholds), normalised };
}

/**
 * The severity band of a priority: ≥ critical → `critical`, ≥ high → `high`, ≥ medium →
 * `medium`, ≥ low → `low`, else `info` (defaults 80 / 60 / 40 / 20).
 */
export function severityForPriority(priority: number, thresholds: SeverityThresholds): Severity {
  if (priority >= thresholds.critical) return 'critical';
  if (priority >= thresholds.high) return 'high';
  if (priority >= thresholds.medium) return 'medium';
  if (priority >= thresholds.low) return 'low';
  return 'info';
}
