/**
 * A model-backed scorer for the SKAB benchmark: the same `modelReadingScorer` as
 * `lucid score --model`, i.e. the streaming detectors merged with the ONNX model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelCardPath, modelReadingScorer } from '../../node-red-nodes/src/lib/bench/model-reading-scorer';
import type { ReadingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';
import { resolveDetectConfig } from '../../node-red-nodes/src/lib/detect';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { REPO_ROOT } from './results-file';

export type ModelFactory =
  | { available: true; create: () => Promise<ReadingScorer & { close(): Promise<void> }> }
  | { available: false; reason: string };

export async function modelScorerFactory(name: string): Promise<ModelFactory> {
  process.env.LUCID_MODELS_DIR ??= join(REPO_ROOT, 'models');
  const card = modelCardPath(name);
  if (!existsSync(card))
    return {
      available: false,
      reason: `the model card ${card} is not in the tree, so "${name}" was not scored`,
    };
  const fleet = new FleetRegistry({ defaults: { deviceType: 'pump' } });
  return { available: true, create: () => modelReadingScorer(name, resolveDetectConfig({}), fleet) };
}
