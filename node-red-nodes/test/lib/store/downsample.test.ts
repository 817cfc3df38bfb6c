import { lttb } from '../../../src/lib/store/downsample';

describe('lttb', () => {
  const series = Array.from({ length: 1000 }, (_, i) => ({
    tsMs: i,
    value: i === 500 ? 100 : Math.sin(i / 20),
  }));

  it('keeps first, last and the spike, with exactly maxPoints original points', () => {
    const out = lttb(series, 50);
    expect(out).toHaveLength(50);
    expect(out[0]).toBe(series[0]);
    expect(out[49]).toBe(series[999]);
    expect(out).toContain(series[500]);
    for (let i = 1; i < out.length; i++) expect(out[i].tsMs).toBeGreaterThan(out[i - 1].tsMs);
  });

  it('returns short inputs unchanged (copy) and refuses maxPoints < 3', () => {
    expect(lttb(series.slice(0, 10), 20)).toEqual(series.slice(0, 10));
    expect(lttb([], 3)).toEqual([]);
    expect(() => lttb(series, 2)).toThrow(RangeError);
  });
});
