import { expectationMatch, scoreCauseRule } from '../../../src/lib/explain/score-cause-rule';
import { metricMovement } from '../../../src/lib/explain/metric-movement';
import type { MetricView } from '../../../src/lib/explain/explain-context';
import type { CauseRule } from '../../../src/lib/explain/playbook';
import type { MetricEvidence } from '../../../src/lib/contracts/types';
import { moved, normal } from './fixtures';

const view = (ev: MetricEvidence): MetricView => ({
  ev,
  label: ev.metric,
  unit: '',
  movement: metricMovement(ev),
});
const views = (...evs: MetricEvidence[]) => Object.fromEntries(evs.map((e) => [e.metric, view(e)]));

describe('metricMovement', () => {
  it.each([
    ['at the expected value', normal('x', 10, 1), 'none', 0.05],
    ['at the band edge, low score', { ...normal('x', 10, 1), value: 11 }, 'up', 0.5],
    ['two half-bands below', { ...normal('x', 10, 1), value: 8 }, 'down', 1],
    ['strong detector score', moved('x', 10, 10.2, { score: 0.9 }), 'up', 0.9],
  ])('%s', (_n, ev, direction, strength) => {
    const m = metricMovement(ev as MetricEvidence);
    expect(m.direction).toBe(direction);
    expect(m.strength).toBeCloseTo(strength, 9);
  });

  const wide = (value: number, sigma: number): MetricEvidence => ({
    ...normal('h', 45, 10),
    value,
    score: 0.3,
    direction: value > 45 ? 'up' : value < 45 ? 'down' : 'none',
    baseline: { median: 45, mad: sigma / 1.4826, count: 200 },
  });

  it.each([
    // [case, evidence, accuracy, robustZ, strength]
    ['inside a wide band but 20 robust σ away: moved', wide(37, 0.4), undefined, 20, 1],
    ['4 robust σ: the movement threshold', wide(46.6, 0.4), undefined, 4, 0.5],
    ['3 robust σ: not moved', wide(46.2, 0.4), undefined, 3, 0.375],
    ['15 robust σ but within the sensor accuracy of ±2: not moved', wide(46.5, 0.1), 2, 3, 0.375],
    ['beyond the accuracy and 4 σ: moved', wide(47, 0.1), 2, 4, 0.5],
    ['no spread and no accuracy: robust scale unknown, band decides', wide(46, 0), undefined, 0, 0.3],
  ] as const)('%s', (_n, ev, accuracy, z, strength) => {
    const m = metricMovement(ev, { accuracy });
    expect(m.robustZ).toBeCloseTo(z, 9);
    expect(m.strength).toBeCloseTo(strength, 9);
    expect(m.strength >= 0.5).toBe(strength >= 0.5);
  });

  it('ignores a gap-only score: after a silence every series reports the gap, not a moved value', () => {
    const ev: MetricEvidence = {
      ...normal('t', 20, 1),
      score: 1,
      kind: 'gap',
      detectorScores: { gap: 1, level: 0.1 },
    };
    expect(metricMovement(ev).strength).toBeCloseTo(0.1, 9);
    expect(metricMovement({ ...ev, detectorScores: { gap: 1, level: 0.1, rate: 0.7 } }).strength).toBeCloseTo(
      0.7,
      9,
    );
  });
});

describe('expectationMatch', () => {
  it.each([
    ['up', 0.8, 0.8],
    ['up', -0.8, -0.8],
    ['down', -0.6, 0.6],
    ['change', -0.7, 0.7],
    ['steady', 0, 1],
    ['steady', 0.25, 0.5],
    ['steady', 1, -1],
  ] as const)('%s with movement %p → %p', (expect_, s, m) =>
    expect(expectationMatch(expect_, s)).toBeCloseTo(m, 9),
  );
});

describe('scoreCauseRule', () => {
  const rule: CauseRule = {
    id: 'r',
    label: 'R',
    family: 'process_anomaly',
    because: 'Because.',
    signature: [
      { metrics: ['a'], expect: 'up', weight: 1 },
      { metrics: ['b', 'B2'], expect: 'down', weight: 1 },
      { metrics: ['c'], expect: 'steady', weight: 0.5 },
    ],
  };

  it('scores a full match near 1 and lists the matching movements, then the reason', () => {
    const r = scoreCauseRule(
      rule,
      views(moved('a', 0, 2, { score: 1 }), moved('b', 0, -2, { score: 1 }), normal('c', 5)),
      new Set(['a', 'b']),
    );
    // (1·1 + 1·1 + 0.5·1) / 2.5 = 1 (c has no direction: steady)
    expect(r.match).toBeCloseTo(1, 9);
    expect(r.evidence).toEqual([
      'a rose to 2 (expected 0).',
      'b fell to -2 (expected 0).',
      'c stayed at 5 (expected 5).',
      'Because.',
    ]);
  });

  it('penalises a contradicting metric', () => {
    const full = scoreCauseRule(
      rule,
      views(moved('a', 0, 2, { score: 1 }), moved('b', 0, -2, { score: 1 }), normal('c', 5)),
      new Set(['a', 'b']),
    ).match;
    const contradicted = scoreCauseRule(
      rule,
      views(moved('a', 0, 2, { score: 1 }), moved('b', 0, -2, { score: 1 }), moved('c', 5, 9, { score: 1 })),
      new Set(['a', 'b']),
    ).match;
    // (1 + 1 + 0.5·(-1)) / 2.5
    expect(full).toBeCloseTo(1, 9);
    expect(contradicted).toBeCloseTo(0.6, 9);
  });

  it('matches metric names case-insensitively and discounts missing metrics by coverage', () => {
    const r = scoreCauseRule(
      rule,
      views(moved('A', 0, 2, { score: 1 }), moved('b2', 0, -2, { score: 1 })),
      new Set(['A', 'b2']),
    );
    // terms a and b present (weight 2 of 2.5), both matching 1 → 1 · 2/2.5
    expect(r.match).toBeCloseTo(0.8, 9);
  });

  it('is 0 when the rule does not explain an anomalous metric', () => {
    expect(
      scoreCauseRule(
        rule,
        views(moved('a', 0, 2, { score: 1 }), normal('b', 0), normal('c', 5)),
        new Set(['c']),
      ).match,
    ).toBe(0);
  });

  it('is 0 when less than half of the moving symptoms are there', () => {
    const three: CauseRule = {
      ...rule,
      signature: [
        { metrics: ['a'], expect: 'up' },
        { metrics: ['b'], expect: 'down' },
        { metrics: ['d'], expect: 'up', weight: 1.5 },
      ],
    };
    expect(
      scoreCauseRule(
        three,
        views(moved('a', 0, 2, { score: 1 }), normal('b', 0), normal('d', 0)),
        new Set(['a']),
      ).match,
    ).toBe(0);
  });
});
