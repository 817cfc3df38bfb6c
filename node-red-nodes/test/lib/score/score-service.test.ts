import type { Reading } from '../../../src/lib/contracts';
import { CombinedDetector } from '../../../src/lib/detect/combined-detector';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { DetectorRegistry } from '../../../src/lib/score/detector-registry';
import { MAX_SCORE_BATCH, ScoreError, ScoreService } from '../../../src/lib/score/score-service';
import { MINUTE, T0, gaussian } from '../detect/fixtures';

const N = 300;
/** Two correlated metrics of a pump (pressure ≈ 2 × flow), one reading a minute. */
function pumpReadings(deviceId: string, n: number, seed: number, startMs = T0): Reading[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, i) => {
    const flow = 10 + g();
    return { deviceId, tsMs: startMs + i * MINUTE, metrics: { flow, pressure: 2 * flow + 0.2 * g() } };
  });
}

const LAST_MS = T0 + (N - 1) * MINUTE;
const NOW = LAST_MS + 30_000;

function setup(): { detector: CombinedDetector; registry: DetectorRegistry; service: ScoreService } {
  const fleet = new FleetRegistry({});
  const detector = new CombinedDetector(resolveDetectConfig({ jointFitReadings: 100 }), fleet);
  detector.detectBatch(pumpReadings('pump-1', N, 7));
  const registry = new DetectorRegistry();
  registry.register({ id: 'd1', name: 'detect A', detector: () => detector, fleet });
  return { detector, registry, service: new ScoreService(registry, { nowMs: () => NOW }) };
}

const next = (metrics: Record<string, number>, offsetMs = MINUTE) => ({
  deviceId: 'pump-1',
  tsMs: LAST_MS + offsetMs,
  metrics,
});

/** The code of the ScoreError `fn` throws. */
function rejection(fn: () => unknown): { status: number; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScoreError);
    const e = err as ScoreError;
    return { status: e.status, reason: e.reason, message: e.message };
  }
  throw new Error('expected a ScoreError');
}

describe('ScoreService: read-only scoring on the live state', () => {
  it('leaves the detector state unchanged, and scores as the flow will score the same reading', () => {
    const { detector, service } = setup();
    const before = JSON.stringify(detector.snapshot());
    const reading = next({ flow: 10.2, pressure: 20.3 });
    const a = service.score(reading);
    const b = service.score(reading);
    expect(JSON.stringify(detector.snapshot())).toBe(before);
    // Scoring twice gives the same answer: nothing was learned in between.
    expect({ ...b, processingMs: 0 }).toEqual({ ...a, processingMs: 0 });
    // The flow then receives the reading and learns it once: its score equals the API's.
    const flow = detector.detect(reading);
    expect(a.anomaly_score).toBeCloseTo(flow.score, 12);
    expect(a.isAnomaly).toBe(flow.isAnomaly);
    expect(a.contributions).toEqual(flow.contributions);
    expect(a.detector).toBe(flow.detector);
    expect(JSON.stringify(detector.snapshot())).not.toBe(before);
  });

  it('returns score, threshold, decision, contributions, version and timing; flags a broken correlation', () => {
    const { service } = setup();
    const normal = service.score(next({ flow: 10.1, pressure: 20.2 }));
    expect(normal.isAnomaly).toBe(false);
    expect(normal.threshold).toBeCloseTo(0.5, 12); // sensitivity 0.5: cut-off 0.8 − 0.6 × 0.5
    expect(normal.version).toMatch(/^lucid-detect@\d+\.\d+\.\d+\+[0-9a-f]{8}$/);
    expect(normal.detectorNode).toBe('detect A');
    expect(normal.warmingUp).toBe(false);
    expect(normal.processingMs).toBeGreaterThan(0);
    expect(Object.keys(normal.contributions).sort()).toEqual(['flow', 'pressure']);

    // Pressure far below what the flow implies: anomalous, pressure contributes most.
    const broken = service.score(next({ flow: 10, pressure: 8 }));
    expect(broken.isAnomaly).toBe(true);
    expect(broken.anomaly_score).toBeGreaterThanOrEqual(broken.threshold);
    expect(broken.contributions.pressure).toBeGreaterThan(broken.contributions.flow);
    const sum = broken.contributions.flow + broken.contributions.pressure;
    expect(sum).toBeCloseTo(1, 9);
  });

  it('scores a batch in order on one copy, as the flow scores the same readings next', () => {
    const { detector, registry } = setup();
    const service = new ScoreService(registry, { nowMs: () => LAST_MS + 21 * MINUTE });
    const before = JSON.stringify(detector.snapshot());
    const batch = pumpReadings('pump-1', 20, 99, LAST_MS + MINUTE);
    batch[10].metrics.pressure = 5;
    const { results, processingMs } = service.scoreBatch(batch);
    expect(JSON.stringify(detector.snapshot())).toBe(before);
    expect(processingMs).toBeGreaterThan(0);
    const flow = detector.detectBatch(batch.map((r) => ({ ...r, metrics: { ...r.metrics } })));
    expect(results.map((r) => r.anomaly_score)).toEqual(flow.map((s) => s.score));
    expect(results.map((r) => r.isAnomaly)).toEqual(flow.map((s) => s.isAnomaly));
    expect(results[10].isAnomaly).toBe(true);
  });

  it('validates as lucid-ingest does: flat form, ISO timestamps and units are accepted', () => {
    const { service } = setup();
    const r = service.score({
      deviceId: 'pump-1',
      ts: new Date(LAST_MS + MINUTE).toISOString(),
      flow: 10.1,
      pressure: 20.2,
    });
    expect(r.tsMs).toBe(LAST_MS + MINUTE);
  });

  it('routes each device to the detector that knows it', () => {
    const { registry, service } = setup();
    const fleet = new FleetRegistry({});
    const other = new CombinedDetector(resolveDetectConfig({ sensitivity: 0.9 }), fleet);
    other.detectBatch(pumpReadings('pump-2', 100, 3));
    const unregister = registry.register({ id: 'd2', name: 'detect B', detector: () => other, fleet });
    const r = service.score({ ...next({ flow: 10, pressure: 20 }), deviceId: 'pump-2' });
    expect(r.detectorNode).toBe('detect B');
    expect(r.threshold).toBeCloseTo(0.8 - 0.6 * 0.9, 12);
    unregister();
    expect(
      rejection(() => service.score({ ...next({ flow: 10, pressure: 20 }), deviceId: 'pump-2' })).reason,
    ).toBe('unknown_device');
  });
});

