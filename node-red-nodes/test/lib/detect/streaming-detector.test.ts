import {
  InputError,
  type Adaptation,
  type DetectionEvidence,
  type Reading,
} from '../../../src/lib/contracts';
import { resolveDetectConfig, type DetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector, combineSurprises } from '../../../src/lib/detect/streaming-detector';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { MINUTE, T0, gaussian, noisy } from './fixtures';

/** A snapshot after a JSON round trip, loosely typed so tests can corrupt it. */
type SnapJson = {
  series: (Record<string, unknown> & { values: unknown[]; times: unknown[] })[];
  adaptations: unknown[];
};
const config = (p: Partial<DetectConfig> = {}) => resolveDetectConfig(p);
const ev = (s: { evidence: unknown }) => s.evidence as DetectionEvidence;
const at = (i: number, metrics: Record<string, number>, deviceId = 'dev-1'): Reading => ({
  deviceId,
  tsMs: T0 + i * MINUTE,
  metrics,
});

/** A detector that has seen `n` noisy readings (mean 20, sd 1, 1/min). */
function trained(n = 100, p: Partial<DetectConfig> = {}, fleet?: FleetRegistry) {
  const d = new StreamingDetector(config(p), fleet);
  const scores = d.detectBatch(noisy(n));
  return { d, scores };
}

describe('StreamingDetector: warm-up', () => {
  it('scores 0 and reports warmingUp for the first warmupReadings readings of a series', () => {
    const d = new StreamingDetector(config({ warmupReadings: 30 }));
    const readings = noisy(31);
    readings[10].metrics.temperature = 500; // a wild value while warming is not scored
    const scores = d.detectBatch(readings);
    scores.slice(0, 30).forEach((s) => {
      expect(s.score).toBe(0);
      expect(s.isAnomaly).toBe(false);
      expect(ev(s).warmingUp).toBe(true);
      expect(Object.values(s.contributions)).toEqual([0]);
    });
    expect(ev(scores[30]).warmingUp).toBe(false);
  });
});

