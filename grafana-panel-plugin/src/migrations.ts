import type { PanelModel } from '@grafana/data';
import type { Severity } from 'node-red-contrib-lucid';
import { SEVERITIES } from 'node-red-contrib-lucid/dist/lib/contracts/types';
import { ALERT_STATUSES, type AlertsPanelOptions, DEFAULT_OPTIONS, MAX_ALERTS_LIMIT, SortBy } from './types';

/** Option names used before 1.0 (and by hand-written dashboards), mapped to today's. */
const RENAMED: Record<string, keyof AlertsPanelOptions> = {
  severity: 'minSeverity',
  sort: 'sortBy',
  status: 'statuses',
  limit: 'maxAlerts',
  groupByIncidents: 'groupByIncident',
  showTrends: 'showTrend',
};

/**
 * Grafana's migration handler: runs when a dashboard saved with another plugin version loads.
 * Renamed options are carried over, values are checked (unknown severity, statuses or sort fall
 * back to defaults, `maxAlerts` is clamped to 1..500) and missing options get their defaults, so a
 * future change of options only adds a case here.
 */
export function migrateOptions(panel: PanelModel<Partial<AlertsPanelOptions>>): AlertsPanelOptions {
  const raw: Record<string, unknown> = { ...(panel.options ?? {}) };
  for (const [from, to] of Object.entries(RENAMED)) {
    if (raw[from] !== undefined && raw[to] === undefined) {
      raw[to] = raw[from];
    }
    delete raw[from];
  }
  const statusList = Array.isArray(raw.statuses)
    ? raw.statuses
    : typeof raw.statuses === 'string'
      ? [raw.statuses]
      : undefined;
  const maxAlerts = Number(raw.maxAlerts);
  return {
    minSeverity: SEVERITIES.includes(raw.minSeverity as Severity)
      ? (raw.minSeverity as Severity)
      : DEFAULT_OPTIONS.minSeverity,
    statuses: statusList
      ? (statusList.filter((s) => ALERT_STATUSES.includes(s as never)) as AlertsPanelOptions['statuses'])
      : DEFAULT_OPTIONS.statuses,
    sortBy: Object.values(SortBy).includes(raw.sortBy as SortBy) ? (raw.sortBy as SortBy) : DEFAULT_OPTIONS.sortBy,
    groupByIncident: typeof raw.groupByIncident === 'boolean' ? raw.groupByIncident : DEFAULT_OPTIONS.groupByIncident,
    maxAlerts:
      Number.isFinite(maxAlerts) && raw.maxAlerts !== null && raw.maxAlerts !== ''
        ? Math.min(MAX_ALERTS_LIMIT, Math.max(1, Math.round(maxAlerts)))
        : DEFAULT_OPTIONS.maxAlerts,
    showTrend: typeof raw.showTrend === 'boolean' ? raw.showTrend : DEFAULT_OPTIONS.showTrend,
    showActions: typeof raw.showActions === 'boolean' ? raw.showActions : DEFAULT_OPTIONS.showActions,
    compact: typeof raw.compact === 'boolean' ? raw.compact : DEFAULT_OPTIONS.compact,
  };
}
