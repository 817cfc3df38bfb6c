import type { PanelOptionsEditorBuilder, SelectableValue } from '@grafana/data';
import type { AlertStatus, Severity } from 'node-red-contrib-lucid';
import { SEVERITIES } from 'node-red-contrib-lucid/dist/lib/contracts/types';
import { ALERT_STATUSES, type AlertsPanelOptions, DEFAULT_OPTIONS, MAX_ALERTS_LIMIT, SortBy } from './types';

const FILTER = ['Alerts'];
const DISPLAY = ['Display'];

/** The panel's options editor: every option has a description and a category. */
export function addPanelOptions(
  builder: PanelOptionsEditorBuilder<AlertsPanelOptions>
): PanelOptionsEditorBuilder<AlertsPanelOptions> {
  return builder
    .addSelect({
      path: 'minSeverity',
      name: 'Minimum severity',
      description: 'Hide alerts less severe than this (Info shows every alert).',
      category: FILTER,
      defaultValue: DEFAULT_OPTIONS.minSeverity,
      settings: { options: SEVERITIES.map((s: Severity) => ({ value: s, label: s[0].toUpperCase() + s.slice(1) })) },
    })
    .addMultiSelect({
      path: 'statuses',
      name: 'Statuses',
      description: 'Alert statuses shown; empty shows every status.',
      category: FILTER,
      defaultValue: DEFAULT_OPTIONS.statuses,
      // Grafana types a multi-select's options with the option's (array) type; each option is one status.
      settings: {
        options: ALERT_STATUSES.map((s) => ({ value: s, label: s[0].toUpperCase() + s.slice(1) })) as unknown as Array<
          SelectableValue<AlertStatus[]>
        >,
      },
    })
    .addRadio({
      path: 'sortBy',
      name: 'Sort by',
      description:
        'Priority: most urgent first (priority, then severity, then last seen). Time: most recently seen first.',
      category: FILTER,
      defaultValue: DEFAULT_OPTIONS.sortBy,
      settings: {
        options: [
          { value: SortBy.Priority, label: 'Priority' },
          { value: SortBy.Time, label: 'Time' },
        ],
      },
    })
    .addBooleanSwitch({
      path: 'groupByIncident',
      name: 'Group by incident',
      description: 'One section per incident (alerts with a common cause), ordered by its most urgent alert.',
      category: FILTER,
      defaultValue: DEFAULT_OPTIONS.groupByIncident,
    })
    .addNumberInput({
      path: 'maxAlerts',
      name: 'Max alerts',
      description: `Cards shown at most (1–${MAX_ALERTS_LIMIT}), after filtering and sorting.`,
      category: FILTER,
      defaultValue: DEFAULT_OPTIONS.maxAlerts,
      settings: { min: 1, max: MAX_ALERTS_LIMIT, integer: true },
    })
    .addBooleanSwitch({
      path: 'showTrend',
      name: 'Show trend',
      description:
        "Draw each alert's evidence window: observed values, expected band, anomaly period and threshold crossing (one request per card).",
      category: DISPLAY,
      defaultValue: DEFAULT_OPTIONS.showTrend,
    })
    .addBooleanSwitch({
      path: 'showActions',
      name: 'Show actions',
      description: "Show the playbook's recommended actions as a checklist.",
      category: DISPLAY,
      defaultValue: DEFAULT_OPTIONS.showActions,
    })
    .addBooleanSwitch({
      path: 'compact',
      name: 'Compact mode',
      description: 'Show each alert as its header and summary until expanded: more alerts fit in a small panel.',
      category: DISPLAY,
      defaultValue: DEFAULT_OPTIONS.compact,
    });
}
