import { createDataFrame, type DataFrame, FieldType, type QueryResultMetaNotice } from '@grafana/data';
import type { Alert } from 'node-red-contrib-lucid';
import { FEEDBACK_VERDICTS, type FeedbackVerdict } from '../types';
import { SEVERITY_MAPPINGS } from './severityColors';

/** Feedback counts of one alert, every verdict present (0 when none). */
export type FeedbackCounts = Record<FeedbackVerdict, number>;

/** Counts verdicts of stored feedback entries. */
export function countFeedback(entries: ReadonlyArray<{ verdict: string }>): FeedbackCounts {
  const counts = Object.fromEntries(FEEDBACK_VERDICTS.map((v) => [v, 0])) as FeedbackCounts;
  for (const e of entries) {
    if (e.verdict in counts) {
      counts[e.verdict as FeedbackVerdict] += 1;
    }
  }
  return counts;
}

/** Extra facts about the page shown (from the store's `Page` and the client-side filter). */
export interface AlertsPageInfo {
  /** Matching alerts in the store over all pages. */
  total?: number;
  /** Rows dropped by the client-side filter (several values of a filter, free text). */
  filteredOut?: number;
}

/**
 * The names of the Alerts frame's fields, in order. The panel (lucid-alerts-panel) reads them by
 * name; `alert` holds the full signed Alert object for signature checks and details.
 */
export const ALERT_FIELDS = [
  'time',
  'lastSeen',
  'id',
  'priority',
  'severity',
  'status',
  'device',
  'site',
  'zone',
  'metric',
  'type',
  'title',
  'summary',
  'causes',
  'actions',
  'related',
  'incidentId',
  'count',
  'score',
  'feedback',
  'feedbackTotal',
  'signature',
  'alert',
] as const;

/**
 * Converts a page of alerts into a table frame, one row per alert, in the given order.
 * Times are epoch ms (`time` = first seen, `lastSeen`); `priority` is 0..100; `score` is the
 * calibrated anomaly score 0..1 (unit `percentunit`); `causes`, `actions`, `related` keep the
 * explanation's structured arrays; `feedback` holds per-verdict counts (null when not fetched).
 * @example alertsToFrame('A', page.items, new Map(), { total: page.total })
 */
