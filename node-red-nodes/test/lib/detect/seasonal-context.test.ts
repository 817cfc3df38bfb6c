import type { DetectionEvidence, Reading } from '../../../src/lib/contracts';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { SEASON_BINS } from '../../../src/lib/detect/metric-series';
import { StreamingDetector, type DetectorSnapshot } from '../../../src/lib/detect/streaming-detector';
import { MINUTE, T0, gaussian } from './fixtures';

const STEP = 5 * MINUTE;
const PER_DAY = (24 * 60) / 5;
const ev = (s: { evidence: unknown }) => (s.evidence as DetectionEvidence).metrics.load;

/** Daily square wave: 20 at night, 80 from 09:00 to 17:00 (UTC), noise σ = 1; `override` replaces values by index. */
function daily(days: number, override: (i: number, v: number) => number = (_, v) => v, seed = 3): Reading[] {
  const g = gaussian(seed);
  return Array.from({ length: days * PER_DAY }, (_, i) => {
    const hour = ((i % PER_DAY) * 5) / 60;
    const base = hour >= 9 && hour < 17 ? 80 : 20;
    return { deviceId: 'dev-1', tsMs: T0 + i * STEP, metrics: { load: override(i, base + g()) } };
  });
}

const nineOnDay = (d: number) => d * PER_DAY + 9 * 12;

describe('StreamingDetector: daily seasonal context', () => {
  it('learns a daily pattern: after a few days the expected daily jumps are not anomalous', () => {
    const d = new StreamingDetector(resolveDetectConfig({}));
    const scores = d.detectBatch(daily(10));
    // Day 0: the first jump is new and flagged.
    expect(scores.slice(0, PER_DAY).some((s) => s.isAnomaly)).toBe(true);
    // Days 5..9: the profile predicts the jumps; nothing is flagged.
    const late = scores.slice(5 * PER_DAY);
    expect(late.filter((s) => s.isAnomaly)).toHaveLength(0);
    // At 09:00 on day 8 the expected value is the profile's (≈ 80), not the night's median (≈ 20).
    const e = ev(scores[nineOnDay(8) + 2]);
    expect(e.expected.value).toBeGreaterThan(60);
    expect(e.baseline.median).toBeLessThan(40);
  });

  it('flags a jump that does not happen, as a downward level deviation from the profile', () => {
    const missing = (i: number, v: number) =>
      i >= nineOnDay(8) && i < nineOnDay(8) + 96 ? 20 + (v - 80) : v;
    const d = new StreamingDetector(resolveDetectConfig({}));
    const scores = d.detectBatch(daily(10, missing));
    const window = scores.slice(nineOnDay(8), nineOnDay(8) + 12);
    const flagged = window.find((s) => s.isAnomaly);
    expect(flagged).toBeDefined();
    expect(ev(flagged!).kind).toBe('level');
    expect(ev(flagged!).direction).toBe('down');
    // The same day without the pattern (no seasonal context yet) would not be anomalous at all:
    // the value equals the night's level the window holds.
    expect(ev(flagged!).baseline.median).toBeLessThan(30);
  });

  it('a series sampled every 10 s for a few hours never switches to the profile (visits are days)', () => {
    const d = new StreamingDetector(resolveDetectConfig({}));
    const g = gaussian(9);
    for (let i = 0; i < 1500; i++)
      d.detect({ deviceId: 'dev-1', tsMs: T0 + i * 10_000, metrics: { load: 50 + g() } });
    const s = d.snapshot().series[0];
    expect(s.comparedCount).toBe(0);
    expect(Math.max(...s.seasonVisits!)).toBeLessThanOrEqual(1);
  });

  it('snapshot → JSON → restore keeps the profile: identical subsequent scores', () => {
    const config = resolveDetectConfig({});
    const readings = daily(7);
    const cut = 6 * PER_DAY;
    const a = new StreamingDetector(config);
    a.detectBatch(readings.slice(0, cut));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    expect(snap.series[0].seasonMean).toHaveLength(SEASON_BINS);
    expect(snap.series[0].comparedCount).toBeGreaterThan(0);
    const b = StreamingDetector.restore(snap, config);
    const rest = readings.slice(cut);
    expect(b.detectBatch(rest)).toEqual(a.detectBatch(rest));
  });

  it('restores a snapshot without the seasonal fields (older version) and learns the profile anew', () => {
    const config = resolveDetectConfig({});
    const a = new StreamingDetector(config);
    a.detectBatch(daily(2));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    for (const f of [
      'seasonMean',
      'seasonDev',
      'seasonVisits',
      'localError',
      'seasonError',
      'comparedCount',
    ] as const)
      delete snap.series[0][f];
    const b = StreamingDetector.restore(snap, config);
    expect(() => b.detectBatch(daily(3).slice(2 * PER_DAY))).not.toThrow();
    expect(b.snapshot().series[0].seasonVisits).toHaveLength(SEASON_BINS);
  });

  it.each([
    { name: 'short profile', patch: { seasonMean: [1, 2, 3] } },
    { name: 'negative deviation', patch: { seasonDev: new Array(SEASON_BINS).fill(-1) } },
    { name: 'profile without visits', patch: { seasonVisits: undefined } },
    { name: 'negative compared count', patch: { comparedCount: -1 } },
  ])('drops a series with a corrupt seasonal snapshot ($name)', ({ patch }) => {
    const config = resolveDetectConfig({});
    const a = new StreamingDetector(config);
    a.detectBatch(daily(1));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    Object.assign(snap.series[0], patch);
    const skipped: string[] = [];
    const restored = StreamingDetector.restore(snap, config, undefined, (reason) => skipped.push(reason));
    expect(skipped).toHaveLength(1);
    expect(restored.seriesCount).toBe(0);
  });
});
