import { ConfigError } from '../../../src/lib/contracts/errors';
import { DeviceEpisodes, isBackToNormal, isReturning } from '../../../src/lib/explain/device-episodes';

const moved = (metric: string, expected: number, value: number) => ({
  metric,
  direction: (value > expected ? 'up' : 'down') as 'up' | 'down',
  expected,
  value,
  halfBand: 0.5,
  mad: 0.1,
});

describe('DeviceEpisodes', () => {
  it('keeps the first type, the normal level of each metric and its peak', () => {
    const e = new DeviceEpisodes({ idleMs: 60_000 });
    e.record('d1', 0, 'spike', [moved('temperature', 20, 30)]);
    e.record('d1', 10_000, 'drift', [moved('temperature', 29, 38), moved('humidity', 50, 40)]);
    e.record('d1', 20_000, 'drift', [moved('temperature', 35, 33)]);
    const ep = e.get('d1', 20_000);
    expect(ep).toMatchObject({ type: 'spike', startTsMs: 0, lastAnomalyTsMs: 20_000 });
    expect(ep?.metrics.map((m) => [m.metric, m.direction, m.normalValue, m.peakValue])).toEqual([
      ['temperature', 'up', 20, 38],
      ['humidity', 'down', 50, 40],
    ]);
  });

  it('ends an episode idleMs after its latest anomaly, or on request', () => {
    const e = new DeviceEpisodes({ idleMs: 60_000 });
    e.record('d1', 0, 'spike', [moved('t', 20, 30)]);
    expect(e.get('d1', 60_000)).toBeDefined();
    expect(e.get('d1', 60_001)).toBeUndefined();
    e.record('d2', 0, 'drop', [moved('t', 20, 10)]);
    e.end('d2');
    expect(e.get('d2', 1)).toBeUndefined();
  });

  it('evicts the least recently updated device beyond maxDevices', () => {
    const e = new DeviceEpisodes({ idleMs: 60_000, maxDevices: 2 });
    e.record('a', 0, 'spike', [moved('t', 0, 1)]);
    e.record('b', 1, 'spike', [moved('t', 0, 1)]);
    e.record('a', 2, 'spike', [moved('t', 0, 1)]);
    e.record('c', 3, 'spike', [moved('t', 0, 1)]);
    expect([e.get('a', 3), e.get('b', 3), e.get('c', 3)].map(Boolean)).toEqual([true, false, true]);
  });

  it.each([0, -1, NaN])('rejects idleMs %p', (idleMs) =>
    expect(() => new DeviceEpisodes({ idleMs })).toThrow(ConfigError),
  );
});

describe('isBackToNormal / isReturning', () => {
  const m = {
    metric: 't',
    direction: 'up' as const,
    normalValue: 20,
    peakValue: 30,
    halfBand: 0.5,
    mad: 0.1,
  };
  it.each([
    [30, false, false],
    [27, false, true],
    [23.5, true, true],
    [20, true, true],
    [16, false, true],
  ])('value %p: back %p, returning %p', (value, back, returning) => {
    expect(isBackToNormal(m, value)).toBe(back);
    expect(isReturning(m, value)).toBe(returning);
  });
  it('never calls a metric with no peak deviation back (nothing to return from)', () =>
    expect(isBackToNormal({ ...m, peakValue: 20 }, 20)).toBe(false));
});