describe('StreamingDetector: level, rate, stuck', () => {
  it('stays quiet on stationary noise', () => {
    const { scores } = trained(400);
    expect(scores.filter((s) => s.isAnomaly)).toHaveLength(0);
  });

  it.each([
    { name: 'spike', value: 35, direction: 'up' },
    { name: 'drop', value: 5, direction: 'down' },
  ])(
    'flags a $name with direction $direction and the expected band around the median',
    ({ value, direction }) => {
      const { d } = trained();
      const s = d.detect(at(100, { temperature: value }));
      const m = ev(s).metrics.temperature;
      expect(s.isAnomaly).toBe(true);
      expect(s.score).toBeGreaterThan(0.9);
      expect(['level', 'rate']).toContain(m.kind);
      expect(m.direction).toBe(direction);
      expect(m.baseline.count).toBe(64);
      expect(m.baseline.median).toBeCloseTo(20, 0);
      expect(m.baseline.mad * 1.4826).toBeGreaterThan(0.7);
      expect(m.baseline.mad * 1.4826).toBeLessThan(1.3);
      const band = s.expected!.temperature;
      expect(band.lower).toBeLessThan(20);
      expect(band.upper).toBeGreaterThan(20);
      expect(value < band.lower || value > band.upper).toBe(true);
      expect(m.anomalousSinceTsMs).toBe(T0 + 100 * MINUTE);
      expect(ev(s).combined.anomalousMetrics).toEqual(['temperature']);
      expect(s.contributions).toEqual({ temperature: 1 });
    },
  );

  it('flags a gradual drift (0.5 σ per reading) once it leaves the band, and keeps anomalousSinceTsMs', () => {
    const { d } = trained();
    const g = gaussian(99);
    let first = -1;
    const since: number[] = [];
    for (let i = 0; i < 80; i++) {
      const s = d.detect(at(100 + i, { temperature: 20 + 0.5 * i + 0.3 * g() }));
      if (s.isAnomaly) {
        if (first < 0) first = i;
        since.push(ev(s).metrics.temperature.anomalousSinceTsMs!);
      }
    }
    expect(first).toBeGreaterThan(3); // not at the first small step
    expect(first).toBeLessThan(30);
    expect(since[0]).toBe(T0 + (100 + first) * MINUTE);
  });

  it('measures the rate of change over rateWindowMs against the usual rate ("rose 18 °C in 5 min"), reported once at its onset', () => {
    const { d } = trained(100, { rateWindowMs: 5 * MINUTE });
    const ramp = Array.from({ length: 5 }, (_, i) =>
      d.detect(at(100 + i, { temperature: 20 + 3.6 * (i + 1) })),
    );
    const flagged = ramp.filter((s) => s.isAnomaly);
    expect(flagged).toHaveLength(1); // the onset; lucid-route keeps the alert open while it lasts
    const onset = ev(flagged[0]).metrics.temperature;
    expect(onset.detectorScores.rate).toBeGreaterThan(0.5);
    expect(onset.direction).toBe('up');
    const last = ramp[4];
    const m = ev(last).metrics.temperature;
    expect(m.change).toBeDefined();
    const c = m.change!;
    expect(c.durationMs).toBe(5 * MINUTE);
    expect(c.toValue).toBeCloseTo(38, 9);
    expect(c.ratePerMin).toBeCloseTo((c.toValue - c.fromValue) / 5, 9);
    expect(c.usualRatePerMin).toBeGreaterThan(0);
    expect(c.ratePerMin / c.usualRatePerMin).toBeGreaterThan(6);
    expect(m.direction).toBe('up');
  });

  it('flags a stuck sensor on a noisy series, with the run in evidence.stuck', () => {
    const { d } = trained();
    const scores = Array.from({ length: 12 }, (_, k) => d.detect(at(100 + k, { temperature: 20.25 })));
    const flagged = scores.map((s, k) => (s.isAnomaly ? k : -1)).filter((k) => k >= 0);
    expect(flagged).toHaveLength(1); // reported once, when the run becomes improbable
    const k = flagged[0];
    const onset = ev(scores[k]).metrics.temperature;
    expect(onset.kind).toBe('stuck');
    expect(onset.stuck).toEqual({ sinceTsMs: T0 + 100 * MINUTE, durationMs: k * MINUTE, value: 20.25 });
    expect(k).toBeGreaterThanOrEqual(5); // stuckMinReadings 6
    // The run stays in the evidence while it lasts.
    expect(ev(scores[11]).metrics.temperature.stuck).toEqual({
      sinceTsMs: T0 + 100 * MINUTE,
      durationMs: 11 * MINUTE,
      value: 20.25,
    });
    expect(scores[0].isAnomaly).toBe(false);
    expect(ev(scores[2]).metrics.temperature.stuck).toBeUndefined(); // fewer than stuckMinReadings
  });

  it('does not flag short repeats on a quantised series that often repeats', () => {
    const g = gaussian(5);
    const d = new StreamingDetector(config());
    const readings = Array.from({ length: 300 }, (_, i) => at(i, { load: Math.round(3 + 0.6 * g()) }));
    const scores = d.detectBatch(readings);
    expect(scores.filter((s) => ev(s).metrics.load.kind === 'stuck')).toHaveLength(0);
  });

  it('honours stuckMinDurationMs', () => {
    const { d } = trained(100, { stuckMinDurationMs: 30 * MINUTE });
    const scores = Array.from({ length: 12 }, (_, k) => d.detect(at(100 + k, { temperature: 20.25 })));
    expect(scores.some((s) => ev(s).metrics.temperature.stuck)).toBe(false);
  });
});

