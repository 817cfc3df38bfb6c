import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Reading } from '../../../src/lib/contracts/types';
import { ModelScorer, type ModelScore } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel, MODELS_DIR } from './model-fixtures';

interface Reference {
  baselineRows?: number[][];
  rawReadings: number[][];
  reconstructions: number[][][];
  featureErrors: number[][];
  errors: number[];
  scores: number[];
}

const TOL = 1e-4; // float32 inference vs torch: relative tolerance on errors and scores

function readingsOf(scorer: ModelScorer, rows: number[][], deviceId: string, t0 = 0): Reading[] {
  const names = scorer.card.features.map((f) => f.name);
  return rows.map((row, i) => ({
    deviceId,
    tsMs: t0 + i * 1000,
    metrics: Object.fromEntries(names.map((n, j) => [n, row[j]!])),
  }));
}

describe.each([
  ['pump-ae', 'main'],
  ['pump-ae', 'worker'],
  ['fleet-ae', 'main'],
  ['fleet-ae', 'worker'],
] as const)(
  'ModelScorer %s parity with the reference outputs stored at export (inference on the %s thread)',
  (name, inferenceThread) => {
    let scorer: ModelScorer;
    const ref = JSON.parse(readFileSync(path.join(MODELS_DIR, name, 'reference.json'), 'utf8')) as Reference;
    // The reference scores use the card's global threshold (what torch exported); the per-device
    // calibration (scoring.deviceCalibration) is tested in device-calibration.test.ts.
    const copy = copyModel(name, {
      card: (c) => delete (c.scoring as Record<string, unknown>).deviceCalibration,
    });
    beforeAll(async () => {
      scorer = await ModelScorer.load(copy.cardPath, { maxBatchSize: 16, maxWaitMs: 1, inferenceThread });
      expect(scorer.model.inferenceThread).toBe(inferenceThread);
    });
    afterAll(async () => {
      await scorer.close();
      copy.cleanup();
    });

    it('reproduces the window errors, scores and per-feature shares of torch', async () => {
      const w = scorer.card.windowLength;
      const baseline = ref.baselineRows ?? [];
      const all = readingsOf(scorer, [...baseline, ...ref.rawReadings], 'ref');
      const results = (await scorer.scoreBatch(all)).slice(baseline.length);
      // card normalisation: the first W-1 readings warm up; device-baseline: the window is already
      // full of baseline rows, so those readings are scored on mixed windows (not in the reference)
      if (baseline.length === 0)
        expect(results.slice(0, w - 1).every((r) => r.status === 'warming_up')).toBe(true);
      const scored = results.slice(w - 1);
      expect(scored).toHaveLength(ref.errors.length);
      scored.forEach((r, i) => {
        expect(r.status).toBe('scored');
        expect(Math.abs(r.reconstructionError - ref.errors[i]!)).toBeLessThanOrEqual(
          TOL * Math.max(1, ref.errors[i]!),
        );
        expect(Math.abs(r.score - ref.scores[i]!)).toBeLessThanOrEqual(TOL);
        const fe = ref.featureErrors[i]!;
        const total = fe.reduce((a, b) => a + b, 0);
        scorer.card.features.forEach((f, j) =>
          expect(r.contributions[f.name]).toBeCloseTo(fe[j]! / total, 4),
        );
        expect(Object.values(r.contributions).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        expect(r.isAnomaly).toBe(ref.errors[i]! > scorer.card.scoring.threshold);
        expect(r.evidence).toEqual({
          name,
          score: r.score,
          reconstructionError: r.reconstructionError,
          imputed: [],
        });
      });
    });

    it('the raw ONNX output equals the stored reconstructions', async () => {
      const w = scorer.card.windowLength;
      const f = scorer.card.features.length;
      const windows = (
        JSON.parse(readFileSync(path.join(MODELS_DIR, name, 'reference.json'), 'utf8')) as {
          windows: number[][][];
        }
      ).windows;
      const input = Float32Array.from(windows.flat(2));
      const out = await scorer.model.run(input, windows.length);
      const expected = ref.reconstructions.flat(2);
      expect(out).toHaveLength(windows.length * w * f);
      let maxDiff = 0;
      out.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[i]!))));
      expect(maxDiff).toBeLessThan(1e-4);
    });
  },
);

