import { FieldType, type DataFrame } from '@grafana/data';
import { alertFixture, incidentFixture, MIN, seriesFixture, statsFixture, T0 } from '../testing/fixtures';
import { alertsToAnnotations } from './alertsToAnnotations';
import { ALERT_FIELDS, alertsToFrame, countFeedback } from './alertsToFrame';
import { grafanaUnit } from './grafanaUnit';
import { INCIDENT_FIELDS, incidentsToFrame } from './incidentsToFrame';
import { SERIES_FIELDS, seriesToFrame, unitFromEvidence } from './seriesToFrame';
import { STATS_COUNTERS, statsToFrames } from './statsToFrames';
import { SEVERITY_COLORS } from './severityColors';

const field = (frame: DataFrame, name: string) => {
  const f = frame.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`no field ${name} in ${frame.fields.map((x) => x.name).join(',')}`);
  }
  return f;
};

describe('alertsToFrame', () => {
  const a1 = alertFixture();
  const a2 = alertFixture({
    id: 'al-2',
    deviceId: 'pump-8',
    severity: 'critical',
    priority: 95,
    site: undefined,
    zone: undefined,
    signature: undefined,
  });
  const feedback = new Map([
    [
      'al-1',
      countFeedback([
        { verdict: 'useful' },
        { verdict: 'false_positive' },
        { verdict: 'useful' },
        { verdict: 'bogus' },
      ]),
    ],
  ]);
  const frame = alertsToFrame('A', [a1, a2], feedback, { total: 2 });

  it('has the documented fields, in order, with the refId and one row per alert', () => {
    expect(frame.refId).toBe('A');
    expect(frame.fields.map((f) => f.name)).toEqual([...ALERT_FIELDS]);
    expect(frame.length).toBe(2);
    expect(frame.meta?.preferredVisualisationType).toBe('table');
  });

  it.each([
    ['time', FieldType.time, [T0, T0]],
    ['lastSeen', FieldType.time, [T0 + 5 * MIN, T0 + 5 * MIN]],
    ['priority', FieldType.number, [82, 95]],
    ['severity', FieldType.string, ['high', 'critical']],
    ['status', FieldType.string, ['open', 'open']],
    ['device', FieldType.string, ['pump-7', 'pump-8']],
    ['site', FieldType.string, ['north', null]],
    ['zone', FieldType.string, ['line-2', null]],
    ['metric', FieldType.string, ['temperature', 'temperature']],
    ['type', FieldType.string, ['spike', 'spike']],
    ['title', FieldType.string, ['Temperature spike on pump-7', 'Temperature spike on pump-7']],
    ['incidentId', FieldType.string, ['inc-1', 'inc-1']],
    ['count', FieldType.number, [3, 3]],
    ['score', FieldType.number, [0.97, 0.97]],
    ['feedbackTotal', FieldType.number, [3, null]],
    ['signature', FieldType.string, ['c2lnbmF0dXJl', null]],
  ])('field %s is %s with the alert values', (name, type, values) => {
    const f = field(frame, name);
    expect(f.type).toBe(type);
    expect(f.values).toEqual(values);
  });

  it('keeps structured causes, actions, related devices, feedback counts and the whole alert', () => {
    expect(field(frame, 'causes').type).toBe(FieldType.other);
    expect(field(frame, 'causes').values[0][0]).toMatchObject({ cause: 'Localized overheating', confidence: 0.72 });
    expect(field(frame, 'actions').values[0]).toEqual([
      { action: 'Inspect cooling on line-2', why: 'Neighbours show the same rise' },
    ]);
    expect(field(frame, 'related').values[0][0].deviceId).toBe('pump-8');
    expect(field(frame, 'feedback').values[0]).toEqual({
      useful: 2,
      not_useful: 0,
      false_positive: 1,
      expected: 0,
      maintenance: 0,
      acknowledge: 0,
      resolve: 0,
    });
    expect(field(frame, 'feedback').values[1]).toBeNull();
    expect(field(frame, 'alert').values[1]).toBe(a2);
    expect(field(frame, 'alert').config.custom?.hidden).toBe(true);
  });

  it('sets units and ranges', () => {
    expect(field(frame, 'priority').config).toMatchObject({ unit: 'none', min: 0, max: 100 });
    expect(field(frame, 'score').config).toMatchObject({ unit: 'percentunit', min: 0, max: 1 });
    expect(field(frame, 'severity').config.mappings?.[0].options).toMatchObject({
      critical: { color: SEVERITY_COLORS.critical },
    });
  });

  it('gives an empty frame with every field for no alerts, and a notice when the page is partial', () => {
    const empty = alertsToFrame('B', [], new Map());
    expect(empty.refId).toBe('B');
    expect(empty.length).toBe(0);
    expect(empty.fields.map((f) => f.name)).toEqual([...ALERT_FIELDS]);
    expect(empty.meta?.notices).toEqual([]);
    const partial = alertsToFrame('C', [a1], new Map(), { total: 40, filteredOut: 2 });
    expect(partial.meta?.notices?.map((n) => n.text)).toEqual([
      expect.stringMatching(/Showing 1 of 40/),
      expect.stringMatching(/2 alerts of the fetched page/),
    ]);
  });
});

