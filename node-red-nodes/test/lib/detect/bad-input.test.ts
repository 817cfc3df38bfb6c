import type { AnomalyScore, Reading } from '../../../src/lib/contracts';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector } from '../../../src/lib/detect/streaming-detector';
import { MINUTE, T0, noisy } from './fixtures';

const MAX = Number.MAX_VALUE; // 1.7976931348623157e308
const at = (i: number, value: number, deviceId = 'dev-1', tsMs = T0 + i * MINUTE): Reading => ({
  deviceId,
  tsMs,
  metrics: { level: value },
});

/** Every score keeps the AnomalyScore contract: score in [0, 1], contributions finite and summing to 1 or 0. */
function expectWellFormed(scores: AnomalyScore[]): void {
  for (const s of scores) {
    expect(s.score >= 0 && s.score <= 1).toBe(true);
    const c = Object.values(s.contributions);
    for (const v of c) expect(Number.isFinite(v) && v >= 0).toBe(true);
    const total = c.reduce((a, b) => a + b, 0);
    expect(total === 0 || Math.abs(total - 1) < 1e-9).toBe(true);
    for (const band of Object.values(s.expected ?? {})) {
      expect(Number.isNaN(band.value) || Number.isNaN(band.lower) || Number.isNaN(band.upper)).toBe(false);
    }
  }
}

describe('StreamingDetector: bad input gets a documented behaviour, never a crash', () => {
  it('finite-but-absurd values (±1.7976931348623157e308) score 1, keep the contract, survive a snapshot, and the series recovers', () => {
    const d = new StreamingDetector(resolveDetectConfig());
    const readings = noisy(1300, { metric: 'level' });
    readings[1200].metrics.level = MAX;
    readings[1201].metrics.level = -MAX;
    const scores = d.detectBatch(readings.slice(0, 1250));
    expectWellFormed(scores);
    expect(scores[1200].score).toBe(1);
    expect(scores[1200].isAnomaly).toBe(true);
    const restored = StreamingDetector.restore(
      JSON.parse(JSON.stringify(d.snapshot())),
      resolveDetectConfig(),
    );
    const after = restored.detectBatch(readings.slice(1250));
    expectWellFormed(after);
    expect(after.some((s) => s.isAnomaly)).toBe(false);
  });

  it('NaN and ±Infinity are refused with an InputError naming the metric (lucid-detect routes it to its reject output)', () => {
    const d = new StreamingDetector(resolveDetectConfig());
    for (const v of [NaN, Infinity, -Infinity])
      expect(() => d.detect(at(0, v))).toThrow(expect.objectContaining({ code: 'non_finite_value' }));
    // The refused readings left no trace: the series does not exist yet.
    expect(d.seriesCount).toBe(0);
  });

  it('a constant series scores 0, then its first change is flagged', () => {
    const d = new StreamingDetector(resolveDetectConfig());
    const flat = d.detectBatch(Array.from({ length: 2000 }, (_, i) => at(i, 7)));
    expectWellFormed(flat);
    expect(flat.some((s) => s.isAnomaly)).toBe(false);
    const change = d.detect(at(2000, 9));
    expect(change.isAnomaly).toBe(true);
  });

  it('one reading: warming up, score 0', () => {
    const s = new StreamingDetector(resolveDetectConfig()).detect(at(0, 42));
    expect(s.score).toBe(0);
    expect(s.isAnomaly).toBe(false);
    expect((s.evidence as { warmingUp: boolean }).warmingUp).toBe(true);
  });

  it('irregular sampling, gaps, duplicate and out-of-order timestamps are scored within the contract; late readings are not learned', () => {
    const d = new StreamingDetector(resolveDetectConfig());
    const readings: Reading[] = [];
    let t = T0;
    for (let i = 0; i < 1500; i++) {
      t += (i % 13 === 0 ? 7 : 1) * MINUTE * (0.5 + ((i * 7919) % 100) / 100); // irregular, with gaps
      readings.push(at(i, 20 + Math.sin(i / 30), 'dev-1', t));
    }
    readings.splice(800, 0, { ...readings[799] }); // duplicate
    readings.splice(900, 0, { ...readings[850] }); // out of order
    const scores = d.detectBatch(readings);
    expectWellFormed(scores);
    expect(scores).toHaveLength(readings.length);
    const before = JSON.stringify(d.snapshot());
    d.detect({ ...readings[100] }); // a late reading: scored, state unchanged
    expect(JSON.stringify(d.snapshot())).toBe(before);
  });

  it('10,000 series: memory stays bounded by maxSeries (least recently updated dropped)', () => {
    const d = new StreamingDetector(resolveDetectConfig({ maxSeries: 1_000 }));
    for (let k = 0; k < 3; k++)
      d.detectBatch(Array.from({ length: 10_000 }, (_, i) => at(k, i % 17, `dev-${i}`)));
    expect(d.seriesCount).toBe(1_000);
  });
});