describe('StreamingDetector: range and gaps', () => {
  const fleet = new FleetRegistry({
    devices: [
      { deviceId: 'dev-1', metrics: { temperature: { unit: '°C', min: -40, max: 85, intervalMs: MINUTE } } },
    ],
  });

  it.each([
    { value: 90, outside: true },
    { value: -41, outside: true },
    { value: 84, outside: false },
  ])('range: $value against [-40, 85] (outside: $outside), even during warm-up', ({ value, outside }) => {
    const d = new StreamingDetector(config(), fleet);
    const s = d.detect(at(0, { temperature: value }));
    const m = ev(s).metrics.temperature;
    expect(m.range).toEqual({ min: -40, max: 85 });
    expect(m.unit).toBe('°C');
    expect(s.isAnomaly).toBe(outside);
    expect(m.kind).toBe(outside ? 'range' : null);
    expect(s.score).toBe(outside ? 1 : 0);
  });

  it('connectivity reading from the watchdog: gap with silentForMs since the last reading', () => {
    const d = new StreamingDetector(config(), fleet);
    d.detectBatch(noisy(10));
    const s = d.detect({
      deviceId: 'dev-1',
      tsMs: T0 + 20 * MINUTE,
      metrics: { connectivity: 0 },
      tags: { event: 'connectivity_lost' },
    });
    expect(s.isAnomaly).toBe(true);
    expect(s.score).toBe(1);
    expect(ev(s).metrics.connectivity.kind).toBe('gap');
    expect(ev(s).gap).toEqual({
      silentForMs: 11 * MINUTE,
      expectedIntervalMs: MINUTE,
      lastSeenTsMs: T0 + 9 * MINUTE,
    });
    const restored = d.detect({
      deviceId: 'dev-1',
      tsMs: T0 + 21 * MINUTE,
      metrics: { connectivity: 1 },
      tags: { event: 'connectivity_restored' },
    });
    expect(restored.isAnomaly).toBe(false);
    expect(ev(restored).gap).toBeUndefined();
  });

  it.each([
    { gapMin: 3, gap: false },
    { gapMin: 30, gap: true },
  ])('event-time jump of $gapMin min on a 1-min series (gapFactor 5): gap $gap', ({ gapMin, gap }) => {
    const { d } = trained(50);
    const s = d.detect({
      deviceId: 'dev-1',
      tsMs: T0 + (49 + gapMin) * MINUTE,
      metrics: { temperature: 20 },
    });
    expect(ev(s).gap !== undefined).toBe(gap);
    if (gap) {
      expect(ev(s).gap!.silentForMs).toBe(gapMin * MINUTE);
      expect(ev(s).gap!.expectedIntervalMs).toBeCloseTo(MINUTE, 6);
      expect(ev(s).metrics.temperature.detectorScores.gap).toBeGreaterThan(0.5);
      expect(s.isAnomaly).toBe(true);
    } else {
      expect(ev(s).metrics.temperature.detectorScores.gap).toBe(0);
    }
  });
});