describe('seriesToFrame', () => {
  const frame = seriesToFrame('S', seriesFixture(), '°C');

  it('has time, value, expected, band, score and anomaly fields with the refId', () => {
    expect(frame.refId).toBe('S');
    expect(frame.name).toBe('pump-7 temperature');
    expect(frame.fields.map((f) => f.name)).toEqual([...SERIES_FIELDS]);
    expect(frame.fields.map((f) => f.type)).toEqual([
      FieldType.time,
      FieldType.number,
      FieldType.number,
      FieldType.number,
      FieldType.number,
      FieldType.number,
      FieldType.boolean,
    ]);
    expect(field(frame, 'time').values).toEqual([T0 - MIN, T0, T0 + MIN]);
    expect(field(frame, 'value').values).toEqual([61.2, 70.5, 79.2]);
    expect(field(frame, 'anomaly').values).toEqual([false, true, true]);
  });

  it('fills a missing band with nulls (detector warming up)', () => {
    expect(field(frame, 'expected').values).toEqual([61, 61, null]);
    expect(field(frame, 'lower').values).toEqual([57, 57, null]);
    expect(field(frame, 'upper').values).toEqual([65, 65, null]);
    expect(field(frame, 'score').values).toEqual([0.1, 0.9, null]);
  });

  it('puts the unit on value, expected and band fields, and draws the band from upper to lower', () => {
    for (const name of ['value', 'expected', 'lower', 'upper']) {
      expect(field(frame, name).config.unit).toBe('celsius');
    }
    expect(field(frame, 'score').config.unit).toBe('percentunit');
    expect(field(frame, 'upper').config.custom.fillBelowTo).toBe(field(frame, 'lower').config.displayName);
    expect(field(frame, 'anomaly').config.custom.hideFrom.viz).toBe(true);
    expect(frame.meta?.custom).toMatchObject({ rawCount: 1200, alerts: [expect.objectContaining({ id: 'al-1' })] });
  });

  it('has no unit when none is known, and a notice when there are no samples', () => {
    const empty = seriesToFrame('S', seriesFixture({ points: [] }));
    expect(empty.length).toBe(0);
    expect(field(empty, 'value').config.unit).toBeUndefined();
    expect(empty.meta?.notices?.[0].text).toMatch(/No samples of pump-7 temperature/);
  });

  it('reads the unit symbol from an alert evidence', () => {
    expect(unitFromEvidence(alertFixture().score.evidence, 'temperature')).toBe('°C');
    expect(unitFromEvidence(alertFixture().score.evidence, 'vibration')).toBeUndefined();
    expect(unitFromEvidence(undefined, 'temperature')).toBeUndefined();
    expect(unitFromEvidence({ metrics: { temperature: { unit: '' } } }, 'temperature')).toBeUndefined();
  });
});

describe('grafanaUnit', () => {
  it.each([
    ['°C', 'celsius'],
    ['°F', 'fahrenheit'],
    ['%RH', 'humidity'],
    ['kPa', 'pressurekpa'],
    ['rpm', 'rotrpm'],
    ['mm/s', 'suffix: mm/s'],
    ['ppm', 'suffix: ppm'],
    ['celsius', 'celsius'],
    ['suffix: x', 'suffix: x'],
    ['', undefined],
    [undefined, undefined],
  ])('%s -> %s', (symbol, unit) => {
    expect(grafanaUnit(symbol)).toBe(unit);
  });
});

