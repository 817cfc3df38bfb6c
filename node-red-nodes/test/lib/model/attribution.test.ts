import { readFileSync } from 'node:fs';
import type { Reading } from '../../../src/lib/contracts/types';
import type { ModelAttribution } from '../../../src/lib/model/model-card';
import { parseModelCard } from '../../../src/lib/model/model-card';
import { ModelScorer, type ModelScore } from '../../../src/lib/model/model-scorer';
import { copyModel } from './model-fixtures';

// fleet-ae: card normalisation (z = (x − mean) / std), W 16, 6 features; no device calibration.
const NAME = 'fleet-ae';

interface Run {
  scores: ModelScore[];
  names: string[];
  scorer: ModelScorer;
}

/** Seeded quiet readings around the card's means, then a step on `stepFeature` in the last `stepRows`. */
function readings(
  features: { name: string; mean: number; std: number }[],
  n: number,
  stepFeature: number,
  stepRows: number,
): Reading[] {
  let x = 11;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, (_, i) => ({
    deviceId: 'd1',
    tsMs: i * 1000,
    metrics: Object.fromEntries(
      features.map((f, j) => [
        f.name,
        f.mean + f.std * (0.6 * rnd() + (j === stepFeature && i >= n - stepRows ? 4 : 0)),
      ]),
    ),
  }));
}

async function run(
  attribution: ModelAttribution | undefined,
  rows: (s: ModelScorer) => Reading[],
): Promise<Run> {
  const copy = copyModel(NAME, {
    card: (c) => {
      const sc = c.scoring as Record<string, unknown>;
      if (attribution) sc.attribution = attribution;
      else delete sc.attribution;
    },
  });
  const scorer = await ModelScorer.load(copy.cardPath, { maxBatchSize: 64 });
  try {
    const scores = await scorer.scoreBatch(rows(scorer));
    return { scores, names: scorer.card.features.map((f) => f.name), scorer };
  } finally {
    await scorer.close();
    copy.cleanup();
  }
}

const stepOnFirst = (rows: number) => (s: ModelScorer) => readings(s.card.features, 40, 0, rows);

/** Squared residuals per row [W][F] of the last window, recomputed from the raw ONNX output. */
async function lastWindowResiduals(rs: Reading[]): Promise<number[][]> {
  const copy = copyModel(NAME);
  const scorer = await ModelScorer.load(copy.cardPath);
  try {
    const { windowLength: w, features } = scorer.card;
    const tail = rs.slice(-w);
    const input = Float32Array.from(
      tail.flatMap((r) => features.map((f) => (r.metrics[f.name]! - f.mean) / f.std)),
    );
    const rec = await scorer.model.run(input, 1);
    return tail.map((_, i) =>
      features.map((_f, j) => (input[i * features.length + j]! - rec[i * features.length + j]!) ** 2),
    );
  } finally {
    await scorer.close();
    copy.cleanup();
  }
}

const shares = (a: number[]) => {
  const t = a.reduce((x, y) => x + y, 0);
  return a.map((v) => v / t);
};

describe('ModelScorer scoring.attribution (contributions only)', () => {
  it('leaves score, error and isAnomaly unchanged for every kind and scale', async () => {
    const base = await run(undefined, stepOnFirst(3));
    for (const attribution of [
      { kind: 'last-step', featureScale: [1, 2, 3, 4, 5, 6] },
      { kind: 'ewma', halfLifeRows: 2 },
    ] as ModelAttribution[]) {
      const other = await run(attribution, stepOnFirst(3));
      other.scores.forEach((s, i) => {
        expect(s.status).toBe(base.scores[i]!.status);
        expect(s.score).toBe(base.scores[i]!.score);
        expect(s.reconstructionError).toBe(base.scores[i]!.reconstructionError);
        expect(s.isAnomaly).toBe(base.scores[i]!.isAnomaly);
      });
    }
  });

  it('window-mean with a featureScale divides each share by its scale (and without one equals the default)', async () => {
    const base = await run(undefined, stepOnFirst(3));
    const plain = await run({ kind: 'window-mean' }, stepOnFirst(3));
    const scale = [0.5, 2, 1, 4, 0.25, 3];
    const scaled = await run({ kind: 'window-mean', featureScale: scale }, stepOnFirst(3));
    const last = base.scores.length - 1;
    const b = base.names.map((n) => base.scores[last]!.contributions[n]!);
    base.names.forEach((n, j) => {
      expect(plain.scores[last]!.contributions[n]).toBeCloseTo(b[j]!, 12);
    });
    const expected = shares(b.map((v, j) => v / scale[j]!));
    base.names.forEach((n, j) => expect(scaled.scores[last]!.contributions[n]).toBeCloseTo(expected[j]!, 10));
    expect(Math.abs(scaled.scores[last]!.contributions[base.names[0]!]! - b[0]!)).toBeGreaterThan(0.01);
  });

  it('last-step and ewma weight the newest rows, recomputed from the raw ONNX output', async () => {
    let rs: Reading[] = [];
    const keep = (s: ModelScorer) => (rs = stepOnFirst(2)(s));
    const base = await run(undefined, keep);
    const lastStep = await run({ kind: 'last-step' }, stepOnFirst(2));
    const ewma = await run({ kind: 'ewma', halfLifeRows: 3 }, stepOnFirst(2));
    const r2 = await lastWindowResiduals(rs);
    const w = r2.length;
    const f = r2[0]!.length;
    const last = base.scores.length - 1;
    const got = (x: Run) => x.names.map((n) => x.scores[last]!.contributions[n]!);
    const expLast = shares(r2[w - 1]!);
    const expEwma = shares(
      Array.from({ length: f }, (_, j) =>
        r2.reduce((a, row, i) => a + Math.pow(2, -(w - 1 - i) / 3) * row[j]!, 0),
      ),
    );
    got(lastStep).forEach((v, j) => expect(v).toBeCloseTo(expLast[j]!, 4));
    got(ewma).forEach((v, j) => expect(v).toBeCloseTo(expEwma[j]!, 4));
    // the step is on the newest 2 rows of feature 0: recency weighting gives it a larger share
    expect(got(lastStep)[0]!).toBeGreaterThan(got(base)[0]! + 0.05);
    expect(got(ewma)[0]!).toBeGreaterThan(got(base)[0]!);
    for (const x of [lastStep, ewma]) expect(got(x).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 9);
  });

  it('rejects an invalid attribution in the card', () => {
    const copy = copyModel(NAME);
    try {
      const card = JSON.parse(readFileSync(copy.cardPath, 'utf8')) as {
        scoring: Record<string, unknown>;
      };
      const withAttr = (attribution: unknown) => ({ ...card, scoring: { ...card.scoring, attribution } });
      expect(() => parseModelCard(withAttr({ kind: 'ewma' }))).toThrow(/halfLifeRows/);
      expect(() => parseModelCard(withAttr({ kind: 'median' }))).toThrow(/kind/);
      expect(() => parseModelCard(withAttr({ kind: 'window-mean', featureScale: [1, 2] }))).toThrow(
        /featureScale has 2 values, expected one per feature \(6\)/,
      );
      expect(() =>
        parseModelCard(withAttr({ kind: 'window-mean', featureScale: [1, 1, 1, 0, 1, 1] })),
      ).toThrow(/featureScale/);
      expect(parseModelCard(withAttr({ kind: 'ewma', halfLifeRows: 4 })).scoring.attribution).toEqual({
        kind: 'ewma',
        halfLifeRows: 4,
      });
    } finally {
      copy.cleanup();
    }
  });
});