describe('StreamingDetector: combination across metrics', () => {
  it.each([
    { surprises: [4, 4, 4], moreThanMax: true },
    { surprises: [9, 0.2, 0.3], moreThanMax: false },
  ])('combineSurprises($surprises)', ({ surprises, moreThanMax }) => {
    const c = combineSurprises(surprises);
    const max = Math.max(...surprises);
    expect(c).toBeGreaterThanOrEqual(max - Math.log10(surprises.length) - 1e-12);
    expect(c > max).toBe(moreThanMax);
  });

  it('several moderately anomalous metrics raise the device above the cut-off', () => {
    const d = new StreamingDetector(config());
    const gs = [gaussian(11), gaussian(12), gaussian(13)];
    for (let i = 0; i < 100; i++) d.detect(at(i, { a: 10 + gs[0](), b: 50 + gs[1](), c: -5 + gs[2]() }));
    const s = d.detect(at(100, { a: 10 + 4, b: 50 + 4, c: -5 - 4 }));
    const metricScores = Object.values(ev(s).metrics).map((m) => m.score);
    metricScores.forEach((x) => expect(x).toBeLessThan(0.5));
    expect(s.score).toBeGreaterThan(Math.max(...metricScores));
    expect(s.isAnomaly).toBe(true);
    expect(ev(s).combined.method).toBe('fisher-bonferroni');
    const shares = Object.values(s.contributions);
    shares.forEach((x) => expect(x).toBeGreaterThan(0.2));
  });

  it('contributions are ≥ 0 and sum to 1 (1e-9), scores stay in [0, 1]', () => {
    const d = new StreamingDetector(config({ warmupReadings: 10 }));
    const g = gaussian(3);
    for (let i = 0; i < 300; i++) {
      const spike = i % 37 === 0 ? 8 : 0;
      const s = d.detect(at(i, { a: g() + spike, b: 5 * g(), c: i % 50 < 40 ? 1 : 1 + g() }));
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
      const shares = Object.values(s.contributions);
      shares.forEach((x) => expect(x).toBeGreaterThanOrEqual(0));
      const sum = shares.reduce((a, b) => a + b, 0);
      if (sum !== 0) expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
      Object.values(ev(s).metrics).forEach((m) => {
        expect(m.score).toBeGreaterThanOrEqual(0);
        expect(m.score).toBeLessThanOrEqual(1);
        Object.values(m.detectorScores).forEach((x) => expect(x! >= 0 && x! <= 1).toBe(true));
      });
    }
  });
});

describe('StreamingDetector: sensitivity', () => {
  it('more sensitivity flags earlier and more; the score depends on it only through what was reported', () => {
    const g = gaussian(21);
    const stream = Array.from({ length: 600 }, (_, i) =>
      at(i, { x: g() * (i % 100 > 90 ? 4 : 1) + (i > 400 ? 3 : 0) }),
    );
    const runs = [0, 0.25, 0.5, 0.75, 1].map((sensitivity) =>
      new StreamingDetector(config({ sensitivity })).detectBatch(stream),
    );
    const counts = runs.map((r) => r.filter((s) => s.isAnomaly).length);
    const firsts = runs.map((r) => r.findIndex((s) => s.isAnomaly));
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[4]).toBeGreaterThan(counts[0]);
    for (let i = 1; i < firsts.length; i++) expect(firsts[i]).toBeLessThanOrEqual(firsts[i - 1]);
    // Until the first reading any of them reported, the scores are identical.
    const until = firsts[4] + 1;
    for (const r of runs)
      expect(r.slice(0, until).map((s) => s.score)).toEqual(runs[0].slice(0, until).map((s) => s.score));
  });
});

