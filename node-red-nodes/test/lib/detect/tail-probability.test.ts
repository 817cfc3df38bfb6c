import {
  fisherSurprise,
  logErfc,
  normalQuantileForSurprise,
  surpriseToScore,
  twoSidedNormalSurprise,
} from '../../../src/lib/detect/tail-probability';

describe('tail probabilities', () => {
  it.each([
    { x: 0, erfc: 1 },
    { x: 0.5, erfc: 0.4795001221869535 },
    { x: 1, erfc: 0.15729920705028513 },
    { x: 3, erfc: 2.209049699858544e-5 },
    { x: 6, erfc: 2.1519736712498913e-17 },
    { x: -1, erfc: 1.8427007929497148 },
  ])('logErfc($x) matches erfc = $erfc to 1e-6 relative', ({ x, erfc }) => {
    expect(Math.abs(Math.exp(logErfc(x)) / erfc - 1)).toBeLessThan(1e-6);
  });

  it('does not underflow far in the tail', () => {
    // Asymptotic series: erfc(x) ≈ e^{−x²} / (x√π) × (1 − 1/(2x²)).
    expect(logErfc(30)).toBeCloseTo(-900 - Math.log(30 * Math.sqrt(Math.PI)) + Math.log(1 - 1 / 1800), 4);
  });

  it.each([
    { z: 1.959964, s: -Math.log10(0.05) },
    { z: 3.290527, s: 3 },
    { z: -3.290527, s: 3 },
    { z: 0, s: 0 },
  ])('two-sided normal surprise of z=$z is $s', ({ z, s }) => {
    expect(twoSidedNormalSurprise(z)).toBeCloseTo(s, 4);
  });

  it('maps surprise to a score in [0, 1]: 0.5 at p = 1e-5', () => {
    expect(surpriseToScore(5)).toBeCloseTo(0.5, 12);
    expect(surpriseToScore(-1)).toBe(0);
    expect(surpriseToScore(NaN)).toBe(0);
    expect(surpriseToScore(50)).toBe(1);
  });

  it.each([2, 5, 8.5])('normalQuantileForSurprise inverts the surprise (S = %p)', (s) => {
    expect(twoSidedNormalSurprise(normalQuantileForSurprise(s))).toBeCloseTo(s, 6);
  });

  it.each([
    { surprises: [3], expected: 3 },
    // Two p = 0.05: X = −2 ln 0.0025 = 11.98, P(χ²₄ > X) = 0.0025 × (1 + 5.99) = 0.017478.
    {
      surprises: [-Math.log10(0.05), -Math.log10(0.05)],
      expected: -Math.log10(0.0025 * (1 - Math.log(0.0025))),
    },
    { surprises: [], expected: 0 },
    { surprises: [0, 0, 0], expected: 0 },
  ])("Fisher's method on $surprises gives $expected", ({ surprises, expected }) => {
    expect(fisherSurprise(surprises)).toBeCloseTo(expected, 6);
  });
});
