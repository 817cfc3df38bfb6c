import { ModelError } from '../../../src/lib/contracts/errors';
import type { Reading } from '../../../src/lib/contracts/types';
import { InferenceWorker } from '../../../src/lib/model/inference-worker';
import { LoadedModel } from '../../../src/lib/model/loaded-model';
import { ModelScorer } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel, pumpReadings } from './model-fixtures';

// inferenceThread 'worker': the same results as the main thread, a stopped worker is a clear
// ModelError (lucid-detect's fallback), and a tampered file never reaches a worker.

/** Two pumps interleaved, 460 readings each (400 of baseline), the second with a flow drop. */
function readings(): Reading[] {
  const p1 = pumpReadings(460, 5, { deviceId: 'p1' });
  const p2 = pumpReadings(460, 6, {
    deviceId: 'p2',
    edit: (m, i) => {
      if (i >= 420) m['Volume Flow RateRMS']! -= 20;
    },
  });
  return p1.flatMap((r, i) => [r, p2[i]!]);
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
    const start = jest.spyOn(InferenceWorker, 'start');
    const copy = copyModel('pump-ae', {
      bytes: (b) => {
        const t = Buffer.from(b);
        t[t.length - 10] = t[t.length - 10]! ^ 0xff;
        return t;
      },
    });
    try {
      await expect(LoadedModel.load(copy.cardPath, { inferenceThread: 'worker' })).rejects.toThrow(/SHA-256/);
      expect(start).not.toHaveBeenCalled();
    } finally {
      start.mockRestore();
      copy.cleanup();
    }
  });
});
