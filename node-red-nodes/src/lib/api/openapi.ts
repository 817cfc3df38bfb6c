import { BODY_SCHEMAS } from './api-schemas';
import { MAX_SCORE_BATCH } from '../score/score-service';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string): unknown => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: number[]): Record<string, unknown> =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description:
          {
            400: 'invalid query, id or body',
            401: 'missing or unknown bearer token',
            403: 'the token role is insufficient',
            404: 'unknown id',
            409: 'state conflict',
            413: 'body too large',
            415: 'body is not UTF-8 application/json',
            422: 'the reading does not match the device (unknown_metric, missing_metrics)',
            429: 'rate limited (per token)',
            503: 'too many streams, or no detector running (scoring)',
          }[c] ?? 'error',
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );
const q = (name: string, description: string, schema: unknown, required = false): unknown => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 256 } };
const time = (name: string): unknown =>
  q(name, `${name === 'from' ? 'Start' : 'End'} of the range: epoch ms or ISO 8601`, {
    oneOf: [{ type: 'integer' }, { type: 'string', format: 'date-time' }],
  });
const page = (item: string): unknown => ({
  type: 'object',
  required: ['items', 'total', 'limit', 'offset', 'nextOffset'],
  properties: {
    items: { type: 'array', items: ref(item) },
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    nextOffset: { type: ['integer', 'null'] },
  },
});
const severityList = q('severity', 'Comma-separated severities', {
  type: 'string',
  example: 'critical,high',
});
const limit = q('limit', 'Page size 1..1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 });
const offset = q('offset', 'Rows to skip (use nextOffset)', { type: 'integer', minimum: 0 });
const viewer = [{ bearer: [] }];
const scoreErrors = (): Record<string, unknown> => ({
  ...errors(400, 401, 403, 404, 413, 415, 422, 429, 503),
});

/**
 * The API's OpenAPI 3.1 description, served at `GET /lucid/api/openapi.json`. Hand-written next
 * to the router; `test/lib/api` checks that every route of the router is documented here.
 */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Lucid store API',
    version: '1.0.0',
    description:
      'Explained, prioritized IoT alerts persisted by lucid-store. Bearer tokens carry a role: viewer (read), operator (read + feedback, ack, resolve, scoring), admin (also adaptations), device (scoring only). Errors are JSON {error, detail}. Times are epoch milliseconds.',
  },
  servers: [{ url: '/lucid/api' }],
  security: viewer,
  paths: {
    '/health': {
      get: {
        summary:
          'Liveness (public: only up or down without a token); with a token also engine, schema version, counts (a wrong token is 401)',
        security: [],
        responses: {
          200: json({ type: 'object' }, 'ok'),
          503: json({ type: 'object' }, 'down'),
          ...errors(401),
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: { 200: json({ type: 'object' }, 'OpenAPI') },
      },
    },
    '/keys': {
      get: {
        summary: 'Public signing key (JWK and PEM)',
        security: [],
        responses: { 200: json(ref('Keys'), 'keys') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format)',
        responses: {
          200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors(401, 403),
        },
      },
    },
    '/alerts': {
      get: {
        summary: 'Alerts active in a range, filtered, sorted, paginated',
        parameters: [
          time('from'),
          time('to'),
          severityList,
          q('status', 'Comma-separated statuses', { type: 'string', example: 'open,acknowledged' }),
          q('site', 'Site', { type: 'string' }),
          q('device', 'Device id', { type: 'string' }),
          q('incident', 'Incident id', { type: 'string' }),
          q('fingerprint', 'Fingerprint', { type: 'string' }),
          q('metric', 'Metric', { type: 'string' }),
          q('sort', 'priority (default) or time', { enum: ['priority', 'time'] }),
          q('order', 'desc (default) or asc', { enum: ['asc', 'desc'] }),
          limit,
          offset,
        ],
        responses: { 200: json(page('Alert'), 'a page of alerts'), ...errors(400, 401) },
      },
    },
    '/alerts/{id}': {
      get: {
        summary: 'One alert with history, incident, feedback and evidence window',
        parameters: [
          idParam,
          q('maxPoints', 'Evidence points per metric (LTTB), 3..10000, default 500', { type: 'integer' }),
        ],
        responses: { 200: json(ref('AlertDetail'), 'the alert'), ...errors(400, 401, 404) },
      },
    },
    '/alerts/{id}/feedback': {
      post: {
        summary: 'Operator verdict (operator role); acknowledge/resolve also change the status',
        parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: BODY_SCHEMAS.feedback } } },
        responses: {
          201: json(
            { type: 'object', properties: { feedback: ref('Feedback'), alert: ref('Alert') } },
            'recorded',
          ),
          ...errors(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    '/alerts/{id}/ack': {
      post: {
        summary: 'Acknowledge (operator role)',
        parameters: [idParam],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: BODY_SCHEMAS.statusChange } },
        },
        responses: {
          200: json(
            { type: 'object', properties: { alert: ref('Alert'), event: { type: 'object' } } },
            'acknowledged',
          ),
          ...errors(400, 401, 403, 404, 409, 415),
        },
      },
    },
    '/alerts/{id}/resolve': {
      post: {
        summary: 'Resolve (operator role)',
        parameters: [idParam],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: BODY_SCHEMAS.statusChange } },
        },
        responses: {
          200: json(
            { type: 'object', properties: { alert: ref('Alert'), event: { type: 'object' } } },
            'resolved',
          ),
          ...errors(400, 401, 403, 404, 409, 415),
        },
      },
    },
    '/incidents': {
      get: {
        summary: 'Incidents, most recent first',
        parameters: [
          time('from'),
          time('to'),
          q('status', 'open,resolved', { type: 'string' }),
          severityList,
          q('site', 'Site', { type: 'string' }),
          limit,
          offset,
        ],
        responses: { 200: json(page('Incident'), 'a page of incidents'), ...errors(400, 401) },
      },
    },
    '/series': {
      get: {
        summary:
          'Samples of one metric, down-sampled (LTTB), with expected band, anomalies and overlapping alerts',
        parameters: [
          q('device', 'Device id', { type: 'string' }, true),
          q('metric', 'Metric', { type: 'string' }, true),
          time('from'),
          time('to'),
          q('maxPoints', '3..10000, default 1000', { type: 'integer' }),
        ],
        responses: { 200: json(ref('Series'), 'the series'), ...errors(400, 401) },
      },
    },
    '/stats': {
      get: {
        summary: 'Alert-fatigue funnel: detections → anomalies → alerts → incidents → notifications',
        parameters: [
          time('from'),
          time('to'),
          q('bucketMs', 'Also per bucket (multiple of 60000)', { type: 'integer' }),
        ],
        responses: { 200: json({ type: 'object' }, 'counts and reduction ratios'), ...errors(400, 401) },
      },
    },
    '/stream': {
      get: {
        summary:
          'Server-sent events of alert changes (event: alert, id: audit seq; resume with Last-Event-ID). Token also accepted as ?access_token=',
        parameters: [
          severityList,
          q('site', 'Site', { type: 'string' }),
          q('device', 'Device id', { type: 'string' }),
        ],
        responses: {
          200: {
            description: 'text/event-stream of AlertEvent JSON',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors(400, 401, 503),
        },
      },
    },
    '/audit/verify': {
      get: {
        summary:
          'Walk the audit hash chain, check its head against the checkpoint file, and check rows and entries against each other',
        responses: { 200: json({ type: 'object' }, 'verification report'), ...errors(401) },
      },
    },
    '/adaptations': {
      get: {
        summary: 'Adaptations made from feedback (or by an admin), newest first',
        parameters: [q('active', 'Only those in force', { type: 'boolean' }), limit, offset],
        responses: { 200: json(page('Adaptation'), 'a page of adaptations'), ...errors(400, 401) },
      },
      post: {
        summary: 'Create an adaptation by hand (admin role)',
        requestBody: { required: true, content: { 'application/json': { schema: BODY_SCHEMAS.adaptation } } },
        responses: { 201: json(ref('Adaptation'), 'created'), ...errors(400, 401, 403, 413, 415) },
      },
    },
    '/score': {
      post: {
        summary:
          "Score one reading against the device's live detector state, read-only (roles device, operator, admin)",
        description:
          'Validated as lucid-ingest validates a reading (schema, finite values, timestamp window, units); the device must be known to a running lucid-detect node (404 unknown_device) and the reading must carry exactly the metrics its state tracks (422 unknown_metric / missing_metrics). Scoring never changes the state: the flow alone learns from readings, so a reading both scored here and sent to the flow is counted once. Rate-limited per token (429).',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: BODY_SCHEMAS.scoreReading } },
        },
        responses: { 200: json(ref('ReadingScore'), 'the score'), ...scoreErrors() },
      },
    },
    '/score/batch': {
      post: {
        summary: `Score 1..${MAX_SCORE_BATCH} readings in order on one copy of their devices' state (read-only; roles device, operator, admin)`,
        description:
          'One bad reading refuses the whole batch with its index; more readings than the limit is 413 batch_too_large. Readings of one device are scored in order, each seeing the previous ones of the batch, as the flow would score them next.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                ...BODY_SCHEMAS.scoreBatch,
                properties: {
                  readings: {
                    ...BODY_SCHEMAS.scoreBatch.properties.readings,
                    minItems: 1,
                    maxItems: MAX_SCORE_BATCH,
                  },
                },
              },
            },
          },
        },
        responses: {
          200: json(
            {
              type: 'object',
              required: ['count', 'processingMs', 'results'],
              properties: {
                count: { type: 'integer' },
                processingMs: { type: 'number', description: 'whole request, milliseconds' },
                results: { type: 'array', items: ref('ReadingScore') },
              },
            },
            'the scores, in input order',
          ),
          ...scoreErrors(),
        },
      },
    },
    '/adaptations/{id}/revert': {
      post: {
        summary: 'Revert an adaptation (admin role)',
        parameters: [idParam],
        responses: { 200: json(ref('Adaptation'), 'reverted'), ...errors(401, 403, 404, 409) },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error', 'detail'],
        properties: { error: { type: 'string' }, detail: { type: 'string' } },
      },
      Alert: {
        type: 'object',
        description:
          'Alert (contracts/types.ts) with prevHash (audit chain head before its latest change) and signature (Ed25519, base64url).',
        required: [
          'id',
          'fingerprint',
          'deviceId',
          'severity',
          'priority',
          'status',
          'firstSeenMs',
          'lastSeenMs',
          'count',
          'score',
          'explanation',
        ],
      },
      AlertDetail: {
        type: 'object',
        required: ['alert', 'events', 'feedback', 'evidence', 'signatureValid', 'keyId'],
      },
      Incident: {
        type: 'object',
        required: ['id', 'rootDeviceId', 'alertIds', 'severity', 'openedMs', 'lastSeenMs', 'status', 'title'],
      },
      Feedback: { type: 'object', required: ['id', 'alertId', 'verdict', 'user', 'tsMs', 'actor'] },
      Adaptation: { type: 'object', required: ['id', 'kind', 'createdBy', 'reason', 'tsMs'] },
      Series: {
        type: 'object',
        required: ['deviceId', 'metric', 'fromMs', 'toMs', 'rawCount', 'points', 'anomalies', 'alerts'],
      },
      Keys: { type: 'object', required: ['keys'] },
      ReadingScore: {
        type: 'object',
        required: [
          'deviceId',
          'tsMs',
          'anomaly_score',
          'threshold',
          'isAnomaly',
          'contributions',
          'detector',
          'version',
          'detectorNode',
          'warmingUp',
          'processingMs',
        ],
        properties: {
          deviceId: { type: 'string' },
          tsMs: { type: 'number', description: 'event time, epoch ms' },
          anomaly_score: { type: 'number', minimum: 0, maximum: 1 },
          threshold: {
            type: 'number',
            description: 'decision cut-off at tsMs with adaptations; > 1: never anomalous',
          },
          isAnomaly: { type: 'boolean' },
          contributions: {
            type: 'object',
            additionalProperties: { type: 'number' },
            description: 'metric → share of the anomaly, summing to 1 (all 0 when nothing contributes)',
          },
          detector: { type: 'string', description: 'lucid-streaming or lucid-joint' },
          version: { type: 'string', description: 'lucid-detect@<package version>+<configuration hash>' },
          detectorNode: { type: 'string', description: 'the lucid-detect node whose state scored it' },
          warmingUp: { type: 'boolean' },
          processingMs: { type: 'number', description: 'validation plus scoring of this reading, ms' },
        },
      },
    },
  },
} as const;
