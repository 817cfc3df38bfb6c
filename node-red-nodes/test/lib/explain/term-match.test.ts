import { resolveTermMetrics, termMatch } from '../../../src/lib/explain/term-match';
import type { MetricView } from '../../../src/lib/explain/explain-context';
import type { MetricExpectation } from '../../../src/lib/explain/playbook';

describe('termMatch', () => {
  const cases: [MetricExpectation, number, number][] = [
    ['up', 1, 1],
    ['up', 0.5, 0.5],
    ['up', 0.25, 0],
    ['up', 0, -0.5],
    ['up', -0.5, -1],
    ['down', -0.75, 1],
    ['down', 0, -0.5],
    ['down', 0.6, -1],
    ['change', -0.75, 1],
    ['change', 0.5, 0.5],
    ['change', 0, -0.5],
    ['steady', 0, 0.5],
    ['steady', 0.25, 0],
    ['steady', -0.5, -0.5],
    ['steady', 1, -1],
  ];
  it.each(cases)('%s with signed strength %p → %p', (expect_, s, m) =>
    expect(termMatch(expect_, s)).toBeCloseTo(m, 9),
  );

  it('never rewards a missing movement as much as a significant one', () => {
    for (const e of ['up', 'down', 'change'] as const) expect(termMatch(e, 0)).toBeLessThan(0);
    expect(termMatch('steady', 0)).toBeLessThan(termMatch('up', 0.75));
  });
});

describe('resolveTermMetrics', () => {
  const view = (metric: string) => ({ ev: { metric } }) as unknown as MetricView;
  const metrics = { Pressure: view('Pressure'), flow: view('flow') };
  it('finds names exactly first, then case-insensitively, in the term order, once each', () => {
    const found = resolveTermMetrics(
      { metrics: ['FLOW', 'pressure', 'Pressure', 'missing'], expect: 'up' },
      metrics,
    );
    expect(found.map((v) => v.ev.metric)).toEqual(['flow', 'Pressure']);
  });
});
