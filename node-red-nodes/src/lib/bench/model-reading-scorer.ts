import * as path from 'node:path';
import { ModelError } from '../contracts/errors';
import { StreamingDetector, type DetectConfig } from '../detect';
import type { FleetRegistry } from '../fleet/fleet-registry';
import { mergeModelScore } from '../model/merge-model-score';
import { ModelScorer } from '../model/model-scorer';
import type { ReadingScorer } from './recording-scorer';

/** Models shipped in the repository's `models/` folder, usable by name. */
export const BUILT_IN_MODEL_NAMES: readonly string[] = ['pump-ae', 'fleet-ae'];

/**
 * Where a model's card is: a built-in name (`<modelsDir>/<name>/<name>.card.json`, modelsDir =
 * `$LUCID_MODELS_DIR` or the repository's `models/`, as the lucid-model node resolves it) or a
 * path to a `.card.json`.
 */
export function modelCardPath(name: string): string {
  if (BUILT_IN_MODEL_NAMES.includes(name)) {
    const modelsDir =
      process.env.LUCID_MODELS_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'models');
    return path.join(modelsDir, name, `${name}.card.json`);
  }
  return path.resolve(name);
}

/**
 * The streaming detectors plus an ONNX model, merged per reading with `mergeModelScore` (what
 * lucid-detect does when a lucid-model node is attached): the model scores a reading once its
 * window is full; until then, and for readings it skips, the streaming detectors decide alone.
 *
 * @param name - a built-in model name (`pump-ae`) or a path to a `.card.json`.
 * @throws ModelError when the card or the ONNX file cannot be loaded.
 */
export async function modelReadingScorer(
  name: string,
  config: DetectConfig,
  fleet: FleetRegistry,
): Promise<ReadingScorer & { close(): Promise<void> }> {
  let model: ModelScorer;
  try {
    model = await ModelScorer.load(modelCardPath(name), { maxBatchSize: 256, maxWaitMs: 1 });
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(`--model ${name}: ${(err as Error).message}`);
  }
  const detector = new StreamingDetector(config, fleet);
  return {
    async scoreBatch(readings) {
      const base = detector.detectBatch(readings);
      const scored = await model.scoreBatch(readings);
      return base.map((b, i) => mergeModelScore(b, scored[i]));
    },
    close: () => model.close(),
  };
}
