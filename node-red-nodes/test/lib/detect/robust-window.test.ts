import { RobustWindow } from '../../../src/lib/detect/robust-window';
import { rng } from './fixtures';

function bruteMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

describe('RobustWindow', () => {
  it.each([
    { capacity: 8, n: 50, levels: 0 },
    { capacity: 9, n: 50, levels: 0 },
    { capacity: 64, n: 300, levels: 0 },
    { capacity: 16, n: 200, levels: 3 }, // many ties
  ])(
    'median and MAD match a brute-force computation (capacity $capacity, ties $levels)',
    ({ capacity, n, levels }) => {
      const u = rng(capacity * 7 + levels);
      const w = new RobustWindow(capacity);
      const all: number[] = [];
      for (let i = 0; i < n; i++) {
        const v = levels ? Math.floor(u() * levels) : u() * 100 - 50;
        w.push(v, i * 1000);
        all.push(v);
        const recent = all.slice(-capacity);
        const m = bruteMedian(recent);
        expect(w.count).toBe(recent.length);
        expect(w.median()).toBeCloseTo(m, 12);
        expect(w.mad()).toBeCloseTo(bruteMedian(recent.map((x) => Math.abs(x - m))), 12);
      }
    },
  );

  it('is empty-safe: median and MAD are NaN with no readings', () => {
    const w = new RobustWindow(8);
    expect(w.median()).toBeNaN();
    expect(w.mad()).toBeNaN();
    expect(w.quantile(0.5)).toBeNaN();
  });

  it('finds readings by time and interpolates quantiles', () => {
    const w = new RobustWindow(4);
    [10, 20, 30, 40, 50].forEach((v, i) => w.push(v, 1000 * (i + 1))); // keeps 20..50 at 2000..5000
    expect(w.firstAtOrAfter(0)).toBe(0);
    expect(w.firstAtOrAfter(3500)).toBe(2);
    expect(w.firstAtOrAfter(9999)).toBe(4);
    expect(w.quantile(0)).toBe(20);
    expect(w.quantile(1)).toBe(50);
    expect(w.quantile(0.5)).toBeCloseTo(35, 12);
  });

  it('round-trips through arrays, keeping the newest readings when the capacity shrinks', () => {
    const w = new RobustWindow(6);
    [5, 1, 4, 2, 3, 6].forEach((v, i) => w.push(v, i));
    const { values, times } = w.toArrays();
    expect(values).toEqual([5, 1, 4, 2, 3, 6]);
    const smaller = RobustWindow.fromArrays(3, values, times);
    expect(smaller.toArrays()).toEqual({ values: [2, 3, 6], times: [3, 4, 5] });
    expect(smaller.median()).toBe(3);
  });
});