export function alertsToFrame(
  refId: string,
  alerts: readonly Alert[],
  feedback: ReadonlyMap<string, FeedbackCounts>,
  info: AlertsPageInfo = {}
): DataFrame {
  const col = <T>(f: (a: Alert) => T): T[] => alerts.map(f);
  const counts = col((a) => feedback.get(a.id) ?? null);
  const notices: QueryResultMetaNotice[] = [];
  if (info.total !== undefined && info.total > alerts.length + (info.filteredOut ?? 0)) {
    notices.push({
      severity: 'info',
      text: `Showing ${alerts.length} of ${info.total} matching alerts; raise the limit or narrow the filters to see more.`,
    });
  }
  if (info.filteredOut) {
    notices.push({
      severity: 'info',
      text: `${info.filteredOut} alerts of the fetched page did not match the text or multi-value filters.`,
    });
  }
  return createDataFrame({
    refId,
    name: 'alerts',
    meta: {
      preferredVisualisationType: 'table',
      notices,
      custom: { kind: 'lucid-alerts', total: info.total ?? alerts.length },
    },
    fields: [
      {
        name: 'time',
        type: FieldType.time,
        values: col((a) => a.firstSeenMs),
        config: { displayName: 'Detected', description: 'First seen (epoch ms)' },
      },
      {
        name: 'lastSeen',
        type: FieldType.time,
        values: col((a) => a.lastSeenMs),
        config: { displayName: 'Last seen' },
      },
      { name: 'id', type: FieldType.string, values: col((a) => a.id), config: { displayName: 'Alert id' } },
      {
        name: 'priority',
        type: FieldType.number,
        values: col((a) => a.priority),
        config: {
          displayName: 'Priority',
          unit: 'none',
          min: 0,
          max: 100,
          decimals: 0,
          description: 'Severity × criticality × confidence × blast radius × recurrence, 0..100',
        },
      },
      {
        name: 'severity',
        type: FieldType.string,
        values: col((a) => a.severity),
        config: { displayName: 'Severity', mappings: SEVERITY_MAPPINGS },
      },
      { name: 'status', type: FieldType.string, values: col((a) => a.status), config: { displayName: 'Status' } },
      { name: 'device', type: FieldType.string, values: col((a) => a.deviceId), config: { displayName: 'Device' } },
      { name: 'site', type: FieldType.string, values: col((a) => a.site ?? null), config: { displayName: 'Site' } },
      { name: 'zone', type: FieldType.string, values: col((a) => a.zone ?? null), config: { displayName: 'Zone' } },
      {
        name: 'metric',
        type: FieldType.string,
        values: col((a) => a.metric ?? a.explanation?.metric ?? null),
        config: { displayName: 'Metric' },
      },
      {
        name: 'type',
        type: FieldType.string,
        values: col((a) => a.explanation?.type ?? null),
        config: { displayName: 'Type' },
      },
      {
        name: 'title',
        type: FieldType.string,
        values: col((a) => a.explanation?.title ?? null),
        config: { displayName: 'Title' },
      },
      {
        name: 'summary',
        type: FieldType.string,
        values: col((a) => a.explanation?.summary ?? null),
        config: { displayName: 'Summary' },
      },
      {
        name: 'causes',
        type: FieldType.other,
        values: col((a) => a.explanation?.causes ?? []),
        config: {
          displayName: 'Probable causes',
          description: '[{cause, confidence 0..1, evidence[]}] most likely first',
        },
      },
      {
        name: 'actions',
        type: FieldType.other,
        values: col((a) => a.explanation?.actions ?? []),
        config: { displayName: 'Actions', description: '[{action, why}] from the playbook' },
      },
      {
        name: 'related',
        type: FieldType.other,
        values: col((a) => a.explanation?.related ?? []),
        config: { displayName: 'Related devices', description: '[{deviceId, relation, similarity 0..1}]' },
      },
      {
        name: 'incidentId',
        type: FieldType.string,
        values: col((a) => a.incidentId ?? null),
        config: { displayName: 'Incident' },
      },
      {
        name: 'count',
        type: FieldType.number,
        values: col((a) => a.count),
        config: {
          displayName: 'Count',
          unit: 'short',
          decimals: 0,
          description: 'Anomalous detections de-duplicated into this alert',
        },
      },
      {
        name: 'score',
        type: FieldType.number,
        values: col((a) => a.score?.score ?? null),
        config: { displayName: 'Anomaly score', unit: 'percentunit', min: 0, max: 1 },
      },
      {
        name: 'feedback',
        type: FieldType.other,
        values: counts,
        config: {
          displayName: 'Feedback',
          description:
            'Operator verdicts: {useful, not_useful, false_positive, expected, maintenance, acknowledge, resolve}',
        },
      },
      {
        name: 'feedbackTotal',
        type: FieldType.number,
        values: counts.map((c) => (c ? Object.values(c).reduce((s, n) => s + n, 0) : null)),
        config: { displayName: 'Feedback count', unit: 'short', decimals: 0 },
      },
      {
        name: 'signature',
        type: FieldType.string,
        values: col((a) => a.signature ?? null),
        config: {
          displayName: 'Signature',
          description:
            'Ed25519 (base64url) over the canonical JSON of the alert without its signature; key at GET keys',
        },
      },
      {
        name: 'alert',
        type: FieldType.other,
        values: col((a) => a),
        config: { displayName: 'Alert', custom: { hidden: true }, description: 'The full alert object as stored' },
      },
    ],
  });
}
