import type { Alert } from 'node-red-contrib-lucid';
import type { ResolvedQuery } from './resolveQuery';

const within = (values: string[] | undefined, value: string | undefined): boolean =>
  !values || (value !== undefined && values.includes(value));

/** The text an Alerts query's free-text filter searches (lower case). */
function searchable(a: Alert): string {
  const e = a.explanation;
  return [
    a.deviceId,
    a.site,
    a.zone,
    a.metric,
    e?.type,
    e?.title,
    e?.summary,
    e?.insight,
    ...(e?.causes ?? []).map((c) => c.cause),
  ]
    .filter((x): x is string => typeof x === 'string')
    .join('\n')
    .toLowerCase();
}

/**
 * True when an alert satisfies every filter of the query (severity, status, site, device,
 * incident, metric, free text). Used on fetched pages when the store cannot apply a filter
 * (several values, text) and on live events to decide whether a row belongs to the table.
 */
export function alertMatches(a: Alert, q: ResolvedQuery): boolean {
  if (!within(q.severity, a.severity) || !within(q.status, a.status)) {
    return false;
  }
  if (!within(q.site, a.site) || !within(q.device, a.deviceId) || !within(q.incident, a.incidentId)) {
    return false;
  }
  if (q.metric && !q.metric.includes(a.metric ?? a.explanation?.metric ?? '')) {
    return false;
  }
  return q.text === undefined || searchable(a).includes(q.text.toLowerCase());
}

/**
 * Orders alerts as the store does: by priority (then last seen, then id) or by last seen
 * (then id), descending unless `order` is asc. Returns a new array.
 */
export function sortAlerts(alerts: readonly Alert[], q: Pick<ResolvedQuery, 'sort' | 'order'>): Alert[] {
  const dir = q.order === 'asc' ? 1 : -1;
  const byId = (a: Alert, b: Alert): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...alerts].sort((a, b) => {
    const primary =
      q.sort === 'time' ? a.lastSeenMs - b.lastSeenMs : a.priority - b.priority || a.lastSeenMs - b.lastSeenMs;
    return dir * (primary || byId(a, b));
  });
}
