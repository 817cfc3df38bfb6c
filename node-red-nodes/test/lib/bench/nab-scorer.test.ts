import {
  NAB_PROFILES,
  NabFileInput,
  nabProbationLength,
  scaledSigmoid,
  scoreNabCorpus,
} from '../../../src/lib/bench/nab-scorer';

const STEP_MS = 300_000;
const T0 = Date.UTC(2014, 0, 1);

/** A file of `n` rows every 5 min, windows given as row ranges, scores from a row → score map. */
function file(
  name: string,
  n: number,
  windowRows: Array<[number, number]>,
  fire: Record<number, number>,
): NabFileInput {
  const tsMs = Array.from({ length: n }, (_, i) => T0 + i * STEP_MS);
  const scores = Array.from({ length: n }, (_, i) => fire[i] ?? 0);
  return { name, tsMs, scores, windows: windowRows.map(([a, b]) => [tsMs[a], tsMs[b]] as const) };
}

const CORPUS_WINDOWS: Array<[string, number, Array<[number, number]>]> = [
  [
    'a.csv',
    400,
    [
      [100, 139],
      [300, 339],
    ],
  ],
  ['b.csv', 1000, [[500, 599]]],
  ['c.csv', 200, []],
  [
    'd.csv',
    6000,
    [
      [1000, 1599],
      [4000, 4599],
    ],
  ],
];

describe('scaledSigmoid', () => {
  it.each([
    [-1, 0.98661],
    [-0.5, 0.84828],
    [0, 0],
    [1, -0.98661],
    [3.01, -1],
  ])('σ(%p) ≈ %p', (x, expected) => {
    expect(scaledSigmoid(x)).toBeCloseTo(expected, 5);
  });
});

describe('nabProbationLength', () => {
  it.each([
    [100, 15],
    [4032, 604],
    [22695, 750],
  ])('%p rows → %p', (rows, expected) => expect(nabProbationLength(rows)).toBe(expected));
});

describe('scoreNabCorpus', () => {
  it.each(Object.entries(NAB_PROFILES))('the null detector scores 0 (%s)', (_name, cost) => {
    const files = CORPUS_WINDOWS.map(([n, len, w]) => file(n, len, w, {}));
    const s = scoreNabCorpus(files, cost);
    expect(s.normalized).toBeCloseTo(0, 10);
    expect(s.threshold).toBe(1.1);
    expect(s.windowsMissed).toBe(5);
  });

  it.each(Object.entries(NAB_PROFILES))(
    'firing exactly at each window start scores 100 (%s)',
    (_name, cost) => {
      const files = CORPUS_WINDOWS.map(([n, len, w]) =>
        file(n, len, w, Object.fromEntries(w.map(([a]) => [a, 1]))),
      );
      const s = scoreNabCorpus(files, cost);
      expect(s.normalized).toBeCloseTo(100, 10);
      expect(s.windowsDetected).toBe(5);
      expect(s.falsePositives).toBe(0);
    },
  );

  it("firing at each window's last row scores just above 50 (no FN cost, little TP credit); mid-window lies between", () => {
    const atEnd = CORPUS_WINDOWS.map(([n, len, w]) =>
      file(n, len, w, Object.fromEntries(w.map(([, b]) => [b, 1]))),
    );
    const mid = CORPUS_WINDOWS.map(([n, len, w]) =>
      file(n, len, w, Object.fromEntries(w.map(([a, b]) => [Math.floor((a + b) / 2), 1]))),
    );
    const end = scoreNabCorpus(atEnd, NAB_PROFILES.standard).normalized;
    const middle = scoreNabCorpus(mid, NAB_PROFILES.standard).normalized;
    expect(end).toBeGreaterThan(50);
    expect(end).toBeLessThan(55);
    expect(middle).toBeGreaterThan(end);
    expect(middle).toBeLessThan(100);
  });

  // Hand-computed: 100 rows, probation = 15 rows, one window on rows 50..59 (width 10).
  // Row 55 scores 0.8: position −(59−55+1)/10 = −0.5 → σ = 0.848284, ÷ σ(−1) = 0.986614 → +0.859793.
  // Row 70 scores 0.9: position (70−59)/(59−50) = 1.2222 → σ = −0.995574, × 0.11 → −0.109513.
  // Row 20 scores 0.5: no preceding window → −0.11. Row 10 scores 1.0 but is probationary.
  // Sweep: 1.1 → −1; 1.0 → −1 (probation only); 0.9 → −1.109513; 0.8 → 0.750279; 0.5 → 0.640279.
  // Best threshold 0.8; normalised 100 · (0.750279 + 1) / (1 + 1) = 87.514.
  const hand = (): NabFileInput[] => [
    file('hand.csv', 100, [[50, 59]], { 10: 1, 20: 0.5, 55: 0.8, 70: 0.9 }),
  ];

  it('matches a hand-computed small case (standard)', () => {
    const s = scoreNabCorpus(hand(), NAB_PROFILES.standard);
    expect(s.threshold).toBe(0.8);
    expect(s.rawScore).toBeCloseTo(0.750279, 5);
    expect(s.normalized).toBeCloseTo(87.514, 3);
    expect(s.falsePositives).toBe(1);
    expect(s.perFile['hand.csv']).toBeCloseTo(0.750279, 5);
  });

  it('matches a hand-computed small case (reward low FN: A_FN = 2)', () => {
    // Same detections; null = −2, perfect = 1: 100 · (0.750279 + 2) / 3 = 91.676.
    const s = scoreNabCorpus(hand(), NAB_PROFILES.reward_low_FN_rate);
    expect(s.normalized).toBeCloseTo(91.676, 3);
  });

  it('matches the hand case under reward low FP (A_FP = 0.22)', () => {
    const s = scoreNabCorpus(hand(), NAB_PROFILES.reward_low_FP_rate);
    // 0.859793 − 2 · 0.109513 − 0 (row 20 excluded) = 0.640767; null −1 → 82.038.
    expect(s.threshold).toBe(0.8);
    expect(s.normalized).toBeCloseTo(82.038, 3);
  });

  it('counts an FP far after a window (> 3 widths) at the full −A_FP', () => {
    const s = scoreNabCorpus([file('far.csv', 200, [[50, 59]], { 50: 1, 150: 1 })], NAB_PROFILES.standard);
    expect(s.rawScore).toBeCloseTo(1 - 0.11, 10);
  });

  it('rejects scores that do not match the rows', () => {
    const f = file('bad.csv', 10, [], {});
    expect(() => scoreNabCorpus([{ ...f, scores: [0, 1] }], NAB_PROFILES.standard)).toThrow(RangeError);
    expect(() =>
      scoreNabCorpus([{ ...f, scores: Array.from(f.tsMs, () => NaN) }], NAB_PROFILES.standard),
    ).toThrow(/non-finite/);
  });
});
