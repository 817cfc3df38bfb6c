import {
  ALERT_STATUS_OPTIONS,
  AlertSort,
  DEFAULT_ALERT_LIMIT,
  DEFAULT_MAX_POINTS,
  INCIDENT_STATUS_OPTIONS,
  type LucidQuery,
  MAX_LIMIT,
  QueryType,
  SEVERITY_OPTIONS,
  SortOrder,
} from '../types';

/** Expands template variables: Grafana's `templateSrv.replace` bound to the request's scoped vars. */
export type Interpolate = (value: string, format?: string) => string;

/** Values that mean "every value" after interpolation of an "All" selection. */
const ALL_VALUES = new Set(['', '*', 'All', '$__all']);

/**
 * A query after template interpolation and validation: each single-value store filter holds
 * the list of values the user selected (a multi-value variable gives several; the store filters
 * one value, so several are applied on the fetched rows instead).
 */
export interface ResolvedQuery {
  refId: string;
  queryType: QueryType;
  severity?: string[];
  status?: string[];
  incidentStatus?: string[];
  site?: string[];
  device?: string[];
  incident?: string[];
  metric?: string[];
  text?: string;
  sort: AlertSort;
  order: SortOrder;
  limit: number;
  withFeedback: boolean;
  maxPoints: number;
  unit?: string;
  bucketMs?: number;
  live: boolean;
}

/** A query the store cannot answer, reported as that query's error (message names the field). */
export class QueryValidationError extends Error {
  constructor(
    readonly refId: string,
    message: string
  ) {
    super(message);
    this.name = 'QueryValidationError';
  }
}

/** Splits an interpolated value (`a,b` or `{a,b}`) into its values; "All" gives undefined. */
function expand(raw: string | undefined, interpolate: Interpolate): string[] | undefined {
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  const text = interpolate(raw.trim(), 'csv').trim();
  const inner = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1) : text;
  const values = raw.includes('$') ? inner.split(',').map((v) => v.trim()) : [inner];
  if (values.some((v) => ALL_VALUES.has(v))) {
    return undefined;
  }
  return [...new Set(values)];
}

function expandList(
  raw: string[] | undefined,
  interpolate: Interpolate,
  allowed: readonly string[],
  field: string,
  refId: string
): string[] | undefined {
  if (!raw || raw.length === 0) {
    return undefined;
  }
  const out = new Set<string>();
  for (const entry of raw) {
    const values = expand(entry, interpolate);
    if (!values) {
      return undefined;
    }
    for (const v of values.flatMap((x) => x.split(',')).map((x) => x.trim().toLowerCase())) {
      if (!allowed.includes(v)) {
        throw new QueryValidationError(refId, `${field}: "${v}" is not one of ${allowed.join(', ')}`);
      }
      out.add(v);
    }
  }
  return [...out];
}

function intIn(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  field: string,
  refId: string
): number {
  if (value === undefined || value === null || (typeof value === 'string' && value === '')) {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new QueryValidationError(refId, `${field}: expected an integer in ${min}..${max}, got ${String(value)}`);
  }
  return n;
}

/**
 * Interpolates template variables in a saved query and checks it, applying defaults.
 * @throws QueryValidationError naming the field when a value is out of range or unknown, or when
 *   a Series query lacks one device and one metric.
 * @example resolveQuery({ refId: 'A', queryType: QueryType.Alerts, site: '$site' }, (v) => v.replace('$site', 'north'))
 */
export function resolveQuery(query: LucidQuery, interpolate: Interpolate): ResolvedQuery {
  const refId = query.refId;
  const queryType = Object.values(QueryType).includes(query.queryType as QueryType)
    ? (query.queryType as QueryType)
    : QueryType.Alerts;
  const resolved: ResolvedQuery = {
    refId,
    queryType,
    severity: expandList(query.severity, interpolate, SEVERITY_OPTIONS, 'severity', refId),
    status: expandList(query.status, interpolate, ALERT_STATUS_OPTIONS, 'status', refId),
    incidentStatus: expandList(query.incidentStatus, interpolate, INCIDENT_STATUS_OPTIONS, 'incident status', refId),
    site: expand(query.site, interpolate),
    device: expand(query.device, interpolate),
    incident: expand(query.incident, interpolate),
    metric: expand(query.metric, interpolate),
    text: query.text?.trim() ? interpolate(query.text.trim()).trim() || undefined : undefined,
    sort: query.sort === AlertSort.Time ? AlertSort.Time : AlertSort.Priority,
    order: query.order === SortOrder.Asc ? SortOrder.Asc : SortOrder.Desc,
    limit: intIn(query.limit, DEFAULT_ALERT_LIMIT, 1, MAX_LIMIT, 'limit', refId),
    withFeedback: query.withFeedback !== false,
    maxPoints: intIn(query.maxPoints, DEFAULT_MAX_POINTS, 3, 10_000, 'max points', refId),
    unit: query.unit?.trim() || undefined,
    bucketMs: query.bucketMs ? intIn(query.bucketMs, 0, 60_000, 31 * 86_400_000, 'bucket (ms)', refId) : undefined,
    live: query.live === true,
  };
  if (resolved.bucketMs !== undefined && resolved.bucketMs % 60_000 !== 0) {
    throw new QueryValidationError(refId, `bucket (ms): expected a multiple of 60000, got ${resolved.bucketMs}`);
  }
  if (queryType === QueryType.Series) {
    if (resolved.device?.length !== 1 || resolved.metric?.length !== 1) {
      throw new QueryValidationError(refId, 'Series: choose exactly one device and one metric');
    }
  }
  return resolved;
}
