import type { Alert, AlertEvent } from 'node-red-contrib-lucid';
import { alertMatches, sortAlerts } from '../query/filterAlerts';
import type { ResolvedQuery } from '../query/resolveQuery';

/**
 * The rows of a live Alerts table after one stream event: the event's alert replaces the row
 * with its id (or is added), or leaves the table when it no longer matches the query's filters
 * (e.g. resolved while the query shows open alerts only); rows are re-sorted as the store sorts
 * them and cut to the query's limit. Events arrive in audit order, so the latest one wins.
 * Returns a new array; the input is not changed.
 */
export function applyAlertEvent(rows: readonly Alert[], event: AlertEvent, q: ResolvedQuery): Alert[] {
  const alert = event.alert;
  const others = rows.filter((a) => a.id !== alert.id);
  if (!alertMatches(alert, q)) {
    return others.length === rows.length ? [...rows] : others;
  }
  return sortAlerts([...others, alert], q).slice(0, q.limit);
}
