import type { DetectionEvidence, Reading } from '../../../src/lib/contracts';
import { resolveDetectConfig, type DetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector } from '../../../src/lib/detect/streaming-detector';
import { MINUTE, T0, noisy, rng } from './fixtures';

const config = (p: Partial<DetectConfig> = {}) => resolveDetectConfig(p);
const ev = (s: { evidence: unknown }) => s.evidence as DetectionEvidence;
const at = (i: number, value: number): Reading => ({
  deviceId: 'dev-1',
  tsMs: T0 + i * MINUTE,
  metrics: { load: value },
});

/** `n` readings uniform in [low, high] (a bounded series, like a utilisation), from index `from`. */
function uniform(n: number, low: number, high: number, from = 0, seed = 3): Reading[] {
  const u = rng(seed);
  return Array.from({ length: n }, (_, i) => at(from + i, low + (high - low) * u()));
}

describe('StreamingDetector: novelty (a value outside the range the series has spanned)', () => {
  it('scores a value beyond the learned range by more than the margin at 0.9, and alerts it only when it is also far outside the local spread', () => {
    const d = new StreamingDetector(config());
    d.detectBatch(uniform(1500, 0, 10));
    // 5 % of the range beyond the maximum: novel, but within 3 σ of the window (σ ≈ 3.7).
    const slightlyBeyond = d.detect(at(1500, 10.5));
    expect(slightlyBeyond.score).toBeCloseTo(0.9, 6);
    expect(slightlyBeyond.isAnomaly).toBe(false);
    expect(ev(slightlyBeyond).combined.anomalousMetrics).toEqual([]);
    // Inside the margin (1 % beyond): not novel, and the level detector sees nothing unusual.
    const d2 = new StreamingDetector(config());
    d2.detectBatch(uniform(1500, 0, 10));
    expect(d2.detect(at(1500, 10.1)).score).toBeLessThan(0.3);
    // Far outside (beyond by many σ): scored and alerted, as a level anomaly.
    const d3 = new StreamingDetector(config());
    d3.detectBatch(uniform(1500, 0, 10));
    const far = d3.detect(at(1500, 40));
    expect(far.isAnomaly).toBe(true);
    expect(ev(far).metrics.load.kind).toBe('level');
  });

  it('is silent before noveltyWarmupReadings and when disabled', () => {
    const early = new StreamingDetector(config());
    early.detectBatch(uniform(500, 0, 10));
    expect(early.detect(at(500, 10.5)).score).toBeLessThan(0.3);
    const off = new StreamingDetector(config({ noveltyMargin: 0 }));
    off.detectBatch(uniform(1500, 0, 10));
    expect(off.detect(at(1500, 10.5)).score).toBeLessThan(0.3);
  });

  it('flags a level shift once, then re-adapts to the new level', () => {
    const d = new StreamingDetector(config());
    d.detectBatch(uniform(1500, 0, 10));
    const shifted = d.detectBatch(uniform(400, 40, 50, 1500, 9));
    expect(shifted[0].isAnomaly).toBe(true);
    expect(shifted[0].score).toBeGreaterThanOrEqual(0.9);
    // Alerted at most on a handful of readings at the onset, never once the window holds the new level.
    expect(shifted.filter((s) => s.isAnomaly).length).toBeLessThanOrEqual(3);
    expect(shifted.slice(100).some((s) => s.isAnomaly)).toBe(false);
    expect(Math.max(...shifted.slice(100).map((s) => s.score))).toBeLessThan(0.5);
  });

  it('suppresses repeated detections: a staircase of new records scores high at its first step only', () => {
    const d = new StreamingDetector(config());
    d.detectBatch(uniform(1500, 0, 10));
    const stepScores: number[] = [];
    for (let step = 1; step <= 5; step++) {
      const base = 1500 + (step - 1) * 20;
      const scores = d.detectBatch(uniform(20, 15 * step, 15 * step + 10, base, 20 + step));
      stepScores.push(scores[0].score);
    }
    expect(stepScores[0]).toBeGreaterThanOrEqual(0.9);
    // Each later step is a new record beyond the margin, yet none scores at the novelty level again.
    for (const s of stepScores.slice(1)) expect(s).toBeLessThan(0.6);
    // Without the novelty detector the later steps are not scored higher either (memory, not luck).
    const without = new StreamingDetector(config({ noveltyMargin: 0 }));
    without.detectBatch(uniform(1500, 0, 10));
    expect(without.detectBatch(uniform(20, 15, 25, 1500, 21))[0].score).toBeLessThan(stepScores[0]);
  });

  it('adds no alert on stationary Gaussian noise: its new records (about 1/n of readings) rank high but are not alerted', () => {
    const readings = noisy(6000, { metric: 'load', seed: 11 });
    const withNovelty = new StreamingDetector(config()).detectBatch(readings);
    const without = new StreamingDetector(config({ noveltyMargin: 0 })).detectBatch(readings);
    const alerted = (scores: typeof without) => scores.flatMap((s, i) => (s.isAnomaly ? [i] : []));
    expect(withNovelty.some((s) => s.score >= 0.9 && !s.isAnomaly)).toBe(true);
    expect(alerted(withNovelty)).toEqual(alerted(without));
  });

  it('keeps its state through snapshot and restore (JSON round trip): identical scores afterwards', () => {
    const readings = [...uniform(1500, 0, 10), ...uniform(50, 15, 25, 1500, 5)];
    const original = new StreamingDetector(config());
    original.detectBatch(readings.slice(0, 1501));
    const restored = StreamingDetector.restore(JSON.parse(JSON.stringify(original.snapshot())), config());
    const a = original.detectBatch(readings.slice(1501));
    const b = restored.detectBatch(readings.slice(1501));
    expect(b.map((s) => s.score)).toEqual(a.map((s) => s.score));
  });

  it('restores a snapshot without the novelty fields (older versions) with the window as the range', () => {
    const d = new StreamingDetector(config());
    d.detectBatch(uniform(1500, 0, 10));
    const snap = JSON.parse(JSON.stringify(d.snapshot()));
    for (const s of snap.series) {
      delete s.rangeMin;
      delete s.rangeMax;
      delete s.noveltyMemory;
    }
    const restored = StreamingDetector.restore(snap, config());
    expect(restored.detect(at(1500, 12)).score).toBeGreaterThanOrEqual(0.9);
    expect(restored.detect(at(1501, 5)).score).toBeLessThan(0.3);
  });
});
