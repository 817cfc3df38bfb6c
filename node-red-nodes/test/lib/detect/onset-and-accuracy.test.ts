import type { DetectionEvidence, Reading } from '../../../src/lib/contracts';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector, type DetectorSnapshot } from '../../../src/lib/detect/streaming-detector';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { MINUTE, T0, gaussian, noisy } from './fixtures';

const ev = (s: { evidence: unknown }) => s.evidence as DetectionEvidence;
const at = (i: number, value: number, metric = 'temperature'): Reading => ({
  deviceId: 'dev-1',
  tsMs: T0 + i * MINUTE,
  metrics: { [metric]: value },
});
const flaggedIndices = (scores: { isAnomaly: boolean }[]) =>
  scores.map((s, i) => (s.isAnomaly ? i : -1)).filter((i) => i >= 0);

function fleetWith(spec: Record<string, unknown>): FleetRegistry {
  return new FleetRegistry({
    version: 1,
    devices: [{ deviceId: 'dev-1', metrics: { temperature: { unit: '°C', ...spec } } }],
  });
}

describe('StreamingDetector: onset scoring', () => {
  it('flags a lasting level shift once, at its onset, then learns it', () => {
    const d = new StreamingDetector(resolveDetectConfig({}));
    d.detectBatch(noisy(200));
    const g = gaussian(5);
    const after = Array.from({ length: 300 }, (_, i) => d.detect(at(200 + i, 30 + g())));
    const flagged = flaggedIndices(after);
    expect(flagged.length).toBeGreaterThanOrEqual(1);
    expect(flagged.length).toBeLessThanOrEqual(2);
    expect(flagged[0]).toBe(0);
    expect(after[0].score).toBeGreaterThan(0.9);
    // While the shift lasts the score decays instead of staying at 1.
    expect(Math.max(...after.slice(5).map((s) => s.score))).toBeLessThan(0.5);
  });

  it('with the onset memory off (half-life 0) the same shift is flagged on many readings', () => {
    const d = new StreamingDetector(resolveDetectConfig({ onsetHalfLifeReadings: 0 }));
    d.detectBatch(noisy(200));
    const g = gaussian(5);
    const after = Array.from({ length: 300 }, (_, i) => d.detect(at(200 + i, 30 + g())));
    expect(flaggedIndices(after).length).toBeGreaterThan(10);
  });

  it('a much larger excursion after a reported one is reported again', () => {
    const d = new StreamingDetector(resolveDetectConfig({}));
    d.detectBatch(noisy(200));
    const first = d.detect(at(200, 26)); // 6 σ
    expect(first.isAnomaly).toBe(true);
    d.detectBatch(noisy(20, { startMs: T0 + 201 * MINUTE, seed: 9 }));
    const second = d.detect(at(221, 60)); // 40 σ: far beyond what was reported
    expect(second.isAnomaly).toBe(true);
  });

  it('stays quiet on a flat series and on a noise-free periodic series after warm-up', () => {
    const flat = new StreamingDetector(resolveDetectConfig({}));
    const flatScores = Array.from({ length: 500 }, (_, i) => flat.detect(at(i, 45)));
    expect(flaggedIndices(flatScores)).toEqual([]);
    const square = new StreamingDetector(resolveDetectConfig({}));
    // A square wave of period 40 readings: its level changes are flagged while it is new, then learned.
    const squareScores = Array.from({ length: 2000 }, (_, i) =>
      square.detect(at(i, Math.floor(i / 20) % 2 === 0 ? 10 : 20)),
    );
    expect(flaggedIndices(squareScores.slice(1000))).toEqual([]);
  });

  it('keeps its onset memory across snapshot → JSON → restore, and restores older snapshots without it', () => {
    const config = resolveDetectConfig({});
    const d = new StreamingDetector(config);
    d.detectBatch(noisy(200));
    d.detect(at(200, 30));
    const snap = JSON.parse(JSON.stringify(d.snapshot())) as DetectorSnapshot;
    expect(snap.series[0].onsetMemory).toBeGreaterThan(5);
    const restored = StreamingDetector.restore(snap, config);
    const next = [201, 202, 203].map((i) => at(i, 30.5));
    expect(restored.detectBatch(next).map((s) => s.score)).toEqual(d.detectBatch(next).map((s) => s.score));
    const old = JSON.parse(JSON.stringify(snap)) as DetectorSnapshot;
    delete old.series[0].onsetMemory;
    delete old.series[0].stuckMemory;
    expect(() => StreamingDetector.restore(old, config)).not.toThrow();
    const bad = JSON.parse(JSON.stringify(snap)) as { series: Record<string, unknown>[] };
    bad.series[0].onsetMemory = -1;
    const skipped: string[] = [];
    const dropped = StreamingDetector.restore(
      bad as unknown as DetectorSnapshot,
      config,
      undefined,
      (reason) => skipped.push(reason),
    );
    expect(skipped).toEqual([expect.stringMatching(/onsetMemory/)]);
    expect(dropped.seriesCount).toBe(0);
  });
});

describe('StreamingDetector: sensor accuracy (MetricSpec.accuracy)', () => {
  // A very quiet sensor (σ 0.01 °C) reporting a move of 0.4 °C: 40 σ of its own noise.
  const quiet = () => noisy(200, { sd: 0.01 });
  const moves = (d: StreamingDetector) =>
    [0.15, 0.3, 0.4].map((dv, k) => d.detect(at(200 + 10 * k, 20 + dv)));

  it.each([
    { accuracy: undefined, flagged: true },
    { accuracy: 0.3, flagged: false },
  ])('accuracy $accuracy: a 0.4 °C move on a σ 0.01 °C series flagged: $flagged', ({ accuracy, flagged }) => {
    const d = new StreamingDetector(
      resolveDetectConfig({}),
      fleetWith(accuracy === undefined ? {} : { accuracy }),
    );
    d.detectBatch(quiet());
    const scores = moves(d);
    expect(scores.some((s) => s.isAnomaly)).toBe(flagged);
  });

  it('a change well beyond the accuracy is still flagged, and the expected band is at least ± the accuracy', () => {
    const d = new StreamingDetector(resolveDetectConfig({}), fleetWith({ accuracy: 0.3 }));
    d.detectBatch(quiet());
    const s = d.detect(at(200, 23));
    expect(s.isAnomaly).toBe(true);
    const band = ev(s).metrics.temperature.expected;
    expect(band.upper - band.value).toBeGreaterThanOrEqual(0.3);
    expect(band.value - band.lower).toBeGreaterThanOrEqual(0.3);
  });

  it('floors the rate scale too: a 0.5 °C step within 1 min on a σ 0.01 series is not a rate anomaly', () => {
    const d = new StreamingDetector(
      resolveDetectConfig({ rateWindowMs: MINUTE }),
      fleetWith({ accuracy: 0.3 }),
    );
    d.detectBatch(quiet());
    const s = d.detect(at(200, 20.5));
    expect(ev(s).metrics.temperature.detectorScores.rate ?? 0).toBeLessThan(0.2);
    expect(s.isAnomaly).toBe(false);
  });

  it('the fleet schema accepts a positive accuracy and refuses 0', () => {
    expect(() => fleetWith({ accuracy: 0.3 })).not.toThrow();
    expect(() => fleetWith({ accuracy: 0 })).toThrow();
  });
});
