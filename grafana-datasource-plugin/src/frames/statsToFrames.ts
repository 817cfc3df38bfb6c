import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { StatsResult } from '../api/storeTypes';

/**
 * Counters of the alert-fatigue funnel: frame field name, the store's `StatsResult` key, the
 * counter name in buckets (`counters` table, snake case), and a display name.
 */
export const STATS_COUNTERS = [
  { name: 'detections', key: 'detections', bucket: 'detections', displayName: 'Detections' },
  { name: 'anomalies', key: 'anomalies', bucket: 'anomalies', displayName: 'Raw anomalies' },
  { name: 'alertsOpened', key: 'alertsOpened', bucket: 'alerts_opened', displayName: 'Alerts opened' },
  { name: 'alertUpdates', key: 'alertUpdates', bucket: 'alert_updates', displayName: 'Alert updates (de-duplicated)' },
  { name: 'alertsSuppressed', key: 'alertsSuppressed', bucket: 'alerts_suppressed', displayName: 'Alerts suppressed' },
  { name: 'alertsResolved', key: 'alertsResolved', bucket: 'alerts_resolved', displayName: 'Alerts resolved' },
  { name: 'incidentsOpened', key: 'incidentsOpened', bucket: 'incidents_opened', displayName: 'Incidents opened' },
  { name: 'notifications', key: 'notifications', bucket: 'notifications', displayName: 'Notifications' },
  { name: 'feedback', key: 'feedback', bucket: 'feedback', displayName: 'Feedback' },
] as const;

/**
 * Converts `GET stats` into frames: a one-row summary (counts over the range, then the reduction
 * ratios: anomalies per alert, alerts per incident, and the notification reduction
 * `1 − notifications / anomalies` as `percentunit`; null when undefined), and, when buckets were
 * asked for, a time series of every counter per bucket (missing counters are 0).
 */
export function statsToFrames(refId: string, stats: StatsResult): DataFrame[] {
  const summary = createDataFrame({
    refId,
    name: 'stats',
    meta: {
      preferredVisualisationType: 'table',
      custom: { kind: 'lucid-stats', fromMs: stats.fromMs, toMs: stats.toMs },
    },
    fields: [
      ...STATS_COUNTERS.map((c) => ({
        name: c.name,
        type: FieldType.number,
        values: [Number(stats[c.key] ?? 0)],
        config: { displayName: c.displayName, unit: 'short', decimals: 0 },
      })),
      {
        name: 'anomaliesPerAlert',
        type: FieldType.number,
        values: [stats.reduction?.anomaliesPerAlert ?? null],
        config: { displayName: 'Raw anomalies per alert', unit: 'none', decimals: 1 },
      },
      {
        name: 'alertsPerIncident',
        type: FieldType.number,
        values: [stats.reduction?.alertsPerIncident ?? null],
        config: { displayName: 'Alerts per incident', unit: 'none', decimals: 1 },
      },
      {
        name: 'notificationReduction',
        type: FieldType.number,
        values: [stats.reduction?.notificationReduction ?? null],
        config: { displayName: 'Notification reduction', unit: 'percentunit', min: 0, max: 1, decimals: 1 },
      },
    ],
  });
  if (!stats.buckets) {
    return [summary];
  }
  const buckets = stats.buckets;
  const series = createDataFrame({
    refId,
    name: 'stats over time',
    meta: { preferredVisualisationType: 'graph', custom: { kind: 'lucid-stats-buckets' } },
    fields: [
      { name: 'time', type: FieldType.time, values: buckets.map((b) => b.bucketMs), config: {} },
      ...STATS_COUNTERS.map((c) => ({
        name: c.name,
        type: FieldType.number,
        values: buckets.map((b) => Number(b[c.bucket] ?? 0)),
        config: { displayName: c.displayName, unit: 'short', decimals: 0 },
      })),
    ],
  });
  return [summary, series];
}
