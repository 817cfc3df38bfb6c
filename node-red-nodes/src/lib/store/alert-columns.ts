import { SEVERITIES, type Alert } from '../contracts/types';
import type { SqlParam } from './sql-engine';

/** Longest id or metric name the store indexes. */
export const MAX_ID = 256;

/** Metrics whose samples make up an alert's evidence: its metric, plus every contributing one. */
export function involvedMetrics(alert: Alert): string[] {
  const set = new Set<string>();
  if (alert.metric) set.add(alert.metric);
  const contributions = alert.score?.contributions ?? {};
  for (const [m, c] of Object.entries(contributions))
    if (typeof c === 'number' && Number.isFinite(c) && c > 0) set.add(m);
  if (set.size === 0 && alert.score?.expected) for (const m of Object.keys(alert.score.expected)) set.add(m);
  return [...set].filter((m) => m.length <= MAX_ID).slice(0, 16);
}

/**
 * The indexed columns of an `alerts` row, derived from its signed body: the body is the truth
 * and these copies exist for filtering and sorting. The store writes them from here, and audit
 * verification recomputes them from here, so a column edited behind the store's back is found.
 */
export function alertColumns(body: Alert): Record<(typeof ALERT_COLUMN_NAMES)[number], SqlParam> {
  return {
    fingerprint: body.fingerprint,
    incident_id: body.incidentId ?? null,
    device_id: body.deviceId,
    site: body.site ?? null,
    zone: body.zone ?? null,
    tenant: body.tenant ?? null,
    metric: body.metric ?? null,
    severity: body.severity,
    severity_rank: SEVERITIES.indexOf(body.severity),
    priority: body.priority,
    status: body.status,
    first_seen_ms: body.firstSeenMs,
    last_seen_ms: body.lastSeenMs,
    resolved_ms: body.resolvedMs ?? null,
    metrics: involvedMetrics(body).join(','),
    hit_count: body.count,
  };
}

/** Column names of {@link alertColumns}, in table order. */
export const ALERT_COLUMN_NAMES = [
  'fingerprint',
  'incident_id',
  'device_id',
  'site',
  'zone',
  'tenant',
  'metric',
  'severity',
  'severity_rank',
  'priority',
  'status',
  'first_seen_ms',
  'last_seen_ms',
  'resolved_ms',
  'metrics',
  'hit_count',
] as const;

/**
 * Whether a column value read back from either engine equals the derived one (PostgreSQL
 * returns BIGINT as text; absent values are NULL; `metrics` is a set, in whichever order the
 * body's keys came when it was written).
 */
export function sameColumnValue(
  name: (typeof ALERT_COLUMN_NAMES)[number],
  stored: unknown,
  derived: SqlParam,
): boolean {
  if (stored === null || stored === undefined) return derived === null || derived === undefined;
  if (typeof derived === 'number') return Number(stored) === derived;
  if (name === 'metrics') return sortedList(String(stored)) === sortedList(String(derived));
  return String(stored) === String(derived);
}

const sortedList = (text: string): string => text.split(',').sort().join(',');
