import type { DetectionEvidence, Reading } from '../../../src/lib/contracts';
import {
  CombinedDetector,
  combineContributions,
  rankContributions,
  type CombinedDetectorSnapshot,
} from '../../../src/lib/detect/combined-detector';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { fitJointGaussian, scoreJointState } from '../../../src/lib/detect/joint-gaussian-model';
import { JointStateDetector, type JointDetectorSnapshot } from '../../../src/lib/detect/joint-state-detector';
import { MINUTE, T0, gaussian } from './fixtures';

/**
 * A pump-like device: flow varies widely; current and pressure follow flow closely; temperature is
 * independent. `breakAt..breakEnd`: current is raised by `shift` while flow and pressure stay
 * normal, so current stays inside its own marginal range but leaves its relation to flow.
 */
function pump(n: number, opts: { seed?: number; breakAt?: number; breakEnd?: number; shift?: number } = {}) {
  const g = gaussian(opts.seed ?? 7);
  const out: Reading[] = [];
  for (let i = 0; i < n; i++) {
    const flow = 50 + 5 * g();
    let current = 0.1 * flow + 0.05 * g();
    const pressure = 2 + 0.04 * flow + 0.02 * g();
    const temperature = 20 + g();
    if (opts.breakAt !== undefined && i >= opts.breakAt && i < (opts.breakEnd ?? n))
      current += opts.shift ?? 1;
    out.push({
      deviceId: 'pump-1',
      tsMs: T0 + i * MINUTE,
      metrics: { flow, current, pressure, temperature },
    });
  }
  return out;
}

const FIT = 200;

describe('fitJointGaussian / scoreJointState', () => {
  it('gives a broken relation a large statistic and the largest conditional residual to the metric that broke', () => {
    const rows = pump(FIT).map((r) => [
      r.metrics.flow,
      r.metrics.current,
      r.metrics.pressure,
      r.metrics.temperature,
    ]);
    const model = fitJointGaussian(['flow', 'current', 'pressure', 'temperature'], rows)!;
    expect(model.metrics).toEqual(['flow', 'current', 'pressure', 'temperature']);
    // Current +1 (≈ 2 marginal sd, 20 conditional sd) at the mean flow.
    const { statistic, residualZ } = scoreJointState(model, [50, 6, 4, 20]);
    expect(statistic / model.limit).toBeGreaterThan(3);
    const abs = Array.from(residualZ, Math.abs);
    expect(abs.indexOf(Math.max(...abs))).toBe(1);
    // The same current with the flow that explains it is normal.
    expect(scoreJointState(model, [60, 6, 4.4, 20]).statistic / model.limit).toBeLessThan(1);
  });

  it('leaves out metrics constant in the window, and fits nothing from fewer than two varying metrics', () => {
    const g = gaussian(3);
    const rows = Array.from({ length: 50 }, () => [g(), 7, g()]);
    expect(fitJointGaussian(['a', 'flat', 'b'], rows)!.metrics).toEqual(['a', 'b']);
    expect(
      fitJointGaussian(
        ['a', 'flat'],
        rows.map((r) => [r[0], r[1]]),
      ),
    ).toBeUndefined();
    expect(fitJointGaussian(['a', 'b'], [[1, 2]])).toBeUndefined();
  });

  it('skips rows with non-finite values instead of propagating them', () => {
    const g = gaussian(4);
    const rows = Array.from({ length: 40 }, () => [g(), g()]);
    rows[5] = [NaN, 1];
    rows[6] = [Infinity, 1];
    const model = fitJointGaussian(['a', 'b'], rows)!;
    expect(model.fitReadings).toBe(38);
    expect(model.mean.every(Number.isFinite)).toBe(true);
  });
});

