import { readFileSync } from 'node:fs';
import Ajv, { type JSONSchemaType } from 'ajv';
import { ModelError } from '../contracts/errors';

/** One input feature of a model: the reading's metric name, its unit and training statistics. */
export interface ModelFeature {
  /** Metric name in `Reading.metrics`. */
  name: string;
  /** Unit symbol (informational; ingest normalises units before detection). */
  unit: string;
  /** Mean of the training data, in `unit`: the normalisation centre and the imputation value. */
  mean: number;
  /** Population standard deviation of the training data, in `unit`, > 0. */
  std: number;
}

/**
 * How readings are normalised before the model sees them.
 * - `card`: z-score with each feature's `mean`/`std` from the card.
 * - `device-baseline`: z-score with the mean/std of the device's own first `baselineReadings`
 *   readings (std floored at `stdFloorRatio` × the card's std); the model is silent (warming up)
 *   until the baseline is complete.
 */
export interface ModelNormalisation {
  mode: 'card' | 'device-baseline';
  baselineReadings?: number;
  stdFloorRatio?: number;
  description?: string;
}

/**
 * Commissioning-time calibration of each device's own threshold (`device-baseline` mode only),
 * one fixed rule for every device: the model scores every window inside the device's baseline
 * readings; per feature f, e_f = mean of (x − x̂)² over the window's newest `recentSteps` rows
 * (default all W) and b_f = mean baseline e_f (+1e-6); a window's calibrated error is
 * `aggregate` (mean, default, or max) over the `scoredFeatures` (default all) of e_f / b_f when
 * `featureNormalised`, else of e_f; it is smoothed with an EWMA of half-life
 * `ewmaHalfLifeReadings` (0 = none), and the device's threshold is `factor` × the `quantile`
 * (0..1, nearest-rank, 1 = max) of the smoothed baseline values.
 *
 * `alarm` adds persistence and hysteresis to `isAnomaly` (as in control-chart run rules and
 * Prometheus' `for:`): the device's alarm turns on after `onReadings` consecutive readings above
 * its threshold and off after `offReadings` consecutive readings at or below it (default 1 / 1:
 * point-wise). `score` stays the point-wise value.
 */
export interface DeviceCalibration {
  quantile: number;
  factor: number;
  ewmaHalfLifeReadings: number;
  featureNormalised: boolean;
  /** Newest rows of the window whose error counts, 1..W; default W. */
  recentSteps?: number;
  /** How the features' errors combine; default `mean`. */
  aggregate?: 'mean' | 'max';
  /** Feature names that count toward the score (all features still feed the model and the contributions); default all. */
  scoredFeatures?: string[];
  /** Persistence (readings above to turn on) and hysteresis (readings at or below to turn off), each ≥ 1. */
  alarm?: { onReadings: number; offReadings: number };
  description?: string;
}

/**
 * How a scored window's error is attributed to features (ModelScorer's `contributions`); the
 * score and threshold never use it. With r_{i,f} = x − x̂ at row i (0 = oldest, W−1 = newest):
 * a_f = Σ_i w_i r_{i,f}² / s_f, contributions_f = a_f / Σ_g a_g, where w_i is uniform
 * (`window-mean`), 1 on the newest row only (`last-step`) or 2^(−(W−1−i)/halfLifeRows) (`ewma`),
 * and s_f = `featureScale[f]` (> 0, one per feature, in the card's feature order; absent = 1).
 * Absent: `window-mean` without scale (the per-feature share of the window error).
 */
export interface ModelAttribution {
  kind: 'window-mean' | 'last-step' | 'ewma';
  /** `ewma` only (required there): rows over which a row's weight halves, > 0. */
  halfLifeRows?: number;
  /** Per-feature divisor, e.g. each feature's typical error on held-out normal windows. */
  featureScale?: number[];
  description?: string;
}

/** A tensor of the ONNX graph as the card declares it; `'batch'` is the dynamic batch axis. */
export interface ModelTensor {
  name: string;
  dtype: 'float32';
  shape: (number | string)[];
}

/**
 * A model card (models/<name>/<name>.card.json): what the file is, what it expects and how its
 * score is calibrated. Runtime-relevant fields are validated; the rest (training, evaluation…)
 * is documentation carried along.
 */