describe('incidentsToFrame', () => {
  it('has one row per incident with alert count and top priority', () => {
    const frame = incidentsToFrame(
      'I',
      [
        incidentFixture(),
        incidentFixture({ id: 'inc-2', alertIds: ['x'], deviceIds: ['d'], topPriority: 40, site: undefined }),
      ],
      5
    );
    expect(frame.refId).toBe('I');
    expect(frame.fields.map((f) => f.name)).toEqual([...INCIDENT_FIELDS]);
    expect(field(frame, 'time').type).toBe(FieldType.time);
    expect(field(frame, 'alertCount').values).toEqual([2, 1]);
    expect(field(frame, 'topPriority').values).toEqual([82, 40]);
    expect(field(frame, 'devices').values).toEqual(['pump-7, pump-8', 'd']);
    expect(field(frame, 'site').values).toEqual(['north', null]);
    expect(frame.meta?.notices?.[0].text).toBe('Showing 2 of 5 incidents.');
  });

  it('gives an empty frame for no incidents', () => {
    const frame = incidentsToFrame('I', []);
    expect(frame.length).toBe(0);
    expect(frame.fields).toHaveLength(INCIDENT_FIELDS.length);
  });
});

describe('statsToFrames', () => {
  it('gives a one-row summary with counters and reduction ratios', () => {
    const [summary, ...rest] = statsToFrames('T', statsFixture());
    expect(rest).toHaveLength(0);
    expect(summary.refId).toBe('T');
    expect(summary.length).toBe(1);
    expect(summary.fields.map((f) => f.name)).toEqual([
      ...STATS_COUNTERS.map((c) => c.name),
      'anomaliesPerAlert',
      'alertsPerIncident',
      'notificationReduction',
    ]);
    expect(field(summary, 'detections').values).toEqual([36000]);
    expect(field(summary, 'alertsOpened').values).toEqual([12]);
    expect(field(summary, 'notificationReduction').values[0]).toBeCloseTo(0.98333, 4);
    expect(field(summary, 'notificationReduction').config.unit).toBe('percentunit');
  });

  it('keeps null ratios and adds a bucket time series when asked', () => {
    const frames = statsToFrames(
      'T',
      statsFixture({
        reduction: { anomaliesPerAlert: null, alertsPerIncident: null, notificationReduction: null },
        buckets: [
          { bucketMs: T0, detections: 10, alerts_opened: 1 },
          { bucketMs: T0 + 5 * MIN, anomalies: 4 },
        ],
      })
    );
    expect(frames).toHaveLength(2);
    expect(field(frames[0], 'anomaliesPerAlert').values).toEqual([null]);
    const series = frames[1];
    expect(series.refId).toBe('T');
    expect(field(series, 'time').values).toEqual([T0, T0 + 5 * MIN]);
    expect(field(series, 'detections').values).toEqual([10, 0]);
    expect(field(series, 'alertsOpened').values).toEqual([1, 0]);
    expect(field(series, 'anomalies').values).toEqual([0, 4]);
  });
});

describe('alertsToAnnotations', () => {
  it('maps alerts to annotation fields: region, title, text with top cause, tags, severity colour', () => {
    const resolved = alertFixture({
      id: 'al-9',
      status: 'resolved',
      resolvedMs: T0 + 9 * MIN,
      severity: 'critical',
      site: undefined,
    });
    const frame = alertsToAnnotations('Anno', [alertFixture(), resolved]);
    expect(frame.refId).toBe('Anno');
    expect(frame.fields.map((f) => f.name)).toEqual(['time', 'timeEnd', 'title', 'text', 'tags', 'color', 'id']);
    expect(field(frame, 'time').values).toEqual([T0, T0]);
    expect(field(frame, 'timeEnd').values).toEqual([T0 + 5 * MIN, T0 + 9 * MIN]);
    expect(field(frame, 'title').values[0]).toBe('[high] Temperature spike on pump-7');
    expect(field(frame, 'text').values[0]).toBe(
      'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate.\nProbable cause: Localized overheating (72%)'
    );
    expect(field(frame, 'tags').values).toEqual([
      ['high', 'open', 'north', 'pump-7', 'temperature', 'spike'],
      ['critical', 'resolved', 'pump-7', 'temperature', 'spike'],
    ]);
    expect(field(frame, 'color').values).toEqual([SEVERITY_COLORS.high, SEVERITY_COLORS.critical]);
  });
});
