import Ajv, { type ErrorObject } from 'ajv';
import { ID_PATTERN, idProblem } from '../contracts/ids';
import { describeValue } from './parse-timestamp';

/** Fields of a telemetry item that are not metrics. */
export const RESERVED_FIELDS = [
  'deviceId',
  'tenant',
  'site',
  'ts',
  'tsMs',
  'metrics',
  'tags',
  'sig',
  'nonce',
  'seq',
] as const;

const metricName = {
  type: 'string',
  // Inner spaces are allowed: recorded sensor columns are often named so (SKAB's "Volume Flow RateRMS").
  pattern: '^[A-Za-z_](?:[A-Za-z0-9_.: -]{0,62}[A-Za-z0-9_.:-])?$',
  not: { enum: ['__proto__', 'constructor', 'prototype'] },
};

const common = {
  // The one id rule (contracts/ids), length included.
  deviceId: { type: 'string', pattern: ID_PATTERN },
  tenant: { type: 'string', pattern: ID_PATTERN },
  site: { type: 'string', minLength: 1, maxLength: 128 },
  ts: { type: ['string', 'number'] },
  tsMs: { type: 'number' },
  tags: {
    type: 'object',
    maxProperties: 32,
    propertyNames: metricName,
    additionalProperties: { type: 'string', maxLength: 256 },
  },
  sig: { type: 'string' },
  nonce: { type: 'string', minLength: 8, maxLength: 128 },
  seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
};

/**
 * JSON Schema of one telemetry item with its metrics nested:
 * `{deviceId?, tenant?, site?, ts? | tsMs?, metrics: {name: number}, tags?, sig?, nonce? | seq?}`.
 * An already-built `Reading` matches it.
 */
export const NESTED_TELEMETRY_SCHEMA = {
  type: 'object',
  required: ['metrics'],
  additionalProperties: false,
  properties: {
    ...common,
    metrics: {
      type: 'object',
      minProperties: 1,
      maxProperties: 256,
      propertyNames: metricName,
      additionalProperties: { type: 'number' },
    },
  },
} as const;

/** JSON Schema of one flat telemetry item: the reserved fields, and every other field a numeric metric. */
export const FLAT_TELEMETRY_SCHEMA = {
  type: 'object',
  maxProperties: 256,
  propertyNames: metricName,
  properties: common,
  additionalProperties: { type: 'number' },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateNested = ajv.compile(NESTED_TELEMETRY_SCHEMA);
const validateFlat = ajv.compile(FLAT_TELEMETRY_SCHEMA);

/**
 * Validates one telemetry item (nested form when it has `metrics`, flat otherwise).
 *
 * @returns null when valid, else a detail a person can act on, e.g.
 *   `metrics.temperature is the string "21.5"; send a number`.
 */
export function checkTelemetryItem(item: unknown): string | null {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return `a reading must be a JSON object like {"ts": 1714564800, "metrics": {"temperature": 21.5}}; got ${describeValue(item)}`;
  }
  const nested = 'metrics' in item;
  const validate = nested ? validateNested : validateFlat;
  if (!validate(item)) return formatErrors(item, validate.errors ?? [], nested);
  if (!nested && !Object.keys(item).some((k) => !(RESERVED_FIELDS as readonly string[]).includes(k))) {
    return 'the reading has no metric; send at least one numeric field (e.g. "temperature": 21.5) or a "metrics" object';
  }
  return null;
}

function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

function fieldName(pointer: string): string {
  return pointer ? pointer.slice(1).replace(/\//g, '.') : 'the reading';
}

function formatErrors(item: object, errors: ErrorObject[], nested: boolean): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of errors) {
    let text: string;
    // ajv reports a bad property name twice: the inner keyword (with `propertyName`) and `propertyNames`.
    if ((e as { propertyName?: string }).propertyName !== undefined) continue;
    const field = fieldName(e.instancePath);
    if (e.keyword === 'type') {
      const expected = String((e.params as { type: string | string[] }).type);
      const value = valueAt(item, e.instancePath);
      const want =
        expected === 'string,number'
          ? 'a string or a number'
          : `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
      text = `${field} is ${describeValue(value)}; send ${want}`;
    } else if (e.keyword === 'required') {
      text = `${(e.params as { missingProperty: string }).missingProperty} is missing`;
    } else if (e.keyword === 'additionalProperties' && nested) {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      text = `${extra} is not a reading field; put metrics inside "metrics"`;
    } else if ((e.params as { propertyName?: string }).propertyName !== undefined) {
      const name = (e.params as { propertyName: string }).propertyName;
      text = `${e.instancePath ? `${field}: ` : ''}the name ${JSON.stringify(name.slice(0, 70))} is not allowed; use letters, digits, _ . : - and inner spaces (max 64, starting with a letter or _)`;
    } else if (e.keyword === 'propertyNames') {
      continue;
    } else if (e.keyword === 'pattern' && /\/(deviceId|tenant)$/.test(e.instancePath)) {
      text = idProblem(field, valueAt(item, e.instancePath)) ?? `${field} is invalid`;
    } else if (e.keyword === 'minProperties' && e.instancePath === '/metrics') {
      text = 'metrics is empty; send at least one metric, e.g. {"temperature": 21.5}';
    } else {
      text = `${field} ${e.message ?? 'is invalid'}`;
    }
    if (!seen.has(text)) {
      seen.add(text);
      parts.push(text);
    }
    if (parts.length >= 3) break;
  }
  return parts.join('; ') || 'the reading does not match the telemetry schema';
}

/** JSON Schema of a batch envelope `{readings: [...], deviceId?, tenant?, site?, ts?, sig?, nonce? | seq?}`. */
export const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['readings'],
  additionalProperties: false,
  properties: {
    readings: { type: 'array' },
    deviceId: common.deviceId,
    tenant: common.tenant,
    site: common.site,
    ts: common.ts,
    sig: common.sig,
    nonce: common.nonce,
    seq: common.seq,
  },
} as const;

const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);

/** Validates a batch envelope; null when valid, else a detail a person can act on. */
export function checkEnvelope(envelope: object): string | null {
  if (validateEnvelope(envelope)) return null;
  return formatErrors(envelope, validateEnvelope.errors ?? [], true).replace(
    'put metrics inside "metrics"',
    'a batch envelope holds readings, deviceId, tenant, site, ts, sig, nonce, seq',
  );
}