describe('StreamingDetector: state', () => {
  it('snapshot → JSON → restore gives identical subsequent scores', () => {
    const fleet = new FleetRegistry({});
    const d = new StreamingDetector(config(), fleet);
    const g = gaussian(8);
    const stream = Array.from({ length: 160 }, (_, i) =>
      at(i, { a: g(), b: i % 20 < 10 ? 3 : 3 + g() }, i % 3 ? 'dev-1' : 'dev-2'),
    );
    d.detectBatch(stream.slice(0, 100));
    d.applyAdaptation({
      id: 'ad1',
      kind: 'threshold',
      deviceId: 'dev-2',
      value: 0.1,
      createdBy: 't',
      reason: 'r',
      tsMs: 0,
    });
    const json = JSON.parse(JSON.stringify(d.snapshot()));
    const r = StreamingDetector.restore(json, config(), fleet);
    expect(r.seriesCount).toBe(d.seriesCount);
    expect(r.detectBatch(stream.slice(100))).toEqual(d.detectBatch(stream.slice(100)));
    expect(r.cutoff('dev-2')).toBeCloseTo(0.6, 12);
  });

  it.each([
    { name: 'null', snapshot: null },
    { name: 'wrong version', snapshot: { version: 2, series: [], devices: [], adaptations: [] } },
    { name: 'series not an array', snapshot: { version: 1, series: {}, devices: [], adaptations: [] } },
  ])('restore rejects a corrupt snapshot ($name) with InputError', ({ snapshot }) => {
    expect(() => StreamingDetector.restore(snapshot as never, config())).toThrow(InputError);
  });

  it.each([
    { name: 'non-finite window value', mutate: (s: SnapJson) => (s.series[0].values[3] = 'x') },
    { name: 'an overflowing sum', mutate: (s: SnapJson) => (s.series[0].values[3] = Number.MAX_VALUE * 2) },
    { name: 'times out of order', mutate: (s: SnapJson) => (s.series[0].times[3] = 0) },
    { name: 'negative count', mutate: (s: SnapJson) => (s.series[0].n = -1) },
    {
      name: 'bad adaptation',
      mutate: (s: SnapJson) => s.adaptations.push({ id: 'x', kind: 'threshold', value: 7 }),
    },
  ])('restore drops only the corrupt entry ($name) and keeps the other series', ({ mutate }) => {
    const d = new StreamingDetector(config());
    d.detectBatch(noisy(20));
    d.detectBatch(noisy(20).map((r) => ({ ...r, deviceId: 'dev-2' })));
    const snap = JSON.parse(JSON.stringify(d.snapshot())) as SnapJson;
    expect(snap.series.map((x) => x.deviceId)).toEqual(['dev-1', 'dev-2']);
    mutate(snap);
    const skipped: string[] = [];
    const r = StreamingDetector.restore(snap as never, config(), undefined, (reason) => skipped.push(reason));
    expect(skipped).toHaveLength(1);
    const adaptationBroken = snap.adaptations.length > 0;
    expect(r.seriesCount).toBe(adaptationBroken ? 2 : 1);
    // dev-2 keeps its learned state: it scores the next reading exactly as the original does.
    const next = at(20, { temperature: 21 }, 'dev-2');
    expect(r.detect(next)).toEqual(d.detect(next));
  });

  it('out-of-order and duplicate readings are scored but do not change the state', () => {
    const a = trained(80).d;
    const b = trained(80).d;
    const late = a.detect(at(40, { temperature: 30 }));
    expect(late.score).toBeGreaterThan(0);
    a.detect(at(79, { temperature: 25 })); // duplicate timestamp of the newest reading
    expect(a.snapshot()).toEqual(b.snapshot());
    const next = noisy(20, { seed: 77, startMs: T0 + 80 * MINUTE });
    expect(a.detectBatch(next)).toEqual(b.detectBatch(next));
  });

  it('drops the least recently updated series beyond maxSeries', () => {
    const d = new StreamingDetector(config({ maxSeries: 2 }));
    d.detect(at(0, { a: 1, b: 2 }));
    d.detect(at(1, { c: 3 }));
    expect(d.seriesCount).toBe(2);
    expect(
      d
        .snapshot()
        .series.map((s) => s.metric)
        .sort(),
    ).toEqual(['b', 'c']);
  });
});

