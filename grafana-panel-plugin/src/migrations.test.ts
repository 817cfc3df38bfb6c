import type { PanelModel } from '@grafana/data';
import { migrateOptions } from './migrations';
import { type AlertsPanelOptions, DEFAULT_OPTIONS, SortBy } from './types';

const panel = (options: Record<string, unknown> | undefined, pluginVersion?: string) =>
  ({ id: 1, options, fieldConfig: { defaults: {}, overrides: [] }, pluginVersion }) as unknown as PanelModel<
    Partial<AlertsPanelOptions>
  >;

describe('migrateOptions', () => {
  it.each([
    ['a new panel gets the defaults', undefined, DEFAULT_OPTIONS],
    [
      'current options are kept',
      { ...DEFAULT_OPTIONS, compact: true, maxAlerts: 5 },
      { ...DEFAULT_OPTIONS, compact: true, maxAlerts: 5 },
    ],
    [
      'renamed options are carried over',
      { severity: 'high', sort: 'time', status: 'open', limit: 7, groupByIncidents: true, showTrends: false },
      {
        ...DEFAULT_OPTIONS,
        minSeverity: 'high',
        sortBy: SortBy.Time,
        statuses: ['open'],
        maxAlerts: 7,
        groupByIncident: true,
        showTrend: false,
      },
    ],
    [
      'today’s name wins over an old one',
      { severity: 'low', minSeverity: 'critical' },
      { ...DEFAULT_OPTIONS, minSeverity: 'critical' },
    ],
    [
      'invalid values fall back to defaults',
      { minSeverity: 'urgent', sortBy: 'random', statuses: ['open', 'gone'], maxAlerts: 'lots', compact: 'yes' },
      { ...DEFAULT_OPTIONS, statuses: ['open'] },
    ],
    ['maxAlerts is clamped high', { maxAlerts: 10_000 }, { ...DEFAULT_OPTIONS, maxAlerts: 500 }],
    ['maxAlerts is clamped low and rounded', { maxAlerts: 0.2 }, { ...DEFAULT_OPTIONS, maxAlerts: 1 }],
    ['an empty status list means every status', { statuses: [] }, { ...DEFAULT_OPTIONS, statuses: [] }],
  ])('%s', (_name, options, expected) => {
    expect(migrateOptions(panel(options, '0.9.0'))).toEqual(expected);
  });

  it('drops unknown options', () => {
    expect(Object.keys(migrateOptions(panel({ legacyColour: 'red' })))).toEqual(Object.keys(DEFAULT_OPTIONS));
  });
});
