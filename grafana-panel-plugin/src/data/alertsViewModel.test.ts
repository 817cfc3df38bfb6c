import { FieldType, toDataFrame } from '@grafana/data';
import { alertsFrame, makeAlert, makeNarratedAlert, T0 } from '../__fixtures__/alertFixtures';
import { DEFAULT_OPTIONS, SortBy } from '../types';
import { ALERT_FRAME_FIELDS as F } from './alertFrameFields';
import { toAlertsViewModel } from './alertsViewModel';

const alerts = [
  makeAlert({ id: 'a-low', priority: 22, severity: 'low', lastSeenMs: T0 + 500_000, incidentId: 'inc-1' }),
  makeAlert({ id: 'a-top', priority: 91, severity: 'critical', lastSeenMs: T0 + 100_000, incidentId: 'inc-2' }),
  makeAlert({
    id: 'a-mid',
    priority: 55,
    severity: 'medium',
    lastSeenMs: T0 + 300_000,
    incidentId: 'inc-1',
    status: 'acknowledged',
  }),
  makeAlert({
    id: 'a-res',
    priority: 70,
    severity: 'high',
    lastSeenMs: T0 + 400_000,
    incidentId: 'inc-3',
    status: 'resolved',
  }),
  makeAlert({ id: 'a-info', priority: 5, severity: 'info', lastSeenMs: T0 + 200_000, incidentId: 'inc-2' }),
];
const frame = alertsFrame(alerts);
const ids = (vm: ReturnType<typeof toAlertsViewModel>) =>
  vm.kind === 'alerts' ? vm.groups.flatMap((g) => g.cards.map((c) => c.id)) : vm.kind;

