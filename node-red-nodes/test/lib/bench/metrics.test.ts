import { hitRateAtP, randomHitRateAtP } from '../../../src/lib/bench/hit-rate';
import { skabOutlierMetrics } from '../../../src/lib/bench/skab-metrics';
import { erfc, WindowedGaussianDetector } from '../../../src/lib/bench/windowed-gaussian';

describe('skabOutlierMetrics', () => {
  it('pools point-wise counts over files (hand-computed)', () => {
    // File 1: TP 2, FN 1, FP 1, TN 2. File 2: TP 1, FN 0, FP 0, TN 3. Pooled TP 3, FN 1, FP 1, TN 5.
    const m = skabOutlierMetrics([
      { labels: [0, 1, 1, 1, 0, 0], predictions: [1, 1, 1, 0, 0, 0] },
      { labels: [0, 0, 1, 0], predictions: [false, false, true, false] },
    ]);
    expect(m).toMatchObject({ tp: 3, fn: 1, fp: 1, tn: 5 });
    expect(m.f1).toBeCloseTo(3 / (3 + 1), 10); // 3 / (3 + (1 + 1) / 2)
    expect(m.farPct).toBeCloseTo((100 * 1) / 6, 10);
    expect(m.marPct).toBeCloseTo(25, 10);
  });

  it.each([
    ['null detector', [0, 0, 0], { f1: 0, farPct: 0, marPct: 100 }],
    ['perfect detector', [0, 1, 1], { f1: 1, farPct: 0, marPct: 0 }],
    ['all-alarm detector', [1, 1, 1], { f1: 0.8, farPct: 100, marPct: 0 }],
  ])('%s', (_name, predictions, expected) => {
    const m = skabOutlierMetrics([{ labels: [0, 1, 1], predictions }]);
    expect(m.f1).toBeCloseTo(expected.f1, 10);
    expect(m.farPct).toBeCloseTo(expected.farPct, 10);
    expect(m.marPct).toBeCloseTo(expected.marPct, 10);
  });

  it('is 0 everywhere for no data and rejects mismatched lengths', () => {
    expect(skabOutlierMetrics([])).toMatchObject({ f1: 0, farPct: 0, marPct: 0 });
    expect(() => skabOutlierMetrics([{ labels: [0, 1], predictions: [0] }])).toThrow(RangeError);
  });
});

describe('hitRateAtP', () => {
  it.each([
    // truth {3,7}, ranking 7,1,3: @100 keeps 2 → {7,1} → 1/2; @150 keeps 3 → all → 2/2.
    [[{ truth: [3, 7], ranking: [7, 1, 3] }], 100, 0.5],
    [[{ truth: [3, 7], ranking: [7, 1, 3] }], 150, 1],
    // truth {5}: @150 keeps ⌊1.5⌋ = 1.
    [[{ truth: [5], ranking: [2, 5] }], 150, 0],
    // mean of 1 and 1/3: truth {1,2,3} ranking 1,2,3 → 1; truth {4,5,6} ranking 4,9,8,7 → 1/3.
    [
      [
        { truth: [1, 2, 3], ranking: [1, 2, 3, 4] },
        { truth: [4, 5, 6], ranking: [4, 9, 8, 7] },
      ],
      100,
      (1 + 1 / 3) / 2,
    ],
  ])('case %#', (anomalies, p, expected) => {
    expect(hitRateAtP(anomalies, p)).toBeCloseTo(expected, 10);
  });

  it('rejects empty input and bad p', () => {
    expect(() => hitRateAtP([], 100)).toThrow(RangeError);
    expect(() => hitRateAtP([{ truth: [], ranking: [1] }], 100)).toThrow(RangeError);
    expect(() => hitRateAtP([{ truth: [1], ranking: [1] }], 0)).toThrow(RangeError);
  });
});

describe('randomHitRateAtP', () => {
  it('is m/D per anomaly (hand-computed) and matches a Monte-Carlo estimate', () => {
    // k = 2, D = 10: @100 → 2/10; @150 → 3/10. k = 4: @150 → 6/10. Mean @150 = 0.45.
    expect(randomHitRateAtP([[1, 2]], 10, 100)).toBeCloseTo(0.2, 10);
    expect(
      randomHitRateAtP(
        [
          [1, 2],
          [1, 2, 3, 4],
        ],
        10,
        150,
      ),
    ).toBeCloseTo(0.45, 10);
    expect(randomHitRateAtP([[1, 2, 3, 4, 5, 6, 7]], 10, 150)).toBeCloseTo(1, 10);
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const runs = 4000;
    let sum = 0;
    for (let r = 0; r < runs; r++) {
      const ranking = Array.from({ length: 10 }, (_, i) => i + 1).sort(() => rand() - 0.5);
      sum += hitRateAtP([{ truth: [1, 2, 3, 4], ranking }], 150);
    }
    expect(sum / runs).toBeCloseTo(0.6, 1);
  });
});

describe('erfc', () => {
  it.each([
    [0, 1],
    [0.5, 0.4795001222],
    [1, 0.1572992071],
    [2, 0.004677734981],
    [-1, 1.8427007929],
  ])('erfc(%p) ≈ %p', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(2e-7);
  });
});

describe('WindowedGaussianDetector', () => {
  it('scores 0 first, then 1 − Q(|z|) against the window so far (two-sided)', () => {
    const d = new WindowedGaussianDetector({ windowSize: 4, stepSize: 2, twoSided: true });
    expect(d.update(1)).toBe(0);
    // window [1]: σ = 0 → 1e-6, value 1 → z = 0 → 1 − 0.5 = 0.5.
    expect(d.update(1)).toBeCloseTo(0.5, 6);
    // window [1, 1], value 3: z huge → 1.
    expect(d.update(3)).toBeCloseTo(1, 6);
    // window [1, 1, 3]: μ = 5/3, σ = 0.942809; value 2 → z = 0.353553 → 1 − 0.5·erfc(0.25) = 0.638163.
    expect(d.update(2)).toBeCloseTo(0.638163, 5);
  });

  it('one-sided (NAB published run): Φ(z), so a fall scores low and a rise high', () => {
    const d = new WindowedGaussianDetector({ windowSize: 4, stepSize: 2 });
    [0, 2, 0, 2].forEach((v) => d.update(v));
    // Window μ = 1, σ = 1 (full window, no step yet): z = −1 → Φ = 0.158655; z = +1 → 0.841345.
    expect(d.update(0)).toBeCloseTo(0.158655, 5);
    const e = new WindowedGaussianDetector({ windowSize: 4, stepSize: 2 });
    [0, 2, 0, 2].forEach((v) => e.update(v));
    expect(e.update(2)).toBeCloseTo(0.841345, 5);
  });

  it('moves the full window by stepSize values at a time', () => {
    const d = new WindowedGaussianDetector({ windowSize: 4, stepSize: 2 });
    [0, 0, 10, 10].forEach((v) => d.update(v));
    // Window [0, 0, 10, 10]: μ = 5, σ = 5. One pending value does not move it.
    expect(d.update(5)).toBeCloseTo(0.5, 6);
    expect(d.update(5)).toBeCloseTo(0.5, 6);
    // Now the window is [10, 10, 5, 5]: μ = 7.5, σ = 2.5; value 7.5 → 0.5.
    expect(d.update(7.5)).toBeCloseTo(0.5, 6);
  });

  it('rejects bad options', () => {
    expect(() => new WindowedGaussianDetector({ windowSize: 1 })).toThrow(RangeError);
    expect(() => new WindowedGaussianDetector({ windowSize: 4, stepSize: 5 })).toThrow(RangeError);
  });
});
