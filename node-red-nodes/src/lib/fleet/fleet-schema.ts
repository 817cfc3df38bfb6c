/** JSON Schema (draft 2020-12 subset understood by ajv) of a fleet definition. */
export const FLEET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: {
        site: { type: 'string', minLength: 1 },
        zone: { type: 'string', minLength: 1 },
        line: { type: 'string', minLength: 1 },
        deviceType: { type: 'string', minLength: 1 },
        criticality: { type: 'integer', minimum: 1, maximum: 5 },
        intervalMs: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    deviceTypes: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          description: { type: 'string' },
          criticality: { type: 'integer', minimum: 1, maximum: 5 },
          metrics: { $ref: '#/$defs/metrics' },
        },
      },
    },
    devices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['deviceId'],
        properties: {
          deviceId: { type: 'string', minLength: 1, maxLength: 128 },
          site: { type: 'string', minLength: 1 },
          zone: { type: 'string', minLength: 1 },
          line: { type: 'string', minLength: 1 },
          deviceType: { type: 'string', minLength: 1 },
          criticality: { type: 'integer', minimum: 1, maximum: 5 },
          metrics: { $ref: '#/$defs/metrics' },
        },
      },
    },
  },
  $defs: {
    metrics: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          unit: { type: 'string' },
          inputUnit: { type: 'string' },
          label: { type: 'string' },
          min: { type: 'number' },
          max: { type: 'number' },
          intervalMs: { type: 'number', exclusiveMinimum: 0 },
          accuracy: { type: 'number', exclusiveMinimum: 0 },
        },
      },
    },
  },
} as const;
