import * as path from 'node:path';
import type { Node } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import type { LoadedModel } from '../../lib/model/loaded-model';
import type { ModelScorer, ModelScorerOptions } from '../../lib/model/model-scorer';

/** Models shipped in the repository's `models/` folder, selectable by name. */
export const BUILT_IN_MODELS = ['pump-ae', 'fleet-ae'] as const;

/**
 * The `lucid-model` config node as other nodes (lucid-detect) see it. It owns one verified
 * onnxruntime session, loaded once on deploy and released on close; every user gets its own
 * {@link ModelScorer} (own per-device windows and micro-batcher) on that shared session.
 */
export interface ModelConfigNode extends Node {
  /** Absolute path of the model card. */
  cardPath: string;
  /** Micro-batching and imputation options every scorer of this model uses. */
  scorerOptions: ModelScorerOptions;
  /** Ids of the nodes currently registered. */
  readonly users: ReadonlySet<string>;
  /** Resolves with the loaded model; rejects with the ModelError/ConfigError that refused it. */
  ready(): Promise<LoadedModel>;
  /**
   * Registers a user node and gives it a scorer on the shared session (waits for loading).
   * @throws ModelError / ConfigError when the model was refused, or after close
   */
  register(user: Node): Promise<ModelScorer>;
  /** Deregisters a user and closes its scorer (flushes queued readings). Never throws. */
  deregister(user: Node, scorer?: ModelScorer): Promise<void>;
}

/**
 * The model config node with id `modelId`, or undefined when none is configured.
 * @throws ConfigError when an id is set but no such config node exists
 */
export function resolveModel(
  getNode: (id: string) => unknown,
  modelId: string | undefined,
): ModelConfigNode | undefined {
  if (!modelId) return undefined;
  const node = getNode(modelId) as ModelConfigNode | null;
  if (!node || typeof node.register !== 'function') {
    throw new ConfigError(`model: the lucid-model config node "${modelId}" is missing`);
  }
  return node;
}

/**
 * Where a model card is: a built-in name (`pump-ae`, `fleet-ae`: `<modelsDir>/<name>/<name>.card.json`,
 * modelsDir = `$LUCID_MODELS_DIR` or the repository's `models/`), or a path to a `.card.json`
 * (relative paths resolve against the Node-RED user directory).
 * @throws ConfigError when empty
 */
export function resolveCardPath(card: string | undefined, userDir: string): string {
  const value = (card ?? '').trim();
  if (!value)
    throw new ConfigError(
      'model: no model card is set (a built-in name such as "pump-ae" or a path to a .card.json)',
    );
  if ((BUILT_IN_MODELS as readonly string[]).includes(value)) {
    const modelsDir =
      process.env.LUCID_MODELS_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'models');
    return path.join(modelsDir, value, `${value}.card.json`);
  }
  return path.resolve(userDir, value);
}

/**
 * Parses the node's "Inference" option: `main` (default, also for an unset value) or `worker`.
 * @throws ConfigError on any other value
 */
export function parseInferenceThread(raw: unknown): 'main' | 'worker' {
  if (raw === undefined || raw === '' || raw === 'main') return 'main';
  if (raw === 'worker') return 'worker';
  throw new ConfigError(`model: inferenceThread "${String(raw)}" must be "main" or "worker"`);
}

/**
 * Parses the node's numeric options (strings from the editor).
 * @throws ConfigError naming the field and the valid range
 */
export function parseScorerOptions(config: {
  maxBatchSize?: unknown;
  maxWaitMs?: unknown;
  maxImputedShare?: unknown;
  hopReadings?: unknown;
}): ModelScorerOptions {
  const num = (
    field: string,
    raw: unknown,
    def: number,
    min: number,
    max: number,
    integer: boolean,
  ): number => {
    if (raw === undefined || raw === '') return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new ConfigError(
        `model: ${field} "${String(raw)}" must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}`,
      );
    }
    return v;
  };
  return {
    maxBatchSize: num('maxBatchSize', config.maxBatchSize, 256, 1, 65536, true),
    maxWaitMs: num('maxWaitMs', config.maxWaitMs, 10, 0, 60000, false),
    maxImputedShare: num('maxImputedShare', config.maxImputedShare, 0.5, 0, 1, false),
    hopReadings: num('hopReadings', config.hopReadings, 1, 1, 1024, true),
  };
}
