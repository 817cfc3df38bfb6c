import {
  CONNECTIVITY_METRIC,
  type AnomalyType,
  type DetectionEvidence,
  type MetricEvidence,
  type Reading,
} from '../contracts/types';

/** An excursion younger than this is still a spike/drop; older ones are level shifts. */
export const SHORT_EXCURSION_MS = 15 * 60_000;
/** A change at least this many times the usual rate of change is "fast" (spike/drop). */
export const FAST_RATE_RATIO = 3;
/** Without the rate detector firing, a fast change must also be at least this many band half-widths away from the expected value to be a spike/drop (a small departure at a few times the usual rate is a trend starting). */
export const SPIKE_MIN_HALF_BANDS = 3;
/** A change at least this many times the usual rate is still "moving" (drift rather than level shift). */
export const MOVING_RATE_RATIO = 1;

/** What {@link classifyAnomaly} reads. */
export interface ClassifyInput {
  reading: Reading;
  evidence: DetectionEvidence;
  /** Evidence of the metric the explanation is about (the top contribution). */
  primary: MetricEvidence;
  /** Devices of the same zone/line that showed an anomaly on the same metric in the window. */
  relatedCount: number;
}

/** The classification and the numbers it was decided on. */
export interface Classification {
  type: AnomalyType;
  /** The type the device's own evidence gives, before `correlated_event` is considered. */
  ownType: AnomalyType;
  /** `up` or `down`: the way the primary metric moved (`up` when unknown). */
  direction: 'up' | 'down';
  /** |rate of change| / usual rate; Infinity when the usual rate is 0 and the value moved; undefined without change evidence. */
  rateRatio?: number;
  /** How long the current excursion has lasted, ms (0 when unknown). */
  excursionMs: number;
}

/** The rate ratio of a metric's change evidence, or undefined without one. */
export function rateRatioOf(ev: MetricEvidence): number | undefined {
  if (!ev.change) return undefined;
  const rate = Math.abs(ev.change.ratePerMin);
  if (ev.change.usualRatePerMin > 0) return rate / ev.change.usualRatePerMin;
  return rate > 0 ? Infinity : 0;
}

/** Whether the value is outside the physical range declared in the fleet. */
export function outsideRange(ev: MetricEvidence): 'above' | 'below' | undefined {
  if (ev.range?.max !== undefined && ev.value > ev.range.max) return 'above';
  if (ev.range?.min !== undefined && ev.value < ev.range.min) return 'below';
  return undefined;
}

/** Whether the reading reports lost connectivity (heartbeat watchdog or a gap detector). */
export function isConnectivityLoss(input: Pick<ClassifyInput, 'reading' | 'evidence' | 'primary'>): boolean {
  const { reading, evidence, primary } = input;
  if (reading.tags?.event === 'connectivity_lost') return true;
  if (primary.metric === CONNECTIVITY_METRIC && primary.value <= 0) return true;
  if (primary.kind === 'gap') return true;
  return evidence.gap !== undefined && (primary.kind === null || primary.score < 0.5);
}

/**
 * Classifies an anomaly from its evidence. Rules, first match wins:
 * 1. `stuck_sensor`: the primary metric carries stuck evidence or its top detector is `stuck`.
 * 2. `out_of_range`: the top detector is `range`, or the value is outside the fleet's physical min/max.
 * 3. `connectivity_loss`: a `connectivity_lost` event, the connectivity metric at 0, a `gap` top
 *    detector, or a gap in the evidence while no other detector is firing strongly.
 * 4. `correlated_event`: at least one related device (same zone or line, same metric, inside the
 *    correlation window) moved too: the event is not the device's own.
 * 5. With change evidence, r = |rate| / usual rate and the excursion's age:
 *    fast (top detector `rate`, or r ≥ {@link FAST_RATE_RATIO} with the value ≥ {@link SPIKE_MIN_HALF_BANDS}
 *    band half-widths from the expected value) and young (≤ {@link SHORT_EXCURSION_MS})
 *    → `spike` (up) / `drop` (down); fast but old → `level_shift` (it jumped and stayed);
 *    still moving the way it deviates (r ≥ {@link MOVING_RATE_RATIO}) → `drift` (slow monotonic trend);
 *    settled (r < 1) → `level_shift` when old, else `spike`/`drop`.
 * 6. Without change evidence: old excursion → `level_shift`, else `spike`/`drop` by direction.
 *
 * Deterministic: it reads only the evidence and `reading.tsMs` (event time).
 */
export function classifyAnomaly(input: ClassifyInput): Classification {
  const { reading, primary, relatedCount } = input;
  const ratio = rateRatioOf(primary);
  const excursionMs =
    primary.anomalousSinceTsMs !== undefined ? Math.max(0, reading.tsMs - primary.anomalousSinceTsMs) : 0;
  let direction: 'up' | 'down';
  if (primary.direction !== 'none') direction = primary.direction;
  else if (primary.change && primary.change.toValue !== primary.change.fromValue)
    direction = primary.change.toValue > primary.change.fromValue ? 'up' : 'down';
  else direction = primary.value < primary.expected.value ? 'down' : 'up';
  const base = { direction, rateRatio: ratio, excursionMs };
  const pointed: AnomalyType = direction === 'down' ? 'drop' : 'spike';

  let ownType: AnomalyType;
  if (primary.stuck || primary.kind === 'stuck') ownType = 'stuck_sensor';
  else if (primary.kind === 'range' || outsideRange(primary)) ownType = 'out_of_range';
  else if (isConnectivityLoss(input)) ownType = 'connectivity_loss';
  else if (ratio !== undefined && primary.change) {
    const old = excursionMs > SHORT_EXCURSION_MS;
    const half = (primary.expected.upper - primary.expected.lower) / 2;
    const halfBands = half > 0 ? Math.abs(primary.value - primary.expected.value) / half : Infinity;
    const fast = primary.kind === 'rate' || (ratio >= FAST_RATE_RATIO && halfBands >= SPIKE_MIN_HALF_BANDS);
    const changeDirection =
      primary.change.ratePerMin > 0 ? 'up' : primary.change.ratePerMin < 0 ? 'down' : 'none';
    if (fast) ownType = old ? 'level_shift' : pointed;
    else if (ratio >= MOVING_RATE_RATIO && changeDirection === direction) ownType = 'drift';
    else ownType = old ? 'level_shift' : pointed;
  } else {
    ownType = excursionMs > SHORT_EXCURSION_MS ? 'level_shift' : pointed;
  }
  const deviceSpecific =
    ownType === 'stuck_sensor' || ownType === 'out_of_range' || ownType === 'connectivity_loss';
  const type: AnomalyType = !deviceSpecific && relatedCount > 0 ? 'correlated_event' : ownType;
  return { ...base, type, ownType };
}
