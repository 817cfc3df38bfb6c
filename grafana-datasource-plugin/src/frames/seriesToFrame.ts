import { createDataFrame, type DataFrame, FieldType, type FieldConfig } from '@grafana/data';
import type { SeriesResult } from '../api/storeTypes';
import { grafanaUnit } from './grafanaUnit';

/**
 * The names of the Series frame's fields, in order: sample time, observed value, the detector's
 * expected value and band, that metric's anomaly score (0..1), and the anomaly flag.
 */
export const SERIES_FIELDS = ['time', 'value', 'expected', 'lower', 'upper', 'score', 'anomaly'] as const;

/**
 * Converts `GET series` into a time-series frame for Grafana's time-series panel and the Lucid
 * panel's trend overlay. Values, expected value and band carry the metric's unit in
 * `config.unit` (a Grafana unit id from the fleet's symbol); the band is drawn as a filled
 * region (`upper` fills below to `lower`), the expected value dashed, and `score`/`anomaly` stay
 * in the tooltip but out of the plot. Missing band values are null (the detector was warming up).
 * `meta.custom` keeps the raw sample count and the alerts overlapping the range.
 * @param unitSymbol the metric's unit symbol (e.g. `°C`) or a Grafana unit id; undefined: no unit.
 */
export function seriesToFrame(refId: string, series: SeriesResult, unitSymbol?: string): DataFrame {
  const unit = grafanaUnit(unitSymbol);
  const label = `${series.deviceId} ${series.metric}`;
  const pts = series.points;
  const inUnit = (displayName: string, extra: FieldConfig['custom'] = {}): FieldConfig => ({
    unit,
    displayName: `${label} ${displayName}`,
    custom: extra,
  });
  const notPlotted = { hideFrom: { viz: true, legend: true, tooltip: false } };
  return createDataFrame({
    refId,
    name: label,
    meta: {
      preferredVisualisationType: 'graph',
      custom: {
        kind: 'lucid-series',
        deviceId: series.deviceId,
        metric: series.metric,
        rawCount: series.rawCount,
        alerts: series.alerts,
      },
      notices: pts.length === 0 ? [{ severity: 'info', text: `No samples of ${label} in this range.` }] : [],
    },
    fields: [
      { name: 'time', type: FieldType.time, values: pts.map((p) => p.tsMs), config: {} },
      {
        name: 'value',
        type: FieldType.number,
        values: pts.map((p) => p.value),
        config: { ...inUnit('value'), displayName: label },
      },
      {
        name: 'expected',
        type: FieldType.number,
        values: pts.map((p) => p.expected ?? null),
        config: inUnit('expected', { lineStyle: { fill: 'dash', dash: [10, 10] } }),
      },
      {
        name: 'lower',
        type: FieldType.number,
        values: pts.map((p) => p.lower ?? null),
        config: inUnit('lower', { lineWidth: 0 }),
      },
      {
        name: 'upper',
        type: FieldType.number,
        values: pts.map((p) => p.upper ?? null),
        config: inUnit('upper', { lineWidth: 0, fillOpacity: 15, fillBelowTo: `${label} lower` }),
      },
      {
        name: 'score',
        type: FieldType.number,
        values: pts.map((p) => p.score ?? null),
        config: { displayName: `${label} anomaly score`, unit: 'percentunit', min: 0, max: 1, custom: notPlotted },
      },
      {
        name: 'anomaly',
        type: FieldType.boolean,
        values: pts.map((p) => p.anomaly),
        config: { displayName: `${label} anomaly`, custom: notPlotted },
      },
    ],
  });
}

/**
 * The unit symbol of a metric as the detector reported it in an alert's evidence
 * (`score.evidence.metrics[metric].unit`), or undefined.
 */
export function unitFromEvidence(evidence: unknown, metric: string): string | undefined {
  const metrics = (evidence as { metrics?: Record<string, { unit?: unknown }> } | undefined)?.metrics;
  const unit = metrics?.[metric]?.unit;
  return typeof unit === 'string' && unit !== '' ? unit : undefined;
}
