import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { AlertStatus, Feedback, Incident, Severity } from 'node-red-contrib-lucid';
import { FEEDBACK_VERDICTS } from 'node-red-contrib-lucid/dist/lib/contracts/types';

/** What a query asks the Lucid store for. Stored in dashboards: never rename a value. */
export enum QueryType {
  /** `GET alerts`: one table row per alert. */
  Alerts = 'alerts',
  /** `GET series`: a device metric with its expected band and anomaly flags. */
  Series = 'series',
  /** `GET incidents`: one table row per incident. */
  Incidents = 'incidents',
  /** `GET stats`: the alert-fatigue funnel over the range. */
  Stats = 'stats',
  /** Alerts as annotations (used by the annotation editor, not listed in the query editor). */
  Annotations = 'annotations',
}

/** Sort key of alerts (the store's `sort`). */
export enum AlertSort {
  Priority = 'priority',
  Time = 'time',
}

/** Sort direction (the store's `order`). */
export enum SortOrder {
  Desc = 'desc',
  Asc = 'asc',
}

/** What a template variable lists (`metricFindQuery`). */
export enum VariableKind {
  Sites = 'sites',
  Zones = 'zones',
  Devices = 'devices',
  Metrics = 'metrics',
}

/** Operator verdicts the store accepts on `POST alerts/:id/feedback`. */
export type FeedbackVerdict = Feedback['verdict'];

/** Every verdict, in the order the store documents them (defined once, in the shared contracts). */
export { FEEDBACK_VERDICTS };

export const SEVERITY_OPTIONS: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const ALERT_STATUS_OPTIONS: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];
export const INCIDENT_STATUS_OPTIONS: ReadonlyArray<Incident['status']> = ['open', 'resolved'];

/**
 * A Lucid query as saved in a dashboard. Filter strings may contain template variables
 * (`$site`); list filters may hold variables too (`['$severity']`), expanded as multi-values.
 */
export interface LucidQuery extends DataQuery {
  queryType?: QueryType;
  /** Alerts, incidents, annotations: severities to keep (empty: all). */
  severity?: string[];
  /** Alerts, annotations: alert statuses to keep (empty: all). */
  status?: string[];
  /** Incidents: incident statuses to keep (empty: all). */
  incidentStatus?: string[];
  /** Alerts, incidents, annotations: one site. */
  site?: string;
  /** Alerts, annotations: one device id. Series: the device (required). */
  device?: string;
  /** Alerts, annotations: one incident id. */
  incident?: string;
  /** Alerts: one metric. Series: the metric (required). */
  metric?: string;
  /** Alerts: case-insensitive text matched against title, summary, device, site, causes (applied to the fetched page). */
  text?: string;
  /** Alerts: sort key [priority]. */
  sort?: AlertSort;
  /** Alerts: sort direction [desc]. */
  order?: SortOrder;
  /** Alerts, incidents, annotations: rows per query, 1..1000 [100]. */
  limit?: number;
  /** Alerts: also fetch per-alert feedback counts (one extra request per alert row) [true]. */
  withFeedback?: boolean;
  /** Series: samples to return after LTTB down-sampling, 3..10000 [1000]. */
  maxPoints?: number;
  /** Series: unit override (a Grafana unit id such as `celsius`, or a symbol like `°C`). */
  unit?: string;
  /** Stats: also return a time series of counters in buckets of this many ms (multiple of 60000). */
  bucketMs?: number;
  /** Alerts: on dashboards whose range ends at now, keep the table updated from the store's event stream [false]. */
  live?: boolean;
}

export const DEFAULT_ALERT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const DEFAULT_MAX_POINTS = 1000;
/** Rows for which feedback counts are fetched at most (each costs one `GET alerts/:id`). */
export const MAX_FEEDBACK_LOOKUPS = 200;
/** Concurrent requests used to fetch feedback counts. */
export const FEEDBACK_LOOKUP_CONCURRENCY = 4;
/** Alerts scanned to list sites, zones, devices and metrics for template variables. */
export const VARIABLE_SCAN_LIMIT = 1000;
/** The store API major version this plugin speaks (from `openapi.json` `info.version`). */
export const SUPPORTED_API_MAJOR = 1;
/** The proxy route of plugin.json through which every request goes. */
export const PROXY_ROUTE = 'lucid';

export const DEFAULT_QUERY: Partial<LucidQuery> = {
  queryType: QueryType.Alerts,
  sort: AlertSort.Priority,
  order: SortOrder.Desc,
  limit: DEFAULT_ALERT_LIMIT,
  withFeedback: true,
  live: false,
};

/** A template-variable query (the variable editor saves this object). */
export interface LucidVariableQuery {
  kind: VariableKind;
  /** Only values seen at this site (may be a variable). */
  site?: string;
  /** Metrics: only this device's metrics (may be a variable). */
  device?: string;
}

export const DEFAULT_VARIABLE_QUERY: LucidVariableQuery = { kind: VariableKind.Sites };

/** A variable query as Grafana's custom variable support stores it (with a refId). */
export type LucidVariableDataQuery = DataQuery & LucidVariableQuery;

/** Options configured for each data source instance (visible to every Grafana user: no secrets). */
export interface LucidDataSourceOptions extends DataSourceJsonData {
  /** Root of the store API as seen from the Grafana server, e.g. `http://node-red:1880/lucid/api`. */
  apiUrl?: string;
}

/** Secrets: stored encrypted by Grafana, used only by the data proxy route, never sent to browsers. */
export interface LucidSecureJsonData {
  apiToken?: string;
}
