import { readFileSync } from 'node:fs';
import type { Reading } from '../../../src/lib/contracts/types';
import { ModelScorer } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel } from './model-fixtures';

const card = JSON.parse(readFileSync(cardPathOf('pump-ae'), 'utf8')) as {
  features: { name: string; mean: number; std: number }[];
  scoring: { deviceCalibration: { factor: number } };
};

function pump(deviceId: string, n: number, seed: number, level = 1): Reading[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, (_, i) => ({
    deviceId,
    tsMs: i * 1000,
    metrics: Object.fromEntries(card.features.map((f) => [f.name, f.mean * level + rnd() * f.std * 0.05])),
  }));
}

describe('ModelScorer device calibration (pump-ae card: scoring.deviceCalibration)', () => {
  it('fixes each device threshold from its own baseline windows and flags a later step', async () => {
    const scorer = await ModelScorer.load(cardPathOf('pump-ae'));
    try {
      const quiet = pump('quiet', 460, 1);
      const noisy = pump('noisy', 460, 2).map((r, i) => ({
        ...r,
        metrics: { ...r.metrics, Current: r.metrics.Current! + (i % 2 ? 0.3 : -0.3) },
      }));
      // Interleaved devices in one batch: calibration happens per device, in order.
      const mixed: Reading[] = [];
      quiet.forEach((r, i) => mixed.push(r, noisy[i]!));
      const scores = await scorer.scoreBatch(mixed);
      const q = scores.filter((s) => s.deviceId === 'quiet');
      const n = scores.filter((s) => s.deviceId === 'noisy');
      expect(q[398]!.status).toBe('warming_up');
      expect(q[399]!.status).toBe('scored');
      const tq = q[399]!.calibrated!.threshold;
      const tn = n[399]!.calibrated!.threshold;
      expect(tq).toBeGreaterThan(0);
      expect(tn).toBeGreaterThan(0);
      expect(tq).not.toBeCloseTo(tn, 6); // each device has its own
      // Normal readings after the baseline stay below their own threshold (factor > 1 on the max).
      expect(q.slice(400).filter((s) => s.isAnomaly)).toHaveLength(0);
      q.slice(400).forEach((s) =>
        expect(s.score).toBeCloseTo(1 - Math.pow(2, -s.calibrated!.value / tq), 12),
      );
      // A step on pressure and flow on the quiet device crosses its threshold within a few readings.
      const step = pump('quiet', 20, 3).map((r, i) => ({
        ...r,
        tsMs: (460 + i) * 1000,
        metrics: {
          ...r.metrics,
          Pressure: r.metrics.Pressure! + 0.5,
          'Volume Flow RateRMS': r.metrics['Volume Flow RateRMS']! * 0.6,
        },
      }));
      const after = await scorer.scoreBatch(step);
      expect(after.slice(-10).every((s) => s.isAnomaly)).toBe(true);
      expect(after[after.length - 1]!.calibrated!.threshold).toBe(tq);
    } finally {
      await scorer.close();
    }
  });

  it('without deviceCalibration the card threshold decides (no calibrated field)', async () => {
    const copy = copyModel('pump-ae', {
      card: (c) => delete (c.scoring as Record<string, unknown>).deviceCalibration,
    });
    const scorer = await ModelScorer.load(copy.cardPath);
    try {
      const scores = await scorer.scoreBatch(pump('p', 405, 4));
      const s = scores[404]!;
      expect(s.status).toBe('scored');
      expect(s.calibrated).toBeUndefined();
      expect(s.isAnomaly).toBe(s.reconstructionError > scorer.card.scoring.threshold);
    } finally {
      await scorer.close();
      copy.cleanup();
    }
  });

  it('rejects an invalid deviceCalibration in the card', async () => {
    const copy = copyModel('pump-ae', {
      card: (c) =>
        ((c.scoring as Record<string, unknown>).deviceCalibration = {
          quantile: 2,
          factor: 3,
          ewmaHalfLifeReadings: 5,
          featureNormalised: true,
        }),
    });
    try {
      await expect(ModelScorer.load(copy.cardPath)).rejects.toThrow(/deviceCalibration\/quantile/);
    } finally {
      copy.cleanup();
    }
  });
});
