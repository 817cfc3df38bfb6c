import Ajv, { type ValidateFunction } from 'ajv';
import { ADAPTATION_KINDS, SEVERITIES } from '../contracts/types';
import { MAX_STATS_BUCKET_MS, MIN_STATS_BUCKET_MS } from '../store/store-types';

/**
 * JSON Schemas (draft 2020-12 subset, checked with ajv) of the API's query strings and bodies.
 * Query strings are normalised first (comma lists split, times parsed to epoch ms), then
 * validated with type coercion; unknown parameters are refused so a typo is a 400, not a
 * silently ignored filter. The same schemas are referenced by the OpenAPI document.
 */
const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const ms = { type: 'integer', minimum: 0, maximum: 8.64e15 } as const;
const limit = { type: 'integer', minimum: 1, maximum: 1000 } as const;
const offset = { type: 'integer', minimum: 0, maximum: 10_000_000 } as const;
const severityList = { type: 'array', items: { enum: SEVERITIES }, maxItems: 5 } as const;
const cacheBuster = { type: 'string', maxLength: 64 } as const;

export const QUERY_SCHEMAS = {
  alerts: {
    type: 'object',
    additionalProperties: false,
    properties: {
      from: ms,
      to: ms,
      severity: severityList,
      status: {
        type: 'array',
        items: { enum: ['open', 'acknowledged', 'resolved', 'suppressed'] },
        maxItems: 4,
      },
      site: name,
      device: name,
      incident: id,
      fingerprint: { type: 'string', minLength: 1, maxLength: 1024 },
      metric: name,
      sort: { enum: ['priority', 'time'] },
      order: { enum: ['asc', 'desc'] },
      limit,
      offset,
      _: cacheBuster,
    },
  },
  alertDetail: {
    type: 'object',
    additionalProperties: false,
    properties: { maxPoints: { type: 'integer', minimum: 3, maximum: 10_000 }, _: cacheBuster },
  },
  incidents: {
    type: 'object',
    additionalProperties: false,
    properties: {
      from: ms,
      to: ms,
      status: { type: 'array', items: { enum: ['open', 'resolved'] }, maxItems: 2 },
      severity: severityList,
      site: name,
      limit,
      offset,
      _: cacheBuster,
    },
  },
  series: {
    type: 'object',
    additionalProperties: false,
    required: ['device', 'metric'],
    properties: {
      device: name,
      metric: name,
      from: ms,
      to: ms,
      maxPoints: { type: 'integer', minimum: 3, maximum: 10_000 },
      _: cacheBuster,
    },
  },
  stats: {
    type: 'object',
    additionalProperties: false,
    properties: {
      from: ms,
      to: ms,
      bucketMs: { type: 'integer', minimum: MIN_STATS_BUCKET_MS, maximum: MAX_STATS_BUCKET_MS },
      _: cacheBuster,
    },
  },
  adaptations: {
    type: 'object',
    additionalProperties: false,
    properties: { active: { type: 'boolean' }, limit, offset, _: cacheBuster },
  },
  stream: {
    type: 'object',
    additionalProperties: false,
    properties: {
      severity: severityList,
      site: name,
      device: name,
      access_token: { type: 'string', maxLength: 512 },
      _: cacheBuster,
    },
  },
  empty: { type: 'object', additionalProperties: false, properties: { _: cacheBuster } },
} as const;

/**
 * One reading to score: the forms `lucid-ingest` accepts (`{deviceId, ts | tsMs, metrics}` or
 * flat `{deviceId, ts, temperature, …}`), with `deviceId` required since no topic names the
 * device. The reading itself is checked by the ingest validator (see `ScoreService`).
 */
const scoreReading = {
  type: 'object',
  required: ['deviceId'],
  properties: { deviceId: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const BODY_SCHEMAS = {
  scoreReading,
  scoreBatch: {
    type: 'object',
    additionalProperties: false,
    required: ['readings'],
    // The batch size (1..MAX_SCORE_BATCH) is checked by ScoreService: over the limit is a 413.
    properties: { readings: { type: 'array', items: scoreReading } },
  },
  feedback: {
    type: 'object',
    additionalProperties: false,
    required: ['verdict'],
    properties: {
      verdict: {
        enum: ['useful', 'not_useful', 'false_positive', 'expected', 'maintenance', 'acknowledge', 'resolve'],
      },
      comment: { type: 'string', maxLength: 2000 },
      user: name,
    },
  },
  statusChange: {
    type: 'object',
    additionalProperties: false,
    properties: { comment: { type: 'string', maxLength: 2000 }, user: name },
  },
  adaptation: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'reason'],
    properties: {
      kind: { enum: [...ADAPTATION_KINDS] },
      deviceId: name,
      metric: name,
      fingerprint: { type: 'string', minLength: 1, maxLength: 1024 },
      type: name,
      site: name,
      zone: name,
      value: { type: 'number', minimum: -100, maximum: 100 },
      untilMs: ms,
      reason: { type: 'string', minLength: 1, maxLength: 2000 },
      alertId: id,
    },
  },
} as const;

/** Compiled validators: query ones coerce strings to numbers/booleans. */
export function compileSchemas(): {
  query: Record<keyof typeof QUERY_SCHEMAS, ValidateFunction>;
  body: Record<keyof typeof BODY_SCHEMAS, ValidateFunction>;
} {
  // strictNumbers: a number must be finite. (Query strings are turned into numbers by the router
  // first: ajv's coercion would let "Infinity" through its range checks.)
  const coercing = new Ajv({ coerceTypes: 'array', allErrors: false, strict: true, strictNumbers: true });
  const plain = new Ajv({ allErrors: false, strict: true, strictNumbers: true });
  const query = Object.fromEntries(
    Object.entries(QUERY_SCHEMAS).map(([k, s]) => [k, coercing.compile(s)]),
  ) as Record<keyof typeof QUERY_SCHEMAS, ValidateFunction>;
  const body = Object.fromEntries(
    Object.entries(BODY_SCHEMAS).map(([k, s]) => [k, plain.compile(s)]),
  ) as Record<keyof typeof BODY_SCHEMAS, ValidateFunction>;
  return { query, body };
}