describe('ScoreService: bad input is refused with a reason and changes nothing', () => {
  const cases: [string, unknown, number, string, RegExp][] = [
    [
      'unknown device',
      { deviceId: 'ghost', tsMs: NOW, metrics: { flow: 1 } },
      404,
      'unknown_device',
      /"ghost"/,
    ],
    ['unknown metric', next({ flow: 10, pressure: 20, rpm: 3 }), 422, 'unknown_metric', /"rpm"/],
    ['missing metric', next({ flow: 10 }), 422, 'missing_metrics', /"pressure"/],
    ['no metrics', { deviceId: 'pump-1', tsMs: NOW }, 400, 'schema', /metric/],
    [
      'non-finite value',
      next({ flow: 10, pressure: 'NaN' as unknown as number }),
      400,
      'not_finite',
      /pressure/,
    ],
    [
      'timestamp in the future',
      next({ flow: 10, pressure: 20 }, 3_600_000),
      400,
      'timestamp_future',
      /ahead|future/,
    ],
    ['not an object', [1, 2], 400, 'schema', /deviceId/],
    ['no deviceId', { tsMs: NOW, metrics: { flow: 1 } }, 400, 'schema', /deviceId/],
  ];
  it.each(cases)('%s', (_name, body, status, reason, detail) => {
    const { detector, service } = setup();
    const before = JSON.stringify(detector.snapshot());
    const e = rejection(() => service.score(body));
    expect(e.status).toBe(status);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(detail);
    expect(JSON.stringify(detector.snapshot())).toBe(before);
  });

  it('refuses a batch over the limit (413), an empty batch (400), and names the bad item of a batch', () => {
    const { service } = setup();
    const big = Array.from({ length: MAX_SCORE_BATCH + 1 }, () => next({ flow: 10, pressure: 20 }));
    expect(rejection(() => service.scoreBatch(big))).toMatchObject({
      status: 413,
      reason: 'batch_too_large',
    });
    expect(rejection(() => service.scoreBatch([]))).toMatchObject({ status: 400, reason: 'empty_batch' });
    const e = rejection(() =>
      service.scoreBatch([
        next({ flow: 10, pressure: 20 }),
        next({ flow: 10 }),
        next({ flow: 1, pressure: 2 }),
      ]),
    );
    expect(e).toMatchObject({ status: 422, reason: 'missing_metrics' });
    expect(e.message).toMatch(/^readings\[1\]/);
    expect(new ScoreService(new DetectorRegistry(), { maxBatch: 2 }).maxBatch).toBe(2);
    expect(() => new ScoreService(new DetectorRegistry(), { maxBatch: 0 })).toThrow(/maxBatch/);
  });

  it('answers 503 no_detector when no lucid-detect node runs', () => {
    const service = new ScoreService(new DetectorRegistry());
    expect(rejection(() => service.score(next({ flow: 1, pressure: 2 })))).toMatchObject({
      status: 503,
      reason: 'no_detector',
    });
  });
});

describe('CombinedDetector.copyOf', () => {
  it('copies every field of the devices it names, independently of the original', () => {
    const { detector } = setup();
    const copy = detector.copyOf(['pump-1', 'unknown']);
    expect(copy.streaming.deviceMetrics('pump-1')).toEqual(['flow', 'pressure']);
    expect(copy.streaming.hasDevice('unknown')).toBe(false);
    // The copy's state serialises exactly as the original's.
    expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(detector.snapshot()));
    const before = JSON.stringify(detector.snapshot());
    copy.detectBatch(pumpReadings('pump-1', 50, 11, LAST_MS + MINUTE));
    expect(JSON.stringify(detector.snapshot())).toBe(before);
    expect(JSON.stringify(copy.snapshot())).not.toBe(before);
  });
});
