import { computePriority, severityForPriority, type PriorityFactors } from '../../../src/lib/route/priority';
import { DEFAULT_ROUTE_OPTIONS, resolveRouteOptions } from '../../../src/lib/route/route-options';

const { weights, severityThresholds } = resolveRouteOptions({});
const base: PriorityFactors = {
  deviation: 0.5,
  criticality: 3,
  confidence: 0.5,
  blastRadius: 1,
  recurrence: 1,
  feedbackWeight: 1,
};
const p = (f: Partial<PriorityFactors>) =>
  computePriority({ ...base, ...f }, weights, severityThresholds).priority;

describe('computePriority', () => {
  // Each factor swept over its range: the priority never decreases and rises strictly
  // somewhere inside the range (so the factor is really used).
  const sweeps: [keyof PriorityFactors, number[]][] = [
    ['deviation', [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1]],
    ['criticality', [1, 2, 3, 4, 5]],
    ['confidence', [0, 0.25, 0.5, 0.75, 1]],
    ['blastRadius', [0, 1, 2, 5, 20, 100]],
    ['recurrence', [0, 1, 2, 5, 50]],
    ['feedbackWeight', [0.1, 0.5, 1, 1.5, 3]],
  ];
  it.each(sweeps)(
    'is monotone non-decreasing in %s and strictly increasing at mid-range',
    (factor, values) => {
      const ps = values.map((v) => p({ [factor]: v }));
      for (let i = 1; i < ps.length; i += 1) expect(ps[i]).toBeGreaterThanOrEqual(ps[i - 1]);
      expect(ps[ps.length - 1]).toBeGreaterThan(ps[0]);
      for (let i = 1; i < 3; i += 1) expect(ps[i]).toBeGreaterThan(ps[i - 1]);
    },
  );

  it('is monotone on a grid of all factors (each step up in any factor never lowers it)', () => {
    const grid = {
      deviation: [0, 0.5, 1],
      criticality: [1, 3, 5],
      confidence: [0, 1],
      blastRadius: [0, 3],
      recurrence: [0, 2],
      feedbackWeight: [0.5, 2],
    };
    const keys = Object.keys(grid) as (keyof typeof grid)[];
    const combos: PriorityFactors[] = [{ ...base }];
    for (const k of keys) {
      const next: PriorityFactors[] = [];
      for (const c of combos) for (const v of grid[k]) next.push({ ...c, [k]: v });
      combos.splice(0, combos.length, ...next);
    }
    for (const c of combos) {
      const here = computePriority(c, weights, severityThresholds).priority;
      expect(here).toBeGreaterThanOrEqual(0);
      expect(here).toBeLessThanOrEqual(100);
      for (const k of keys) {
        const vals = grid[k];
        const i = vals.indexOf(c[k]);
        if (i < vals.length - 1) {
          expect(
            computePriority({ ...c, [k]: vals[i + 1] }, weights, severityThresholds).priority,
          ).toBeGreaterThanOrEqual(here);
        }
      }
    }
  });

  it.each([
    [
      'all minimal',
      { deviation: 0, criticality: 1, confidence: 0, blastRadius: 0, recurrence: 0, feedbackWeight: 1 },
      0,
    ],
    [
      'all maximal',
      { deviation: 1, criticality: 5, confidence: 1, blastRadius: 1e9, recurrence: 1e9, feedbackWeight: 1 },
      100,
    ],
    [
      'heavily weighted up is capped',
      { deviation: 1, criticality: 5, confidence: 1, blastRadius: 0, recurrence: 0, feedbackWeight: 10 },
      100,
    ],
    // 100 × (0.35·0.9 + 0.25·1 + 0.15·0.8 + 0.15·0.5 + 0.1·0) = 76
    [
      'worked example',
      { deviation: 0.9, criticality: 5, confidence: 0.8, blastRadius: 2, recurrence: 0, feedbackWeight: 1 },
      76,
    ],
    [
      'garbage counts as minimal',
      {
        deviation: NaN,
        criticality: NaN,
        confidence: -3,
        blastRadius: -1,
        recurrence: NaN,
        feedbackWeight: NaN,
      },
      0,
    ],
  ])('%s → %d', (_name, factors, expected) => {
    expect(computePriority(factors, weights, severityThresholds).priority).toBeCloseTo(expected, 1);
  });

  it('is deterministic and rounded to 0.1', () => {
    const a = p({ deviation: 0.123456 });
    expect(a).toBe(p({ deviation: 0.123456 }));
    expect(Math.round(a * 10) / 10).toBe(a);
  });

  it('honours custom weights (only deviation counts)', () => {
    const o = resolveRouteOptions({
      weights: { deviation: 2, criticality: 0, confidence: 0, blastRadius: 0, recurrence: 0 },
    });
    expect(
      computePriority({ ...base, deviation: 0.42 }, o.weights, o.severityThresholds).priority,
    ).toBeCloseTo(42, 1);
  });
});

describe('severityForPriority', () => {
  it.each([
    [100, 'critical'],
    [80, 'critical'],
    [79.9, 'high'],
    [60, 'high'],
    [59.9, 'medium'],
    [40, 'medium'],
    [39.9, 'low'],
    [20, 'low'],
    [19.9, 'info'],
    [0, 'info'],
  ])('%d → %s', (priority, severity) => {
    expect(severityForPriority(priority, DEFAULT_ROUTE_OPTIONS.severityThresholds)).toBe(severity);
  });
});