describe('StreamingDetector: threshold adaptations', () => {
  const base: Adaptation = {
    id: 'a1',
    kind: 'threshold',
    deviceId: 'dev-1',
    value: 0.6,
    createdBy: 'op',
    reason: 'false positive',
    tsMs: 0,
  };

  it.each([
    { name: 'device-wide', adaptation: base },
    { name: 'metric-specific', adaptation: { ...base, metric: 'temperature' } },
  ])('a $name raise suppresses the decision and its revert restores it', ({ adaptation }) => {
    const { d } = trained();
    const snap = d.snapshot();
    const spike = at(100, { temperature: 40 });
    expect(StreamingDetector.restore(snap, config()).detect(spike).isAnomaly).toBe(true);

    const raised = StreamingDetector.restore(snap, config());
    raised.applyAdaptation(adaptation);
    expect(raised.cutoff('dev-1', 'temperature')).toBeCloseTo(1.1, 12);
    const s = raised.detect(spike);
    expect(s.isAnomaly).toBe(false);
    expect(s.score).toBe(1); // the calibrated score itself is unchanged

    const reverted = StreamingDetector.restore(snap, config());
    reverted.applyAdaptation(adaptation);
    reverted.applyAdaptation({ ...adaptation, revertedMs: 1 });
    expect(reverted.cutoff('dev-1', 'temperature')).toBeCloseTo(0.5, 12);
    expect(reverted.detect(spike).isAnomaly).toBe(true);
  });

  it('expires at untilMs (event time) and ignores other devices, metrics and kinds', () => {
    const d = new StreamingDetector(config());
    d.applyAdaptation({ ...base, untilMs: T0 + 10 * MINUTE });
    d.applyAdaptation({ ...base, id: 'a2', metric: 'humidity', value: 0.2 });
    d.applyAdaptation({ ...base, id: 'a3', kind: 'silence', value: 0.9 });
    expect(d.cutoff('dev-1', 'temperature', T0)).toBeCloseTo(1.1, 12);
    expect(d.cutoff('dev-1', 'temperature', T0 + 10 * MINUTE)).toBeCloseTo(0.5, 12);
    expect(d.cutoff('dev-1', 'humidity', T0 + 10 * MINUTE)).toBeCloseTo(0.7, 12);
    expect(d.cutoff('dev-2', 'temperature', T0)).toBeCloseTo(0.5, 12);
  });

  it.each([
    { name: 'value out of range', a: { ...base, value: 2 } },
    { name: 'no id', a: { ...base, id: '' } },
    { name: 'untilMs not a number', a: { ...base, untilMs: 'soon' } },
    { name: 'null', a: null },
  ])('rejects a malformed adaptation ($name) with InputError', ({ a }) => {
    expect(() => new StreamingDetector(config()).applyAdaptation(a as never)).toThrow(InputError);
  });
});

describe('StreamingDetector: garbage input', () => {
  it.each([
    { name: 'null', r: null, code: 'invalid_reading' },
    { name: 'array', r: [], code: 'invalid_reading' },
    { name: 'string', r: 'hello', code: 'invalid_reading' },
    { name: 'empty deviceId', r: { deviceId: '', tsMs: T0, metrics: { t: 1 } }, code: 'invalid_device_id' },
    { name: 'tsMs NaN', r: { deviceId: 'd', tsMs: NaN, metrics: { t: 1 } }, code: 'invalid_timestamp' },
    {
      name: 'tsMs string',
      r: { deviceId: 'd', tsMs: '2024-01-01', metrics: { t: 1 } },
      code: 'invalid_timestamp',
    },
    { name: 'no metrics', r: { deviceId: 'd', tsMs: T0, metrics: {} }, code: 'invalid_metrics' },
    { name: 'NaN value', r: { deviceId: 'd', tsMs: T0, metrics: { t: NaN } }, code: 'non_finite_value' },
    {
      name: 'Infinity value',
      r: { deviceId: 'd', tsMs: T0, metrics: { t: Infinity } },
      code: 'non_finite_value',
    },
    {
      name: 'number as string',
      r: { deviceId: 'd', tsMs: T0, metrics: { t: '21.5' } },
      code: 'non_finite_value',
    },
  ])('rejects $name with InputError $code', ({ r, code }) => {
    const d = new StreamingDetector(config());
    expect(() => d.detect(r as never)).toThrow(InputError);
    try {
      d.detect(r as never);
    } catch (err) {
      expect((err as InputError).code).toBe(code);
    }
    expect(d.seriesCount).toBe(0);
  });

  it('a bad reading in a batch rejects the whole batch before any state changes', () => {
    const d = new StreamingDetector(config());
    const batch = [...noisy(3), { deviceId: 'x', tsMs: T0, metrics: { t: NaN } }] as Reading[];
    expect(() => d.detectBatch(batch)).toThrow(/readings\[3\]/);
    expect(d.seriesCount).toBe(0);
  });
});
