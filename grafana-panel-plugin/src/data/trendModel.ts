import type { AlertDetail, DetectionEvidence, MetricEvidence, SeriesPoint } from './lucidStoreTypes';
import type { AlertCardModel } from './alertsViewModel';

/** Where the observed series first left its band (or crossed a declared physical limit). */
export interface ThresholdCrossing {
  tsMs: number;
  /** The observed value at the crossing, in the metric's unit. */
  value: number;
  /** The threshold crossed, in the metric's unit. */
  threshold: number;
  /** `upper`/`lower`: the expected band's edge; `max`/`min`: the fleet's physical limit. */
  bound: 'upper' | 'lower' | 'max' | 'min';
}

/** What the trend overlay draws for one alert: one metric of its evidence window. */
export interface TrendModel {
  metric: string;
  /** Unit symbol from the fleet (e.g. `°C`); empty when unknown. */
  unit: string;
  fromMs: number;
  toMs: number;
  points: SeriesPoint[];
  /** True when at least one point carries both band edges. */
  hasBand: boolean;
  /** The anomalous period: first to last anomalous sample (or the alert's first/last seen). */
  anomaly?: { fromMs: number; toMs: number };
  crossing?: ThresholdCrossing;
}

/** Anomaly types whose story is not a value crossing a threshold. */
const NO_CROSSING_TYPES: ReadonlySet<string> = new Set(['connectivity_loss', 'stuck_sensor']);

function metricEvidence(card: AlertCardModel, metric: string): MetricEvidence | undefined {
  const evidence = card.alert?.score?.evidence as Partial<DetectionEvidence> | undefined;
  const metrics = evidence && typeof evidence === 'object' ? evidence.metrics : undefined;
  return metrics && typeof metrics === 'object' ? metrics[metric] : undefined;
}

function findCrossing(points: readonly SeriesPoint[], range: MetricEvidence['range']): ThresholdCrossing | undefined {
  for (const p of points) {
    if (range?.max !== undefined && p.value > range.max) {
      return { tsMs: p.tsMs, value: p.value, threshold: range.max, bound: 'max' };
    }
    if (range?.min !== undefined && p.value < range.min) {
      return { tsMs: p.tsMs, value: p.value, threshold: range.min, bound: 'min' };
    }
  }
  for (const p of points) {
    if (p.upper !== undefined && p.value > p.upper) {
      return { tsMs: p.tsMs, value: p.value, threshold: p.upper, bound: 'upper' };
    }
    if (p.lower !== undefined && p.value < p.lower) {
      return { tsMs: p.tsMs, value: p.value, threshold: p.lower, bound: 'lower' };
    }
  }
  return undefined;
}

/**
 * Picks the alert's metric from its evidence window (`GET alerts/:id` → `evidence`) and derives
 * what the trend overlay marks: the band, the anomalous period and the first threshold crossing
 * (a declared physical limit first, else the expected band's edge; none for connectivity losses
 * and stuck sensors). The unit comes from the
 * detector evidence in the alert's score (`score.evidence.metrics[metric].unit`), never from the
 * metric's name.
 *
 * @returns undefined when the window holds no samples of any metric.
 */
export function toTrendModel(
  evidence: AlertDetail['evidence'] | undefined,
  card: AlertCardModel
): TrendModel | undefined {
  const series = evidence?.series ?? [];
  const chosen =
    series.find((s) => s.metric === card.metric && s.points.length > 0) ?? series.find((s) => s.points.length > 0);
  if (!chosen || !evidence) {
    return undefined;
  }
  const points = [...chosen.points]
    .filter((p) => Number.isFinite(p.tsMs) && Number.isFinite(p.value))
    .sort((a, b) => a.tsMs - b.tsMs);
  if (points.length === 0) {
    return undefined;
  }
  const me = metricEvidence(card, chosen.metric);
  // A silent device or a frozen sensor crosses no threshold that explains it: mark none.
  const valueAnomaly = !NO_CROSSING_TYPES.has(card.type ?? '');
  const anomalous = points.filter((p) => p.anomaly);
  const anomaly =
    anomalous.length > 0
      ? { fromMs: anomalous[0].tsMs, toMs: anomalous[anomalous.length - 1].tsMs }
      : card.firstSeenMs >= points[0].tsMs && card.firstSeenMs <= points[points.length - 1].tsMs
        ? { fromMs: card.firstSeenMs, toMs: Math.min(card.lastSeenMs, points[points.length - 1].tsMs) }
        : undefined;
  return {
    metric: chosen.metric,
    unit: me?.unit ?? '',
    fromMs: evidence.fromMs,
    toMs: evidence.toMs,
    points,
    hasBand: points.some((p) => p.lower !== undefined && p.upper !== undefined),
    anomaly,
    crossing: !valueAnomaly
      ? undefined
      : ((anomalous.length > 0
          ? findCrossing(
              points.filter((p) => p.tsMs >= anomalous[0].tsMs),
              me?.range
            )
          : undefined) ?? findCrossing(points, me?.range)),
  };
}

/** A value with the metric's unit, e.g. `41.3 °C` (3 significant decimals at most). */
export function formatWithUnit(value: number, unit: string): string {
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toFixed(decimals);
  return unit ? `${text} ${unit}` : text;
}