describe('ModelScorer across concurrent devices', () => {
  let scorer: ModelScorer;
  let sequential: ModelScorer;
  beforeAll(async () => {
    scorer = await ModelScorer.load(cardPathOf('pump-ae'), { maxBatchSize: 8, maxWaitMs: 1 });
    sequential = await ModelScorer.load(cardPathOf('pump-ae'));
  });
  afterAll(async () => {
    await scorer.close();
    await sequential.close();
  });

  it('micro-batched single calls give the same per-device results, in order, as one batch per device', async () => {
    const ref = JSON.parse(
      readFileSync(path.join(MODELS_DIR, 'pump-ae', 'reference.json'), 'utf8'),
    ) as Reference;
    const rows = [...(ref.baselineRows ?? []), ...ref.rawReadings];
    const devices = ['p1', 'p2', 'p3'];
    // each device plays the same rows shifted, so their windows differ at any instant
    const perDevice = devices.map((d, k) =>
      readingsOf(scorer, [...rows.slice(k * 5), ...rows.slice(0, k * 5)], d),
    );
    const expected = await Promise.all(perDevice.map((rs) => sequential.scoreBatch(rs)));
    const got = new Map<string, ModelScore[]>(devices.map((d) => [d, []]));
    const calls: Promise<void>[] = [];
    for (let i = 0; i < rows.length; i++) {
      for (const rs of perDevice) {
        calls.push(scorer.score(rs[i]!).then((s) => void got.get(s.deviceId)!.push(s)));
      }
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(calls);
    devices.forEach((d, k) => {
      const g = got.get(d)!;
      expect(g.map((s) => s.tsMs)).toEqual(perDevice[k]!.map((r) => r.tsMs));
      g.forEach((s, i) => {
        expect(s.status).toBe(expected[k]![i]!.status);
        expect(s.reconstructionError).toBeCloseTo(expected[k]![i]!.reconstructionError, 5);
      });
      expect(g.filter((s) => s.status === 'scored').length).toBeGreaterThan(0);
    });
  });

  it('imputes a missing feature (flagged), skips a reading with most features missing, and handles NaN', async () => {
    const card = scorer.card;
    const means = Object.fromEntries(card.features.map((f) => [f.name, f.mean]));
    const baselineReadings = card.normalisation.baselineReadings ?? 0;
    const warm: Reading[] = Array.from({ length: Math.max(baselineReadings, card.windowLength) }, (_, i) => ({
      deviceId: 'gaps',
      tsMs: i,
      metrics: Object.fromEntries(
        card.features.map((f, j) => [f.name, f.mean + f.std * 0.1 * Math.sin(i / 7 + j)]),
      ),
    }));
    const first = card.features[0]!.name;
    const second = card.features[1]!.name;
    const withoutFirst = Object.fromEntries(Object.entries(means).filter(([k]) => k !== first));
    const t = warm.length;
    const [ready, imputed, nan, skipped] = (
      await scorer.scoreBatch([
        ...warm,
        { deviceId: 'gaps', tsMs: t + 1, metrics: withoutFirst },
        { deviceId: 'gaps', tsMs: t + 2, metrics: { ...means, [second]: Number.NaN } },
        { deviceId: 'gaps', tsMs: t + 3, metrics: { [first]: 1 } },
      ])
    ).slice(warm.length - 1);
    expect(ready!.status).toBe('scored');
    expect(imputed).toMatchObject({ status: 'scored', imputed: [first], evidence: { imputed: [first] } });
    expect(nan).toMatchObject({ status: 'scored', imputed: [second] });
    expect(Number.isFinite(nan!.score)).toBe(true);
    expect(skipped).toMatchObject({
      status: 'skipped',
      reason: 'missing_features',
      score: 0,
      isAnomaly: false,
      contributions: {},
    });
  });
});