describe('toAlertsViewModel', () => {
  it.each([
    ['priority order, default statuses (open + acknowledged)', {}, ['a-top', 'a-mid', 'a-low', 'a-info']],
    ['time order', { sortBy: SortBy.Time }, ['a-low', 'a-mid', 'a-info', 'a-top']],
    ['minimum severity medium', { minSeverity: 'medium' as const }, ['a-top', 'a-mid']],
    ['every status (empty list)', { statuses: [] }, ['a-top', 'a-res', 'a-mid', 'a-low', 'a-info']],
    ['only resolved', { statuses: ['resolved' as const] }, ['a-res']],
    ['max alerts 2', { maxAlerts: 2 }, ['a-top', 'a-mid']],
    ['max alerts below 1 still shows one', { maxAlerts: 0 }, ['a-top']],
  ])('%s', (_name, opts, expected) => {
    expect(ids(toAlertsViewModel([frame], { ...DEFAULT_OPTIONS, ...opts }))).toEqual(expected);
  });

  it('groups by incident, groups ordered by their most urgent alert', () => {
    const vm = toAlertsViewModel([frame], { ...DEFAULT_OPTIONS, groupByIncident: true });
    expect(vm.kind).toBe('alerts');
    if (vm.kind !== 'alerts') {
      return;
    }
    expect(vm.groups.map((g) => [g.incidentId, g.cards.map((c) => c.id), g.topPriority, g.topSeverity])).toEqual([
      ['inc-2', ['a-top', 'a-info'], 91, 'critical'],
      ['inc-1', ['a-mid', 'a-low'], 55, 'medium'],
    ]);
  });

  it('reads the full alert object: explanation, causes by confidence, counts, signature', () => {
    const a = makeAlert({ id: 'x', count: 12, signature: 'sig', lastSeenMs: T0 + 3_600_000 });
    a.explanation.causes = [...a.explanation.causes].reverse();
    const vm = toAlertsViewModel(
      [
        alertsFrame(
          [a],
          [{ useful: 2, not_useful: 0, false_positive: 1, expected: 0, maintenance: 0, acknowledge: 0, resolve: 0 }]
        ),
      ],
      DEFAULT_OPTIONS
    );
    if (vm.kind !== 'alerts') {
      throw new Error(vm.kind);
    }
    const card = vm.groups[0].cards[0];
    expect(card).toMatchObject({
      id: 'x',
      deviceId: 'press-07',
      site: 'plant-a',
      zone: 'line-2',
      metric: 'temperature',
      count: 12,
      lastSeenMs: T0 + 3_600_000,
      title: 'Temperature spike on press-07',
      summary: 'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate.',
      signature: 'sig',
      feedback: { useful: 2, false_positive: 1, resolve: 0 },
    });
    expect(card.causes.map((c) => c.confidence)).toEqual([0.62, 0.21]);
    expect(card.actions).toHaveLength(2);
    expect(card.related[0].deviceId).toBe('press-08');
    expect(card.score).toBeCloseTo(0.97, 6);
    expect(card.alert).toBe(a);
  });

  it('falls back to the flat columns when the frame has no alert objects (e.g. JSON strings from a CSV)', () => {
    const flat = toDataFrame({
      name: 'alerts',
      fields: [
        { name: F.firstSeen, type: FieldType.time, values: [T0] },
        { name: F.id, type: FieldType.string, values: ['f1'] },
        { name: F.priority, type: FieldType.number, values: [140] },
        { name: F.severity, type: FieldType.string, values: ['critical'] },
        { name: F.status, type: FieldType.string, values: ['open'] },
        { name: F.device, type: FieldType.string, values: ['pump-1'] },
        { name: F.title, type: FieldType.string, values: ['Pressure drop'] },
        { name: F.causes, type: FieldType.string, values: ['[{"cause":"Leak","confidence":0.8,"evidence":[]}]'] },
      ],
    });
    const vm = toAlertsViewModel([flat], DEFAULT_OPTIONS);
    if (vm.kind !== 'alerts') {
      throw new Error(vm.kind);
    }
    const card = vm.groups[0].cards[0];
    expect(card).toMatchObject({
      id: 'f1',
      priority: 100,
      title: 'Pressure drop',
      summary: '',
      count: 1,
      lastSeenMs: T0,
      feedback: null,
      alert: undefined,
    });
    expect(card.causes).toEqual([{ cause: 'Leak', confidence: 0.8, evidence: [] }]);
  });

  it('merges several frames, de-duplicating by id (the later frame wins)', () => {
    const newer = makeAlert({
      id: 'a-top',
      priority: 91,
      severity: 'critical',
      status: 'acknowledged',
      incidentId: 'inc-2',
    });
    const vm = toAlertsViewModel([frame, alertsFrame([newer], undefined, 'B')], DEFAULT_OPTIONS);
    expect(vm.kind === 'alerts' && vm.received).toBe(5);
    expect(vm.kind === 'alerts' && vm.groups[0].cards[0].status).toBe('acknowledged');
  });

  it.each([
    ['no frames', []],
    ['a frame without fields', [toDataFrame({ fields: [] })]],
    ['an Alerts frame without rows', [alertsFrame([])]],
  ])('is empty for %s', (_name, frames) => {
    expect(toAlertsViewModel(frames, DEFAULT_OPTIONS)).toEqual({ kind: 'empty', received: 0 });
  });

  it('is empty (with the count received) when the filters hide everything', () => {
    expect(
      toAlertsViewModel([frame], { ...DEFAULT_OPTIONS, minSeverity: 'critical', statuses: ['suppressed'] })
    ).toEqual({ kind: 'empty', received: 5 });
  });

  it('reports a schema mismatch for a time series frame, naming the missing fields', () => {
    const series = toDataFrame({
      name: 'temperature',
      fields: [
        { name: 'time', type: FieldType.time, values: [T0] },
        { name: 'value', type: FieldType.number, values: [1] },
      ],
    });
    expect(toAlertsViewModel([series], DEFAULT_OPTIONS)).toEqual({
      kind: 'schema_mismatch',
      missing: ['id', 'severity', 'priority', 'status', 'device'],
      frameNames: ['temperature'],
    });
  });

  it('skips rows without an id and garbage values without throwing', () => {
    const bad = toDataFrame({
      fields: [
        { name: F.firstSeen, type: FieldType.time, values: [T0, 'x'] },
        { name: F.id, type: FieldType.string, values: [null, 'ok'] },
        { name: F.priority, type: FieldType.number, values: [1, 'NaN'] },
        { name: F.severity, type: FieldType.string, values: ['high', 42] },
        { name: F.status, type: FieldType.string, values: ['open', 'open'] },
        { name: F.device, type: FieldType.string, values: ['d', undefined] },
        { name: F.alert, type: FieldType.other, values: [{}, 'not an alert'] },
      ],
    });
    const vm = toAlertsViewModel([bad], DEFAULT_OPTIONS);
    expect(ids(vm)).toEqual(['ok']);
    expect(vm.kind === 'alerts' && vm.groups[0].cards[0]).toMatchObject({
      priority: 0,
      severity: 'info',
      firstSeenMs: 0,
      deviceId: '',
    });
  });
});

describe('toAlertsViewModel: narrative and explanation history', () => {
  const cardOf = (alert: ReturnType<typeof makeAlert>) => {
    const vm = toAlertsViewModel([alertsFrame([alert])], { ...DEFAULT_OPTIONS, statuses: [] });
    if (vm.kind !== 'alerts') {
      throw new Error(vm.kind);
    }
    return vm.groups[0].cards[0];
  };

  it('reads the generated narrative and the history, oldest first', () => {
    const card = cardOf(makeNarratedAlert('n1'));
    expect(card.narrative).toMatchObject({ model: 'llama3.2:3b', generated: true });
    expect(card.history.map((h) => `${h.cause} ${h.confidence}`)).toEqual([
      'Sensor fault 0.4',
      'Cooling fan failure 0.62',
    ]);
  });

  it.each([
    ['not marked as generated', { generated: false }],
    ['without a model name', { model: '' }],
    ['without text', { text: '' }],
  ])('shows no narrative %s (template text only)', (_name, bad) => {
    const alert = makeNarratedAlert('n2');
    alert.explanation = { ...alert.explanation, narrative: { ...alert.explanation.narrative!, ...bad } as never };
    expect(cardOf(alert).narrative).toBeUndefined();
  });

  it('has an empty history and no narrative for an alert without them', () => {
    const card = cardOf(makeAlert({ id: 'plain' }));
    expect(card.history).toEqual([]);
    expect(card.narrative).toBeUndefined();
  });
});
