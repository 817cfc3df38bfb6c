import type { AlertsParams, IncidentsParams, SeriesParams, StatsParams } from '../api/LucidApi';
import { MAX_LIMIT } from '../types';
import type { ResolvedQuery } from './resolveQuery';

/** A dashboard time range in epoch ms. */
export interface RangeMs {
  fromMs: number;
  toMs: number;
}

/** The single value of a filter the store can apply itself, or undefined. */
const single = (values: string[] | undefined): string | undefined => (values?.length === 1 ? values[0] : undefined);

/** True when some single-value filter holds several values, so rows must be filtered client-side. */
export function needsClientFilter(q: ResolvedQuery): boolean {
  return [q.site, q.device, q.incident, q.metric].some((v) => (v?.length ?? 0) > 1) || q.text !== undefined;
}

/**
 * `GET alerts` params for an Alerts or Annotations query over a range: alerts active in the range
 * (last seen ≥ from, first seen ≤ to). When rows are filtered client-side (several sites, free
 * text) the store is asked for its maximum page so the filter sees as many rows as possible.
 */
export function alertsParams(q: ResolvedQuery, range: RangeMs): AlertsParams {
  return {
    from: Math.floor(range.fromMs),
    to: Math.ceil(range.toMs),
    severity: q.severity,
    status: q.status,
    site: single(q.site),
    device: single(q.device),
    incident: single(q.incident),
    metric: single(q.metric),
    sort: q.sort,
    order: q.order,
    limit: needsClientFilter(q) ? MAX_LIMIT : q.limit,
  };
}

/** `GET incidents` params: incidents overlapping the range. */
export function incidentsParams(q: ResolvedQuery, range: RangeMs): IncidentsParams {
  return {
    from: Math.floor(range.fromMs),
    to: Math.ceil(range.toMs),
    status: q.incidentStatus,
    severity: q.severity,
    site: single(q.site),
    limit: (q.site?.length ?? 0) > 1 ? MAX_LIMIT : q.limit,
  };
}

/**
 * `GET series` params. `maxPoints` is capped by the panel's width in pixels (`maxDataPoints`)
 * when Grafana gives one, as Grafana's own datasources do.
 */
export function seriesParams(q: ResolvedQuery, range: RangeMs, maxDataPoints?: number): SeriesParams {
  const cap = maxDataPoints && maxDataPoints >= 3 ? Math.min(q.maxPoints, Math.floor(maxDataPoints)) : q.maxPoints;
  return {
    device: q.device![0],
    metric: q.metric![0],
    from: Math.floor(range.fromMs),
    to: Math.ceil(range.toMs),
    maxPoints: cap,
  };
}

/** `GET stats` params. */
export function statsParams(q: ResolvedQuery, range: RangeMs): StatsParams {
  return { from: Math.floor(range.fromMs), to: Math.ceil(range.toMs), bucketMs: q.bucketMs };
}
