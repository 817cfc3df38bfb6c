import { alertsFrame, evidenceFor, makeAlert, T0 } from '../__fixtures__/alertFixtures';
import { DEFAULT_OPTIONS } from '../types';
import { toAlertsViewModel, type AlertCardModel } from './alertsViewModel';
import { formatWithUnit, toTrendModel } from './trendModel';

function cardOf(alert: ReturnType<typeof makeAlert>): AlertCardModel {
  const vm = toAlertsViewModel([alertsFrame([alert])], DEFAULT_OPTIONS);
  if (vm.kind !== 'alerts') {
    throw new Error(vm.kind);
  }
  return vm.groups[0].cards[0];
}

describe('toTrendModel', () => {
  const alert = makeAlert({ id: 't1' });
  const card = cardOf(alert);
  const detail = evidenceFor(alert);

  it('keeps the metric, its unit from the detector evidence, the band and the anomalous period', () => {
    const m = toTrendModel(detail.evidence, card)!;
    expect(m.metric).toBe('temperature');
    expect(m.unit).toBe('°C');
    expect(m.hasBand).toBe(true);
    expect(m.points).toHaveLength(30);
    const anomalous = detail.evidence.series[0].points.filter((p) => p.anomaly);
    expect(m.anomaly).toEqual({ fromMs: anomalous[0].tsMs, toMs: anomalous[anomalous.length - 1].tsMs });
    expect([m.fromMs, m.toMs]).toEqual([detail.evidence.fromMs, detail.evidence.toMs]);
  });

  it('marks the physical limit first when the value crossed it', () => {
    const m = toTrendModel(detail.evidence, card)!;
    // values of the last 5 samples: 66.7, 70.4, 74.1, 77.8, 81.5 °C; the fleet's max is 80 °C
    expect(m.crossing).toMatchObject({ bound: 'max', threshold: 80 });
    expect(m.crossing!.value).toBeCloseTo(81.5, 6);
  });

  it('marks the band edge when no limit was crossed', () => {
    const noRange = makeAlert({ id: 't2' });
    (noRange.score.evidence as { metrics: Record<string, { range?: unknown }> }).metrics.temperature.range = undefined;
    const m = toTrendModel(evidenceFor(noRange).evidence, cardOf(noRange))!;
    expect(m.crossing).toMatchObject({ bound: 'upper', threshold: 65.5 });
    expect(m.crossing!.value).toBeCloseTo(66.7, 6);
  });

  it('uses the first/last seen as the anomalous period when no sample is flagged', () => {
    const d = evidenceFor(alert);
    d.evidence.series[0].points.forEach((p) => (p.anomaly = false));
    const m = toTrendModel(d.evidence, card)!;
    expect(m.anomaly).toEqual({ fromMs: T0, toMs: T0 + 60_000 });
  });

  it('falls back to the first metric with samples and an empty unit', () => {
    const d = evidenceFor(alert);
    d.evidence.series = [
      { metric: 'pressure', rawCount: 0, points: [] },
      { ...d.evidence.series[0], metric: 'vibration' },
    ];
    const m = toTrendModel(d.evidence, card)!;
    expect(m.metric).toBe('vibration');
    expect(m.unit).toBe('');
  });

  it.each([
    ['no evidence', undefined],
    ['no series', { fromMs: 0, toMs: 1, series: [] }],
    [
      'only non-finite samples',
      {
        fromMs: 0,
        toMs: 1,
        series: [{ metric: 'temperature', rawCount: 1, points: [{ tsMs: 1, value: NaN, anomaly: false }] }],
      },
    ],
  ])('is undefined for %s', (_n, evidence) => {
    expect(toTrendModel(evidence, card)).toBeUndefined();
  });

  it.each([
    [81.234, '°C', '81.2 °C'],
    [0.5, 'bar', '0.50 bar'],
    [1234.5, '', '1235'],
    [-3.14159, 'm/s²', '-3.14 m/s²'],
  ])('formats %p %p as %p', (v, unit, text) => {
    expect(formatWithUnit(v, unit)).toBe(text);
  });
});

describe('toTrendModel crossings by anomaly type', () => {
  it.each([
    ['spike', true],
    ['drift', true],
    ['connectivity_loss', false],
    ['stuck_sensor', false],
  ])('%s: crossing marked = %p', (type, marked) => {
    const a = makeAlert({ id: `c-${type}` });
    a.explanation = { ...a.explanation, type };
    const vm = toAlertsViewModel([alertsFrame([a])], DEFAULT_OPTIONS);
    if (vm.kind !== 'alerts') {
      throw new Error(vm.kind);
    }
    expect(toTrendModel(evidenceFor(a).evidence, vm.groups[0].cards[0])?.crossing !== undefined).toBe(marked);
  });
});
