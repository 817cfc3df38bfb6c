import { ConfigError } from '../../../src/lib/contracts/errors';
import { RelatedAnomalyMemory, type RecentAnomaly } from '../../../src/lib/explain/related-anomaly-memory';

const MIN = 60_000;
const zoneB = { site: 's', zone: 'B', line: 'L1' };
const a = (deviceId: string, tsMs: number, over: Partial<RecentAnomaly> = {}): RecentAnomaly => ({
  deviceId,
  metric: 'temperature',
  type: 'spike',
  direction: 'up',
  strength: 0.9,
  tsMs,
  topology: zoneB,
  ...over,
});

describe('RelatedAnomalyMemory', () => {
  it('finds same-zone anomalies on the same metric within the window, most similar first', () => {
    const m = new RelatedAnomalyMemory({ windowMs: 10 * MIN });
    m.record(a('d1', 0));
    m.record(a('d2', 8 * MIN));
    const related = m.related(a('me', 9 * MIN));
    expect(related.map((r) => r.deviceId)).toEqual(['d2', 'd1']);
    // d2: 0.5 + 0.3 · (1 - 1/10) + 0.2 = 0.97; d1: 0.5 + 0.3 · 0.1 + 0.2 = 0.73
    expect(related.map((r) => r.similarity)).toEqual([0.97, 0.73]);
    expect(related[0]).toMatchObject({ relation: 'same zone', place: 'B' });
  });

  it('expires entries by event time, not wall time', () => {
    const m = new RelatedAnomalyMemory({ windowMs: 10 * MIN });
    m.record(a('d1', 0));
    expect(m.related(a('me', 10 * MIN))).toHaveLength(1);
    expect(m.related(a('me', 10 * MIN + 1))).toHaveLength(0);
    m.record(a('d3', 60 * MIN));
    expect(m.entries().map((e) => e.deviceId)).toEqual(['d3']);
  });

  it.each([
    ['another metric', { metric: 'humidity' }],
    ['the opposite direction', { direction: 'down' as const }],
    ['another zone and line', { topology: { site: 's', zone: 'C', line: 'L2' } }],
    ['another site', { topology: { site: 't', zone: 'B', line: 'L1' } }],
    ['an unknown topology', { topology: {} }],
  ])('does not relate %s', (_name, over) => {
    const m = new RelatedAnomalyMemory({ windowMs: 10 * MIN });
    m.record(a('d1', 0, over));
    expect(m.related(a('me', MIN))).toEqual([]);
  });

  it('relates the same line when zones differ', () => {
    const m = new RelatedAnomalyMemory({ windowMs: 10 * MIN });
    m.record(a('d1', 0, { topology: { site: 's', zone: 'C', line: 'L1' } }));
    expect(m.related(a('me', 0))).toEqual([
      { deviceId: 'd1', relation: 'same line', similarity: 1, place: 'L1' },
    ]);
  });

  it('is bounded per device and in devices', () => {
    const m = new RelatedAnomalyMemory({ windowMs: 10 * MIN, maxPerDevice: 2, maxDevices: 3 });
    for (let i = 0; i < 5; i++) m.record(a('d1', i));
    expect(m.size).toBe(2);
    for (const id of ['d2', 'd3', 'd4']) m.record(a(id, 10));
    expect(m.entries().map((e) => e.deviceId)).toEqual(['d2', 'd3', 'd4']);
    expect(JSON.parse(JSON.stringify(m.entries()))).toEqual(m.entries());
    m.clear();
    expect(m.size).toBe(0);
  });

  it.each([0, -5, NaN])('rejects window %p', (w) => {
    expect(() => new RelatedAnomalyMemory({ windowMs: w })).toThrow(ConfigError);
  });
});