export interface ModelCard {
  schemaVersion: 1;
  name: string;
  version: string;
  description?: string;
  /** ONNX file name, relative to the card's folder. */
  file: string;
  /** Lowercase hex SHA-256 of the ONNX file. */
  sha256: string;
  sizeBytes?: number;
  opset: number;
  /** Base64 Ed25519 signature of the ONNX file's bytes (checked when a public key is configured). */
  signature?: string;
  input: ModelTensor;
  output: ModelTensor;
  /** Readings per window (W), ≥ 1. */
  windowLength: number;
  features: ModelFeature[];
  normalisation: ModelNormalisation;
  scoring: {
    /** Window reconstruction error (mean squared error in z units) at which the score is 0.5. */
    threshold: number;
    calibration?: unknown;
    /** Per-device threshold from the device's own baseline (see {@link DeviceCalibration}). */
    deviceCalibration?: DeviceCalibration;
    /** Feature attribution of the contributions (see {@link ModelAttribution}). */
    attribution?: ModelAttribution;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const tensorSchema = {
  type: 'object',
  required: ['name', 'dtype', 'shape'],
  properties: {
    name: { type: 'string', minLength: 1 },
    dtype: { type: 'string', const: 'float32' },
    shape: { type: 'array', minItems: 3, maxItems: 3, items: { type: ['integer', 'string'] } },
  },
} as const;

/** JSON Schema (draft-07, checked with ajv) of the runtime-relevant part of a model card. */
export const MODEL_CARD_SCHEMA = {
  type: 'object',
  required: [
    'schemaVersion',
    'name',
    'version',
    'file',
    'sha256',
    'opset',
    'input',
    'output',
    'windowLength',
    'features',
    'normalisation',
    'scoring',
  ],
  properties: {
    schemaVersion: { const: 1 },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    version: { type: 'string', minLength: 1 },
    file: { type: 'string', pattern: '^[^/\\\\]+\\.onnx$' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    sizeBytes: { type: 'integer', minimum: 1 },
    opset: { type: 'integer', minimum: 7, maximum: 17 },
    signature: { type: 'string', minLength: 1 },
    input: tensorSchema,
    output: tensorSchema,
    windowLength: { type: 'integer', minimum: 1, maximum: 10000 },
    features: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'unit', 'mean', 'std'],
        properties: {
          name: { type: 'string', minLength: 1 },
          unit: { type: 'string' },
          mean: { type: 'number' },
          std: { type: 'number', exclusiveMinimum: 0 },
        },
      },
    },
    normalisation: {
      type: 'object',
      required: ['mode'],
      properties: {
        mode: { enum: ['card', 'device-baseline'] },
        baselineReadings: { type: 'integer', minimum: 2 },
        stdFloorRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      },
      if: { properties: { mode: { const: 'device-baseline' } } },
      then: { required: ['baselineReadings'] },
    },
    scoring: {
      type: 'object',
      required: ['threshold'],
      properties: {
        threshold: { type: 'number', exclusiveMinimum: 0 },
        deviceCalibration: {
          type: 'object',
          required: ['quantile', 'factor', 'ewmaHalfLifeReadings', 'featureNormalised'],
          properties: {
            quantile: { type: 'number', minimum: 0, maximum: 1 },
            factor: { type: 'number', exclusiveMinimum: 0 },
            ewmaHalfLifeReadings: { type: 'number', minimum: 0 },
            featureNormalised: { type: 'boolean' },
            recentSteps: { type: 'integer', minimum: 1 },
            aggregate: { enum: ['mean', 'max'] },
            scoredFeatures: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            alarm: {
              type: 'object',
              required: ['onReadings', 'offReadings'],
              properties: {
                onReadings: { type: 'integer', minimum: 1 },
                offReadings: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
        attribution: {
          type: 'object',
          required: ['kind'],
          properties: {
            kind: { enum: ['window-mean', 'last-step', 'ewma'] },
            halfLifeRows: { type: 'number', exclusiveMinimum: 0 },
            featureScale: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 } },
          },
          if: { properties: { kind: { const: 'ewma' } } },
          then: { required: ['halfLifeRows'] },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(MODEL_CARD_SCHEMA as unknown as JSONSchemaType<ModelCard>);

/**
 * Validates a parsed model card: the JSON Schema above, then the cross-field rules (input and
 * output shapes are `[batch, windowLength, features.length]`, feature names unique,
 * `scoring.attribution.featureScale` one value per feature, `scoring.deviceCalibration`'s
 * `recentSteps` ≤ windowLength and `scoredFeatures` among the card's features).
 * @param value parsed JSON
 * @param source where it came from, for error messages (a path)
 * @throws ModelError naming the field, the value and what was expected
 */
export function parseModelCard(value: unknown, source = 'model card'): ModelCard {
  if (!validate(value)) {
    const detail = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    throw new ModelError(`${source}: invalid model card: ${detail}`);
  }
  const card = value as ModelCard;
  const names = new Set<string>();
  for (const f of card.features) {
    if (names.has(f.name)) throw new ModelError(`${source}: features: duplicate feature "${f.name}"`);
    names.add(f.name);
  }
  const dc = card.scoring.deviceCalibration;
  if (dc?.recentSteps !== undefined && dc.recentSteps > card.windowLength) {
    throw new ModelError(
      `${source}: scoring.deviceCalibration.recentSteps is ${dc.recentSteps}, expected at most the window length (${card.windowLength})`,
    );
  }
  for (const name of dc?.scoredFeatures ?? []) {
    if (!names.has(name))
      throw new ModelError(
        `${source}: scoring.deviceCalibration.scoredFeatures: "${name}" is not one of the card's features`,
      );
  }
  const scale = card.scoring.attribution?.featureScale;
  if (scale && scale.length !== card.features.length) {
    throw new ModelError(
      `${source}: scoring.attribution.featureScale has ${scale.length} values, expected one per feature (${card.features.length})`,
    );
  }
  const expected = [card.windowLength, card.features.length];
  for (const key of ['input', 'output'] as const) {
    const [, w, f] = card[key].shape;
    if (w !== expected[0] || f !== expected[1]) {
      throw new ModelError(
        `${source}: ${key}.shape ${JSON.stringify(card[key].shape)} does not match [batch, windowLength ${expected[0]}, features ${expected[1]}]`,
      );
    }
  }
  return card;
}

/**
 * Reads and validates a model card file.
 * @throws ModelError when the file is missing, not JSON, or not a valid card
 */
export function loadModelCard(cardPath: string): ModelCard {
  let text: string;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch (err) {
    throw new ModelError(`model card "${cardPath}" cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`model card "${cardPath}" is not valid JSON: ${(err as Error).message}`);
  }
  return parseModelCard(json, `model card "${cardPath}"`);
}
