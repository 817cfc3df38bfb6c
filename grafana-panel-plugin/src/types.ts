import type { AlertStatus, Severity } from 'node-red-contrib-lucid';

/** How cards are ordered. Stored in dashboards: never rename a value. */
export enum SortBy {
  /** Highest priority first, then most recently seen. */
  Priority = 'priority',
  /** Most recently seen first. */
  Time = 'time',
}

/** The panel's options, as saved in the dashboard JSON. */
export interface AlertsPanelOptions {
  /** Least severe severity shown (`info` shows everything). */
  minSeverity: Severity;
  /** Alert statuses shown. */
  statuses: AlertStatus[];
  sortBy: SortBy;
  /** One section per incident, ordered by its top alert. */
  groupByIncident: boolean;
  /** Cards shown at most, 1..500. */
  maxAlerts: number;
  /** Draw the evidence window's trend on each card. */
  showTrend: boolean;
  /** Show the recommended actions checklist. */
  showActions: boolean;
  /** One line per alert until expanded. */
  compact: boolean;
}

export const DEFAULT_MIN_SEVERITY: Severity = 'info';
export const DEFAULT_STATUSES: AlertStatus[] = ['open', 'acknowledged'];
export const DEFAULT_SORT_BY = SortBy.Priority;
export const DEFAULT_MAX_ALERTS = 20;
export const MAX_ALERTS_LIMIT = 500;

export const DEFAULT_OPTIONS: AlertsPanelOptions = {
  minSeverity: DEFAULT_MIN_SEVERITY,
  statuses: DEFAULT_STATUSES,
  sortBy: DEFAULT_SORT_BY,
  groupByIncident: false,
  maxAlerts: DEFAULT_MAX_ALERTS,
  showTrend: true,
  showActions: true,
  compact: false,
};

/** Every alert status, in the store's order. */
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];

/** Samples per metric asked of `GET alerts/:id` for the trend overlay. */
export const TREND_MAX_POINTS = 300;

/** The data source plugin this panel is made for. */
export const LUCID_DATASOURCE_TYPE = 'lucid-alerts-datasource';
