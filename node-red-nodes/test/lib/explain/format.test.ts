import {
  describeRate,
  formatTimestamp,
  withDeltaUnit,
  decimalsFor,
  formatDuration,
  formatNumber,
  formatQuantity,
  formatRatio,
  formatTogether,
  withUnit,
} from '../../../src/lib/explain/format';

describe('formatNumber', () => {
  it.each([
    [18.2345, '18.2'],
    [41.3, '41.3'],
    [20, '20'],
    [20.001, '20'],
    [1234.5, '1235'],
    [0.012345, '0.0123'],
    [-71.4, '-71.4'],
    [-0.0001, '-0.0001'],
    [0, '0'],
    [-0.00000001, '0'],
    [NaN, 'n/a'],
    [Infinity, 'n/a'],
  ])('%p → %p', (x, text) => expect(formatNumber(x)).toBe(text));

  it('honours the significant digits asked for', () => {
    expect(formatNumber(6.07, 2)).toBe('6.1');
    expect(formatNumber(12.3, 2)).toBe('12');
    expect(decimalsFor(0.05, 2)).toBe(3);
  });
});

describe('formatTogether', () => {
  it.each([
    { values: [23.1, 41.3, 18.2], delta: 18.2, expected: ['23.1', '41.3', '18.2'] },
    { values: [23.05, 23.12, 0.07], delta: 0.07, expected: ['23.05', '23.12', '0.07'] },
    { values: [0.6, 0.3, 0.25, 0.35], delta: 0.3, expected: ['0.60', '0.30', '0.25', '0.35'] },
    { values: [24, 25], delta: 1, expected: ['24', '25'] },
    { values: [1200, 1450], delta: 250, expected: ['1200', '1450'] },
  ])('$values (delta $delta) → $expected', ({ values, delta, expected }) => {
    expect(formatTogether(values, delta)).toEqual(expected);
  });
});

describe('units', () => {
  it.each([
    [41.3, '°C', '41.3 °C'],
    [55, '%', '55%'],
    [23.4, 'V', '23.4 V'],
    [-71, 'dBm', '-71 dBm'],
    [2.35, 'mm/s', '2.35 mm/s'],
    [12.5, '', '12.5'],
  ])('%p %p → %p', (x, unit, text) => expect(formatQuantity(x, unit)).toBe(text));

  it('puts no unit on unknown units and a bare degree sign without a space', () => {
    expect(withUnit('12', '')).toBe('12');
    expect(withUnit('90', '°')).toBe('90°');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [-5, '0 s'],
    [500, '0.5 s'],
    [45_000, '45 s'],
    [90_000, '1.5 min'],
    [5 * 60_000, '5 min'],
    [45 * 60_000, '45 min'],
    [150 * 60_000, '2.5 h'],
    [3 * 86_400_000, '3 d'],
    [NaN, '0 s'],
  ])('%p ms → %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatRatio', () => {
  it.each([
    [6.07, '6.1×'],
    [6, '6×'],
    [3.44, '3.4×'],
    [12.3, '12×'],
  ])('%p → %p', (r, text) => expect(formatRatio(r)).toBe(text));
});

describe('rates, percentage points and times in words', () => {
  it.each([
    [6.07, '6.1× its usual rate of change'],
    [100, '100× its usual rate of change'],
    [250, 'more than 100× its usual rate of change'],
    [1257457529695, 'while it usually holds steady'],
    [Infinity, 'while it usually holds steady'],
  ])('describeRate(%p) → %p', (ratio, text) => expect(describeRate(ratio)).toBe(text));

  it('caps formatRatio above 100×', () => {
    expect(formatRatio(99)).toBe('99×');
    expect(formatRatio(101)).toBe('more than 100×');
  });

  it.each([
    ['17.1', '%', '17.1 percentage points'],
    ['1', '%RH', '1 percentage point'],
    ['5.2', '°C', '5.2 °C'],
    ['3', '', '3'],
  ])('withDeltaUnit(%p, %p) → %p', (text, unit, out) => expect(withDeltaUnit(text, unit)).toBe(out));

  it('formats every time the same way, in UTC to the second', () => {
    expect(formatTimestamp(Date.UTC(2024, 0, 1, 1, 47, 50, 913))).toBe('2024-01-01 01:47:50 UTC');
    expect(formatTimestamp(NaN)).toBe('unknown time');
  });
});
