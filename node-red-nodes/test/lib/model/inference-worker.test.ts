import { ModelError } from '../../../src/lib/contracts/errors';
import type { Reading } from '../../../src/lib/contracts/types';
import { LoadedModel } from '../../../src/lib/model/loaded-model';
import { loadModelCard } from '../../../src/lib/model/model-card';
import { ModelScorer } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel } from './model-fixtures';

// inferenceThread 'worker': the same results as the main thread, a stopped worker is a clear
// ModelError (lucid-detect's fallback), and a tampered file never reaches a worker.

const card = loadModelCard(cardPathOf('pump-ae'));

/** Two pumps interleaved, 460 readings each (400 of baseline), the second with a flow drop. */
function readings(): Reading[] {
  let x = 5;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const out: Reading[] = [];
  for (let i = 0; i < 460; i++) {
    for (const deviceId of ['p1', 'p2']) {
      const metrics = Object.fromEntries(card.features.map((f) => [f.name, f.mean + rnd() * f.std * 0.05]));
      if (deviceId === 'p2' && i >= 420) metrics['Volume Flow RateRMS']! -= 20;
      out.push({ deviceId, tsMs: i * 1000, metrics });
    }
  }
  return out;
}

describe('inference in a worker thread', () => {
  it('scores exactly as the main thread does (shipped card: device calibration, alarm), single and batched', async () => {
    const all = readings();
    const main = await ModelScorer.load(cardPathOf('pump-ae'), { maxBatchSize: 64, maxWaitMs: 1 });
    const worker = await ModelScorer.load(cardPathOf('pump-ae'), {
      maxBatchSize: 64,
      maxWaitMs: 1,
      inferenceThread: 'worker',
    });
    const workerSingle = await ModelScorer.load(cardPathOf('pump-ae'), {
      maxBatchSize: 64,
      maxWaitMs: 1,
      inferenceThread: 'worker',
    });
    try {
      expect(worker.model.inferenceThread).toBe('worker');
      const expected = await main.scoreBatch(all);
      const batched = await worker.scoreBatch(all);
      // Single calls, all in flight at once: micro-batched across both pumps, resolved in order.
      const single = await Promise.all(all.map((r) => workerSingle.score(r)));
      expect(batched).toEqual(expected);
      expect(single).toEqual(expected);
      // Not a vacuous comparison: the drop on p2 is an alarm, p1 stays quiet.
      const alarms = expected.filter((s) => s.isAnomaly).map((s) => s.deviceId);
      expect(alarms.length).toBeGreaterThan(0);
      expect(new Set(alarms)).toEqual(new Set(['p2']));
    } finally {
      await main.close();
      await worker.close();
      await workerSingle.close();
    }
  });

  it('after release, runs reject with a ModelError instead of hanging', async () => {
    const model = await LoadedModel.load(cardPathOf('pump-ae'), { inferenceThread: 'worker' });
    const windows = new Float32Array(model.windowLength * model.featureCount);
    await expect(model.run(windows, 1)).resolves.toHaveLength(windows.length);
    await model.release();
    await expect(model.run(windows, 1)).rejects.toThrow(ModelError);
  });

  it('a worker that stops mid-flight rejects its pending runs with the reason (the scorer falls back)', async () => {
    const model = await LoadedModel.load(cardPathOf('pump-ae'), { inferenceThread: 'worker' });
    const scorer = new ModelScorer(model);
    try {
      const windows = new Float32Array(model.windowLength * model.featureCount);
      const inner = (model as unknown as { worker: { worker: { terminate(): Promise<number> } } }).worker;
      const pending = model.run(windows, 1);
      await inner.worker.terminate();
      await expect(pending).rejects.toThrow(/inference worker stopped/);
      await expect(model.run(windows, 1)).rejects.toThrow(/inference worker stopped/);
      // ModelScorer surfaces it as a rejected batch: lucid-detect counts a fallback and goes on.
      const all = readings().slice(0, 900);
      await expect(scorer.scoreBatch(all)).rejects.toThrow(ModelError);
    } finally {
      await scorer.close();
      await model.release();
    }
  });

  it('a tampered file is refused before any worker starts', async () => {
    const copy = copyModel('pump-ae', {
      bytes: (b) => {
        const t = Buffer.from(b);
        t[t.length - 10] = t[t.length - 10]! ^ 0xff;
        return t;
      },
    });
    try {
      await expect(LoadedModel.load(copy.cardPath, { inferenceThread: 'worker' })).rejects.toThrow(/SHA-256/);
    } finally {
      copy.cleanup();
    }
  });
});
