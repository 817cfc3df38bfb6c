/**
 * A model-backed scorer for the SKAB benchmark (`--model` in `lucid score`), when the package's
 * ONNX model support (src/lib/model) and the named model are present.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';

export type ModelFactory = { available: true; create: () => Promise<ReadingScorer> } | { available: false; reason: string };

export async function modelScorerFactory(name: string): Promise<ModelFactory> {
  const libDir = join(__dirname, '..', '..', 'node-red-nodes', 'src', 'lib', 'model');
  if (!existsSync(libDir)) return { available: false, reason: `ONNX model support (src/lib/model) is not in this build, so "${name}" was not scored` };
  return { available: false, reason: `ONNX model support exists but the benchmark is not wired to it yet, so "${name}" was not scored` };
}
