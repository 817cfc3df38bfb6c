import {
  classifyAnomaly,
  FAST_RATE_RATIO,
  SHORT_EXCURSION_MS,
} from '../../../src/lib/explain/classify-anomaly';
import { readEvidence } from '../../../src/lib/explain/read-evidence';
import type { MetricEvidence } from '../../../src/lib/contracts/types';
import { detection, moved, MIN, T0 } from './fixtures';

const change = (from: number, to: number, durationMin: number, usualRatePerMin: number) => ({
  fromValue: from,
  toValue: to,
  fromTsMs: T0 - durationMin * MIN,
  durationMs: durationMin * MIN,
  ratePerMin: (to - from) / durationMin,
  usualRatePerMin,
});

interface Case {
  name: string;
  ev: MetricEvidence;
  related?: number;
  gap?: boolean;
  tags?: Record<string, string>;
  expected: string;
}

const cases: Case[] = [
  {
    name: 'fast rise, young excursion → spike',
    ev: moved('t', 23, 41, { kind: 'rate', change: change(23, 41, 5, 0.6), anomalousSinceTsMs: T0 - MIN }),
    expected: 'spike',
  },
  {
    name: 'fast fall, young excursion → drop',
    ev: moved('t', 23, 5, { kind: 'rate', change: change(23, 5, 5, 0.6), anomalousSinceTsMs: T0 }),
    expected: 'drop',
  },
  {
    name: 'level detector but rate ≥ 3× usual, young → spike',
    ev: moved('t', 23, 30, { change: change(23, 30, 5, 0.4), anomalousSinceTsMs: T0 }),
    expected: 'spike',
  },
  {
    name: 'fast change that stayed for 40 min → level_shift',
    ev: moved('t', 23, 41, {
      kind: 'rate',
      change: change(23, 41, 5, 0.6),
      anomalousSinceTsMs: T0 - 40 * MIN,
    }),
    expected: 'level_shift',
  },
  {
    name: 'settled at a new level for 30 min (rate below usual) → level_shift',
    ev: moved('t', 23, 30, { change: change(29.9, 30, 5, 0.1), anomalousSinceTsMs: T0 - 30 * MIN }),
    expected: 'level_shift',
  },
  {
    name: 'small departure at 5× the usual rate, level detector → drift (a trend starting)',
    ev: moved('t', 23, 24.2, { change: change(23, 24.2, 5, 0.05), anomalousSinceTsMs: T0 }),
    expected: 'drift',
  },
  {
    name: 'slow steady rise at 1.5–3× usual rate → drift',
    ev: moved('t', 23, 27, { change: change(26, 27, 5, 0.1), anomalousSinceTsMs: T0 - 20 * MIN }),
    expected: 'drift',
  },
  {
    name: 'slow rise just crossing the band → drift',
    ev: moved('t', 23, 25, { change: change(24.5, 25, 5, 0.05), anomalousSinceTsMs: T0 }),
    expected: 'drift',
  },
  {
    name: 'moving back towards normal (rate opposite to deviation), young → spike',
    ev: moved('t', 23, 30, { change: change(30.5, 30, 5, 0.08), anomalousSinceTsMs: T0 - MIN }),
    expected: 'spike',
  },
  { name: 'no change evidence, young → drop by direction', ev: moved('t', 23, 10), expected: 'drop' },
  {
    name: 'no change evidence, old → level_shift',
    ev: moved('t', 23, 30, { anomalousSinceTsMs: T0 - 2 * SHORT_EXCURSION_MS }),
    expected: 'level_shift',
  },
  {
    name: 'stuck evidence → stuck_sensor',
    ev: moved('t', 23, 23, {
      kind: 'stuck',
      score: 0.8,
      stuck: { sinceTsMs: T0 - 60 * MIN, durationMs: 60 * MIN, value: 23 },
    }),
    expected: 'stuck_sensor',
  },
  {
    name: 'stuck wins over a related device',
    ev: moved('t', 23, 23, {
      kind: 'stuck',
      stuck: { sinceTsMs: T0 - 60 * MIN, durationMs: 60 * MIN, value: 23 },
    }),
    related: 2,
    expected: 'stuck_sensor',
  },
  {
    name: 'range detector → out_of_range',
    ev: moved('t', 23, 130, { kind: 'range' }),
    expected: 'out_of_range',
  },
  {
    name: 'beyond the fleet maximum without range kind → out_of_range',
    ev: moved('t', 23, 130, { range: { min: -40, max: 125 } }),
    expected: 'out_of_range',
  },
  {
    name: 'gap detector → connectivity_loss',
    ev: moved('connectivity', 1, 0, { kind: 'gap' }),
    expected: 'connectivity_loss',
  },
  {
    name: 'connectivity_lost event → connectivity_loss',
    ev: moved('t', 23, 23, { score: 0.2, kind: null }),
    tags: { event: 'connectivity_lost' },
    expected: 'connectivity_loss',
  },
  {
    name: 'gap evidence with no firing detector → connectivity_loss',
    ev: moved('t', 23, 23.2, { score: 0.2, kind: null }),
    gap: true,
    expected: 'connectivity_loss',
  },
  {
    name: 'gap evidence but a strong spike → spike (the gap becomes cause evidence)',
    ev: moved('t', 23, 41, { kind: 'rate', change: change(23, 41, 5, 0.6) }),
    gap: true,
    expected: 'spike',
  },
  {
    name: 'related device moving too → correlated_event',
    ev: moved('t', 23, 41, { kind: 'rate', change: change(23, 41, 5, 0.6) }),
    related: 1,
    expected: 'correlated_event',
  },
];

describe('classifyAnomaly', () => {
  it.each(cases)('$name', ({ ev, related = 0, gap, tags, expected }) => {
    const d = detection(
      'dev-1',
      T0,
      [ev],
      gap ? { gap: { silentForMs: 10 * MIN, expectedIntervalMs: MIN, lastSeenTsMs: T0 - 10 * MIN } } : {},
    );
    if (tags) d.reading.tags = tags;
    const evidence = readEvidence(d);
    const result = classifyAnomaly({
      reading: d.reading,
      evidence,
      primary: evidence.metrics[ev.metric],
      relatedCount: related,
    });
    expect(result.type).toBe(expected);
  });

  it('reports the rate ratio, the excursion age and the own type under a correlated event', () => {
    const ev = moved('t', 23, 41, {
      kind: 'rate',
      change: change(23, 41, 5, 0.6),
      anomalousSinceTsMs: T0 - 2 * MIN,
    });
    const d = detection('dev-1', T0, [ev]);
    const evidence = readEvidence(d);
    const result = classifyAnomaly({
      reading: d.reading,
      evidence,
      primary: evidence.metrics.t,
      relatedCount: 1,
    });
    expect(result).toMatchObject({
      type: 'correlated_event',
      ownType: 'spike',
      direction: 'up',
      excursionMs: 2 * MIN,
    });
    expect(result.rateRatio).toBeCloseTo(3.6 / 0.6, 9);
    expect(FAST_RATE_RATIO).toBe(3);
  });
});