describe('JointStateDetector', () => {
  it('scores 0 with no evidence during the commissioning window, then fits on exactly fitReadings readings', () => {
    const d = new JointStateDetector(FIT);
    const readings = pump(FIT + 1);
    readings.slice(0, FIT).forEach((r) => {
      const s = d.score(r.deviceId, r.tsMs, r.metrics, 0.5);
      expect(s).toEqual({ score: 0, onset: false, active: false });
    });
    expect(d.model('pump-1')?.fitReadings).toBe(FIT);
    const last = readings[FIT];
    expect(d.score(last.deviceId, last.tsMs, last.metrics, 0.5).evidence).toBeDefined();
  });

  it('opens one episode when the relation breaks, keeps it active while it lasts, and closes it after', () => {
    const d = new JointStateDetector(FIT);
    const readings = pump(FIT + 300, { breakAt: FIT + 100, breakEnd: FIT + 200, shift: 1 });
    const scores = readings.map((r) => d.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    const onsets = scores.map((s, i) => (s.onset ? i : -1)).filter((i) => i >= 0);
    // One onset, a few readings after the break (the smoothed metrics take them to depart).
    expect(onsets).toHaveLength(1);
    expect(onsets[0]).toBeGreaterThanOrEqual(FIT + 100);
    expect(onsets[0]).toBeLessThanOrEqual(FIT + 105);
    expect(scores.slice(onsets[0], FIT + 200).every((s) => s.active)).toBe(true);
    expect(scores.slice(FIT + 230).some((s) => s.active)).toBe(false);
    expect(scores.slice(FIT, FIT + 100).filter((s) => s.active).length).toBeLessThanOrEqual(2);
    const inside = scores[FIT + 150];
    expect(rankContributions(inside.shares!)[0]).toBe('current');
    expect(inside.sinceTsMs).toBe(readings[onsets[0]].tsMs);
  });

  it('learns a slow cycle wider than the commissioning window saw, yet still opens on a broken relation', () => {
    // A daily cycle at one reading per 10 s: temperature swings ±3 over 8640 readings, humidity
    // follows it inversely;
    // commissioning (200 readings) sees only a small part of the swing.
    const g = gaussian(11);
    const reading = (i: number, extraHumidity = 0): Reading => {
      const temperature = 20 + 3 * Math.sin((2 * Math.PI * i) / 8640) + 0.3 * g();
      return {
        deviceId: 'env-1',
        tsMs: T0 + i * MINUTE,
        metrics: { temperature, humidity: 80 - 2 * temperature + 0.5 * g() + extraHumidity },
      };
    };
    const adaptive = new JointStateDetector(FIT);
    const frozen = new JointStateDetector(FIT, undefined, { meanAdaptation: 0, scaleAdaptation: 0 });
    let adaptiveActive = 0;
    let frozenActive = 0;
    for (let i = 0; i < 9000; i++) {
      const r = reading(i);
      if (adaptive.score(r.deviceId, r.tsMs, r.metrics, 0.5).active) adaptiveActive++;
      if (frozen.score(r.deviceId, r.tsMs, r.metrics, 0.5).active) frozenActive++;
    }
    expect(frozenActive).toBeGreaterThan(500); // without adaptation the cycle itself alerts
    expect(adaptiveActive).toBe(0);
    // Humidity leaving its relation to temperature still opens an episode.
    const after = Array.from({ length: 100 }, (_, k) => reading(9000 + k, 10));
    const onsets = after.filter((r) => adaptive.score(r.deviceId, r.tsMs, r.metrics, 0.5).onset);
    expect(onsets).toHaveLength(1);
  });

  it('never throws on bad input: NaN, a single metric, a metric missing or appearing later', () => {
    const d = new JointStateDetector(FIT);
    expect(d.score('x', T0, { a: NaN, b: 1 }, 0.5)).toEqual({ score: 0, onset: false, active: false });
    expect(d.score('single', T0, { a: 1 }, 0.5).score).toBe(0);
    expect(d.deviceCount).toBe(0);
    const readings = pump(FIT + 100);
    // A metric appearing during commissioning restarts the window with it.
    readings
      .slice(0, 50)
      .forEach((r) => d.score(r.deviceId, r.tsMs, { flow: r.metrics.flow, current: r.metrics.current }, 0.5));
    readings.slice(50, 50 + FIT).forEach((r) => d.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    expect(d.model('pump-1')?.metrics).toEqual(['current', 'flow', 'pressure', 'temperature']);
    const r = readings[FIT + 60];
    // A metric missing after the fit: not scored jointly, no throw; a new metric is ignored.
    expect(d.score('pump-1', r.tsMs, { flow: 50, current: 5 }, 0.5).evidence).toBeUndefined();
    const withNew = d.score('pump-1', r.tsMs + 1, { ...r.metrics, vibration: 3 }, 0.5);
    expect(Object.keys(withNew.evidence!.residualZ).sort()).toEqual([
      'current',
      'flow',
      'pressure',
      'temperature',
    ]);
    expect(d.score('pump-1', r.tsMs + 2, { ...r.metrics, flow: NaN }, 0.5).evidence).toBeUndefined();
  });

  it('restores from a JSON snapshot with identical scores, dropping only a corrupt device', () => {
    const a = new JointStateDetector(FIT);
    const readings = pump(FIT + 200, { breakAt: FIT + 120, shift: 1 });
    readings.slice(0, FIT + 100).forEach((r) => a.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    pump(50, { seed: 9 }).forEach((r) => a.score('pump-2', r.tsMs, r.metrics, 0.5));
    const json = JSON.parse(JSON.stringify(a.snapshot())) as JointDetectorSnapshot;
    const { detector: b, dropped } = JointStateDetector.restore(json, FIT);
    expect(dropped).toEqual([]);
    for (const r of readings.slice(FIT + 100)) {
      expect(b.score(r.deviceId, r.tsMs, r.metrics, 0.5)).toEqual(
        a.score(r.deviceId, r.tsMs, r.metrics, 0.5),
      );
    }
    const corrupt = JSON.parse(JSON.stringify(a.snapshot())) as JointDetectorSnapshot;
    corrupt.devices.find((x) => x.deviceId === 'pump-1')!.model!.mean[0] = null as unknown as number;
    const restored = JointStateDetector.restore(corrupt, FIT);
    expect(restored.dropped).toEqual(['pump-1']);
    expect(restored.detector.deviceCount).toBe(1);
    expect(() => JointStateDetector.restore({ version: 2 } as unknown as JointDetectorSnapshot, FIT)).toThrow(
      /joint snapshot/,
    );
  });

  it('after a clock reset, takes the next reading in order again with no episode open, keeping the model', () => {
    const d = new JointStateDetector(FIT);
    const readings = pump(FIT + 50, { breakAt: FIT + 10, shift: 1 });
    readings.forEach((r) => d.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    const model = d.model('pump-1');
    expect(d.resetClock('pump-1')).toBe(true);
    expect(d.model('pump-1')).toBe(model);
    const back = readings[FIT + 20];
    const s = d.score('pump-1', back.tsMs - 10 * 24 * 60 * MINUTE, back.metrics, 0.5);
    expect(s.onset).toBe(true);
    expect(d.resetClock('unknown')).toBe(false);
  });

  it('refits on a new normal and restores the previous model on revert', () => {
    const d = new JointStateDetector(FIT);
    pump(FIT).forEach((r) => d.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    const before = d.model('pump-1');
    expect(d.refit('pump-1', 'adapt-1')).toBe(true);
    expect(d.model('pump-1')).toBeUndefined();
    // The shifted relation, once commissioned, is the new normal: no episode.
    const shifted = pump(2 * FIT, { seed: 11, breakAt: 0, shift: 1 }).map((r) => ({
      ...r,
      tsMs: r.tsMs + FIT * MINUTE,
    }));
    const scores = shifted.map((r) => d.score(r.deviceId, r.tsMs, r.metrics, 0.5));
    expect(scores.slice(FIT).filter((s) => s.active).length).toBeLessThan(5);
    expect(d.revertRefit('pump-1', 'adapt-1')).toBe(true);
    expect(d.model('pump-1')).toEqual(before);
    expect(d.refit('unknown', 'adapt-2')).toBe(false);
  });
});

describe('CombinedDetector', () => {
  const config = resolveDetectConfig({ jointFitReadings: FIT });

  it('flags a broken relation the univariate detectors miss, with in-episode state and contributions summing to 1', () => {
    const det = new CombinedDetector(config);
    const readings = pump(FIT + 300, { breakAt: FIT + 100, breakEnd: FIT + 200, shift: 1 });
    const streamingOnly = new CombinedDetector(resolveDetectConfig({ jointFitReadings: 0 }));
    const base = streamingOnly.detectBatch(readings.map((r) => ({ ...r, metrics: { ...r.metrics } })));
    const scores = det.detectBatch(readings);
    const inFault = scores.slice(FIT + 100, FIT + 200);
    expect(base.slice(FIT + 100, FIT + 200).filter((s) => s.episode?.active).length).toBeLessThan(10);
    expect(inFault.filter((s) => s.episode?.active).length).toBeGreaterThanOrEqual(94);
    expect(inFault.filter((s) => s.isAnomaly).length).toBeLessThanOrEqual(3);
    for (const s of inFault) {
      const sum = Object.values(s.contributions).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 9);
    }
    expect(rankContributions(inFault[50].contributions)[0]).toBe('current');
    expect((inFault[50].evidence as DetectionEvidence).joint?.fitReadings).toBe(FIT);
    expect(scores.slice(FIT + 230).filter((s) => s.episode?.active).length).toBeLessThan(5);
  });

  it('restores from its own snapshot, or from a streaming-only snapshot with a fresh commissioning window', () => {
    const det = new CombinedDetector(config);
    const readings = pump(FIT + 50);
    det.detectBatch(readings.slice(0, FIT + 10));
    const snap = JSON.parse(JSON.stringify(det.snapshot())) as CombinedDetectorSnapshot;
    const again = CombinedDetector.restore(snap, config);
    const next = readings.slice(FIT + 10);
    expect(again.detectBatch(structuredClone(next))).toEqual(det.detectBatch(structuredClone(next)));
    const streamingOnly: CombinedDetectorSnapshot = { ...snap };
    delete streamingOnly.joint;
    const fresh = CombinedDetector.restore(streamingOnly, config);
    expect(fresh.joint.model('pump-1')).toBeUndefined();
    snap.joint = { version: 7 } as unknown as CombinedDetectorSnapshot['joint'];
    expect(CombinedDetector.restore(snap, config).joint.deviceCount).toBe(0);
  });
});

describe('CombinedDetector: new_normal adaptation', () => {
  const config = resolveDetectConfig({ jointFitReadings: FIT });
  const newNormal = {
    id: 'nn-1',
    kind: 'new_normal',
    deviceId: 'pump-1',
    createdBy: 'ana',
    reason: 'valve replaced',
    tsMs: T0,
  } as const;

  it('refits once per id (also after a restore), and its revert restores the previous model', () => {
    const det = new CombinedDetector(config);
    det.detectBatch(pump(FIT + 10));
    const before = det.joint.model('pump-1');
    det.applyAdaptation({ ...newNormal });
    expect(det.joint.model('pump-1')).toBeUndefined();
    const later = pump(FIT + 10, { seed: 12 }).map((r) => ({ ...r, tsMs: r.tsMs + (FIT + 10) * MINUTE }));
    det.detectBatch(later);
    const refitted = det.joint.model('pump-1');
    expect(refitted).toBeDefined();
    expect(refitted).not.toEqual(before);
    // lucid-feedback re-sends adaptations in force after a restart: no second refit.
    const restored = CombinedDetector.restore(JSON.parse(JSON.stringify(det.snapshot())), config);
    restored.applyAdaptation({ ...newNormal });
    expect(restored.joint.model('pump-1')).toEqual(refitted);
    restored.applyAdaptation({ ...newNormal, revertedMs: T0 + 1 });
    expect(restored.joint.model('pump-1')).toEqual(before);
  });

  it('refuses a new_normal without a device', () => {
    const det = new CombinedDetector(config);
    expect(() => det.applyAdaptation({ ...newNormal, deviceId: undefined })).toThrow(/deviceId/);
  });
});

describe('combineContributions', () => {
  it('weights each detector by its score and sums to 1', () => {
    const c = combineContributions({ a: 1, b: 0 }, 0.2, { a: 0, b: 1 }, 0.6);
    expect(c.a).toBeCloseTo(0.25, 12);
    expect(c.b).toBeCloseTo(0.75, 12);
  });
  it('counts both equally when both scores are 0, and returns the univariate shares without a joint model', () => {
    expect(combineContributions({ a: 0.5, b: 0.5 }, 0, { a: 1, b: 0 }, 0)).toEqual({ a: 0.75, b: 0.25 });
    const uni = { a: 0.3, b: 0.7 };
    expect(combineContributions(uni, 0.4, undefined, 0)).toBe(uni);
    expect(combineContributions({ a: 0, b: 0 }, 0, { a: 0.2, b: 0.8 }, 0)).toEqual({ a: 0.2, b: 0.8 });
  });
  it('ranks equal contributions by name', () => {
    expect(rankContributions({ b: 0.4, a: 0.4, c: 0.2 })).toEqual(['a', 'b', 'c']);
  });
});
