import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ValidateFunction } from 'ajv';
import { rateLimit } from 'express-rate-limit';
import { ConfigError, InputError } from '../contracts/errors';
import {
  SEVERITIES,
  type Adaptation,
  type AlertEvent,
  type Feedback,
  type Severity,
} from '../contracts/types';
import type { AlertStore, AuditVerifyResult } from '../store/store-types';
import { ApiAuth, type ApiPrincipal, type ApiRole } from './api-auth';
import { QUERY_SCHEMAS, compileSchemas } from './api-schemas';
import type { LucidMetrics, OpenAlertCounts } from './lucid-metrics';
import { OPENAPI_DOCUMENT } from './openapi';
import { ScoreError, type ScoreService } from '../score/score-service';

/** Options of {@link createApiRouter}. */
export interface ApiRouterOptions {
  store: AlertStore;
  auth: ApiAuth;
  /** Prometheus metrics served at `GET metrics` (omit to serve 404 there). */
  metrics?: LucidMetrics;
  /**
   * Browser origins allowed to call the API (`scheme://host[:port]`, e.g. `http://localhost:3000`);
   * empty or unset: CORS off (no headers sent). `*` is refused: list the origins.
   */
  corsOrigins?: string[];
  /** Serve `GET metrics` without a token (for a Prometheus without bearer auth) [false]. */
  metricsPublic?: boolean;
  /** Wall clock for feedback and adaptations [Date.now]. */
  nowMs?: () => number;
  /** Concurrent SSE streams [50]. */
  maxStreams?: number;
  /** SSE keep-alive comment period [15000 ms]. */
  heartbeatMs?: number;
  /** JSON body size limit (express/body-parser syntax) ['16kb']. */
  bodyLimit?: string;
  /** Called with unexpected (5xx) errors, for logging. */
  onError?: (err: unknown) => void;
  /**
   * Scores readings against the running detectors at `POST score` and `POST score/batch`
   * (roles device, operator, admin); omit to answer 404 there.
   */
  scorer?: ScoreService;
  /**
   * Rate limit of the scoring endpoints, per token: at most `limit` requests per `windowMs`
   * (a batch counts once) [{limit: 120000, windowMs: 60000}, i.e. 2,000 requests/s]. Over it: 429.
   */
  scoreRateLimit?: { limit: number; windowMs: number };
  /** JSON body size limit of `POST score/batch` (express/body-parser syntax) ['1mb']. */
  batchBodyLimit?: string;
}

/** Default rate limit of the scoring endpoints, per token (see {@link ApiRouterOptions.scoreRateLimit}). */
export const DEFAULT_SCORE_RATE_LIMIT = Object.freeze({ limit: 120_000, windowMs: 60_000 });

/** The router plus a `close` that ends open SSE streams (call it when the node closes). */
export interface ApiRouter {
  router: Router;
  close(): void;
}

/** The JSON error body of every 4xx/5xx answer. */
export interface ApiError {
  error: string;
  detail: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LIST_PARAMS = new Set(['severity', 'status']);
const TIME_PARAMS = new Set(['from', 'to']);

/** Splits comma lists and parses `from`/`to` (epoch ms or ISO 8601) before schema validation. */
function normaliseQuery(query: Request['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (LIST_PARAMS.has(k)) {
      const parts = ((Array.isArray(v) ? v : [v]) as unknown[]).flatMap((x): unknown[] =>
        typeof x === 'string' ? x.split(',') : [x],
      );
      out[k] = parts.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
    } else if (TIME_PARAMS.has(k) && typeof v === 'string' && !/^\d+$/.test(v)) {
      const t = Date.parse(v);
      out[k] = Number.isNaN(t) ? v : t;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Per query schema, the parameters that are numbers (integer or number type). */
const NUMERIC_PARAMS = Object.fromEntries(
  Object.entries(QUERY_SCHEMAS).map(([name, schema]) => [
    name,
    new Set(
      Object.entries(schema.properties)
        .filter(([, p]) => 'type' in p && (p.type === 'integer' || p.type === 'number'))
        .map(([k]) => k),
    ),
  ]),
) as Record<keyof typeof QUERY_SCHEMAS, Set<string>>;

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Turns the numeric parameters' strings into numbers, accepting plain decimals only. ajv's own
 * coercion would turn "Infinity", "NaN"-like and "1e400" strings into non-finite numbers that
 * then pass its range checks; those are refused here.
 * @throws HttpError 400 naming the parameter.
 */
function strictNumbers(q: Record<string, unknown>, numeric: Set<string>): Record<string, unknown> {
  for (const k of numeric) {
    const v = q[k];
    if (v === undefined) continue;
    const parse = (x: unknown): unknown => {
      if (typeof x !== 'string') return x;
      const n = Number(x);
      if (!DECIMAL.test(x.trim()) || !Number.isFinite(n))
        throw new HttpError(
          400,
          'invalid_query',
          `query.${k}: expected ${TIME_PARAMS.has(k) ? 'epoch milliseconds or an ISO 8601 time' : 'a finite decimal number'}, got "${x.slice(0, 40)}"`,
        );
      return n;
    };
    q[k] = Array.isArray(v) ? v.map(parse) : parse(v);
  }
  return q;
}

function describeAjv(validate: ValidateFunction, where: string): string {
  const e = validate.errors?.[0];
  if (!e) return `${where}: invalid`;
  const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown parameter "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required')
    return `${where}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'enum')
    return `${where}.${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${where}${field ? `.${field}` : ''}: ${e.message}`;
}

/**
 * The configured CORS origins, each checked to be exactly an origin (scheme, host and optional
 * port, as a browser sends it in `Origin`).
 * @throws ConfigError naming the entry, for `*` or anything that is not an origin.
 */
export function corsOriginsOf(origins: readonly string[]): string[] {
  return origins
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let origin: string | undefined;
      try {
        origin = new URL(o).origin;
      } catch {
        origin = undefined;
      }
      if (origin !== o || !/^https?:/.test(o))
        throw new ConfigError(
          `corsOrigins: "${o}" is not an origin; list each one as scheme://host[:port], e.g. http://localhost:3000 ("*" is not allowed)`,
        );
      return o;
    });
}

/** The lower-cased `charset` parameter of a Content-Type header, or undefined when there is none. */
function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return m ? m[1].toLowerCase() : undefined;
}

function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

/**
 * The store's HTTP API as an express Router, to mount under Node-RED's HTTP root at
 * `/lucid/api` (`RED.httpNode.use('/lucid/api', router)`). Endpoints, roles and shapes are in
 * {@link OPENAPI_DOCUMENT} (served at `GET openapi.json`) and docs/store-api.md.
 *
 * - Authentication: `Authorization: Bearer <token>`; roles viewer < operator < admin.
 *   No/unknown token → 401, insufficient role → 403. `health`, `keys` and `openapi.json` are
 *   public (a wrong token on `health` is still a 401, so a client can test its token).
 * - Validation: query strings and bodies are checked against JSON Schemas (ajv) before
 *   anything is read or written; errors are `{error, detail}` with 400/404/409/413/415.
 * - Every write is audited under the token's name (`name:user` when the body names a user).
 *
 * @example
 * const api = createApiRouter({ store, auth: new ApiAuth([{ name: 'admin', role: 'admin', token }]) });
 * RED.httpNode.use('/lucid/api', api.router);
 */
export function createApiRouter(options: ApiRouterOptions): ApiRouter {
  const { store, auth, metrics } = options;
  const nowMs = options.nowMs ?? Date.now;
  const maxStreams = options.maxStreams ?? 50;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const cors = corsOriginsOf(options.corsOrigins ?? []);
  const schemas = compileSchemas();
  const streams = new Set<Response>();
  const router = express.Router();
  let verifying: Promise<AuditVerifyResult> | undefined;
  const openAlertsSource = metrics ? async () => countOpenAlerts(store) : undefined;
  if (metrics) metrics.openAlertsSource = openAlertsSource;

  const send = (res: Response, status: number, body: unknown): void => {
    res.status(status).type('application/json').send(JSON.stringify(body));
  };

  router.use((req, res, next) => {
    if (metrics)
      res.on('finish', () => metrics.apiRequests.inc({ method: req.method, status: String(res.statusCode) }));
    if (cors.length) {
      const origin = req.headers.origin;
      if (origin && cors.includes(origin)) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID');
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    let token = bearerOf(req);
    if (token === undefined && req.path === '/stream' && typeof req.query.access_token === 'string')
      token = req.query.access_token;
    res.locals.tokenGiven = token !== undefined;
    res.locals.principal = auth.principalOf(token);
    next();
  });

  const requireRole = (res: Response, role: ApiRole): ApiPrincipal => {
    const p = res.locals.principal as ApiPrincipal | undefined;
    if (!p) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="lucid"');
      throw new HttpError(
        401,
        'unauthorized',
        res.locals.tokenGiven ? 'unknown bearer token' : 'missing Authorization: Bearer <token>',
      );
    }
    if (!ApiAuth.allows(p.role, role))
      throw new HttpError(403, 'forbidden', `token "${p.name}" has role ${p.role}; this needs ${role}`);
    return p;
  };

  const query = <T>(req: Request, name: keyof typeof schemas.query): T => {
    const q = strictNumbers(normaliseQuery(req.query), NUMERIC_PARAMS[name]);
    const v = schemas.query[name];
    if (!v(q)) throw new HttpError(400, 'invalid_query', describeAjv(v, 'query'));
    return q as T;
  };

  const bodyLimit = options.bodyLimit ?? '16kb';
  const jsonBody = express.json({ limit: bodyLimit, strict: true, type: () => true });
  const batchBodyLimit = options.batchBodyLimit ?? '1mb';
  const batchJsonBody = express.json({ limit: batchBodyLimit, strict: true, type: () => true });
  /** Requires a JSON body (or, when `optional`, allows an empty one), then validates it. */
  const body = <T>(
    req: Request,
    res: Response,
    name: keyof typeof schemas.body,
    optional: boolean,
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const length = Number(req.headers['content-length'] ?? 0);
      const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
      if (!hasBody && optional) {
        resolve({} as T);
        return;
      }
      if (!req.is('application/json')) {
        reject(new HttpError(415, 'unsupported_media_type', 'the body must be application/json'));
        return;
      }
      const charset = charsetOf(req.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8') {
        reject(
          new HttpError(
            415,
            'unsupported_charset',
            `the body must be UTF-8 (charset=utf-8), got charset=${charset}`,
          ),
        );
        return;
      }
      const check = (): void => {
        const v = schemas.body[name];
        if (!v(req.body)) reject(new HttpError(400, 'invalid_body', describeAjv(v, 'body')));
        else resolve(req.body as T);
      };
      if ((req as Request & { _body?: boolean })._body) check();
      else if (name === 'scoreBatch') {
        res.locals.bodyLimit = batchBodyLimit;
        batchJsonBody(req, res, (err?: unknown) => (err ? reject(err) : check()));
      } else jsonBody(req, res, (err?: unknown) => (err ? reject(err) : check()));
    });

  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      fn(req, res).catch(next);
    };

  const actorOf = (p: ApiPrincipal, user: string | undefined): string =>
    user && user !== p.name ? `${p.name}:${user}` : p.name;
  const alertId = (req: Request): string => {
    const id = req.params.id;
    if (!id || id.length > 256) throw new HttpError(400, 'invalid_id', 'id: expected 1..256 characters');
    return id;
  };

  router.get(
    '/health',
    handle(async (req, res) => {
      query(req, 'empty');
      if (res.locals.tokenGiven && !res.locals.principal) requireRole(res, 'viewer');
      const p = res.locals.principal as ApiPrincipal | undefined;
      let h: Awaited<ReturnType<AlertStore['health']>>;
      try {
        h = await store.health();
      } catch (err) {
        options.onError?.(err);
        send(res, 503, { status: 'down', role: p?.role ?? null });
        return;
      }
      // Without a token, only up or down: the counts and the key id are for token holders.
      if (!p) {
        send(res, 200, { status: 'ok', role: null });
        return;
      }
      send(res, 200, {
        status: 'ok',
        ...h,
        keyId: store.publicKey.keyId,
        role: p.role,
        timeMs: nowMs(),
      });
    }),
  );

  router.get('/openapi.json', (_req, res) => send(res, 200, OPENAPI_DOCUMENT));

  router.get(
    '/keys',
    handle(async (req, res) => {
      query(req, 'empty');
      send(res, 200, {
        keys: [store.publicKey],
        signed:
          'alert.signature = Ed25519 over the canonical JSON (RFC 8785) of the alert without its signature field',
      });
    }),
  );

  router.get(
    '/metrics',
    handle(async (req, res) => {
      if (!options.metricsPublic) requireRole(res, 'viewer');
      if (!metrics) throw new HttpError(404, 'not_found', 'metrics are not enabled');
      res
        .status(200)
        .type(metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    }),
  );

  router.get(
    '/alerts',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{
        from?: number;
        to?: number;
        severity?: Severity[];
        status?: AlertEvent['alert']['status'][];
        site?: string;
        device?: string;
        incident?: string;
        fingerprint?: string;
        metric?: string;
        sort?: 'priority' | 'time';
        order?: 'asc' | 'desc';
        limit?: number;
        offset?: number;
      }>(req, 'alerts');
      if (q.from !== undefined && q.to !== undefined && q.from > q.to)
        throw new HttpError(400, 'invalid_query', 'query: from must not be after to');
      send(
        res,
        200,
        await store.listAlerts({
          fromMs: q.from,
          toMs: q.to,
          severity: q.severity,
          status: q.status,
          site: q.site,
          deviceId: q.device,
          incidentId: q.incident,
          fingerprint: q.fingerprint,
          metric: q.metric,
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          offset: q.offset,
        }),
      );
    }),
  );

  router.get(
    '/alerts/:id',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{ maxPoints?: number }>(req, 'alertDetail');
      const id = alertId(req);
      const detail = await store.getAlertDetail(id, q.maxPoints);
      if (!detail) throw new HttpError(404, 'not_found', `alert "${id}" does not exist`);
      send(res, 200, detail);
    }),
  );

  router.get(
    '/incidents',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{
        from?: number;
        to?: number;
        status?: ('open' | 'resolved')[];
        severity?: Severity[];
        site?: string;
        limit?: number;
        offset?: number;
      }>(req, 'incidents');
      send(
        res,
        200,
        await store.listIncidents({
          fromMs: q.from,
          toMs: q.to,
          status: q.status,
          severity: q.severity,
          site: q.site,
          limit: q.limit,
          offset: q.offset,
        }),
      );
    }),
  );

  router.get(
    '/series',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{ device: string; metric: string; from?: number; to?: number; maxPoints?: number }>(
        req,
        'series',
      );
      if (q.from !== undefined && q.to !== undefined && q.from > q.to)
        throw new HttpError(400, 'invalid_query', 'query: from must not be after to');
      send(
        res,
        200,
        await store.getSeries({
          deviceId: q.device,
          metric: q.metric,
          fromMs: q.from,
          toMs: q.to,
          maxPoints: q.maxPoints,
        }),
      );
    }),
  );

  router.get(
    '/stats',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{ from?: number; to?: number; bucketMs?: number }>(req, 'stats');
      if (q.from !== undefined && q.to !== undefined && q.from > q.to)
        throw new HttpError(400, 'invalid_query', 'query: from must not be after to');
      send(res, 200, await store.getStats({ fromMs: q.from, toMs: q.to, bucketMs: q.bucketMs }));
    }),
  );

  router.get(
    '/audit/verify',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      query(req, 'empty');
      verifying ??= store.verifyAudit().finally(() => {
        verifying = undefined;
      });
      send(res, 200, await verifying);
    }),
  );

  router.get(
    '/adaptations',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{ active?: boolean; limit?: number; offset?: number }>(req, 'adaptations');
      send(res, 200, await store.listAdaptations(q));
    }),
  );

  router.post(
    '/alerts/:id/feedback',
    handle(async (req, res) => {
      const p = requireRole(res, 'operator');
      const id = alertId(req);
      const b = await body<{ verdict: Feedback['verdict']; comment?: string; user?: string }>(
        req,
        res,
        'feedback',
        false,
      );
      const result = await store.recordFeedback(
        { alertId: id, verdict: b.verdict, user: b.user ?? p.name, comment: b.comment, tsMs: nowMs() },
        actorOf(p, b.user),
      );
      send(res, 201, result);
    }),
  );

  for (const [path, status] of [
    ['ack', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    router.post(
      `/alerts/:id/${path}`,
      handle(async (req, res) => {
        const p = requireRole(res, 'operator');
        const id = alertId(req);
        const b = await body<{ comment?: string; user?: string }>(req, res, 'statusChange', true);
        const result = await store.setAlertStatus(id, status, actorOf(p, b.user), b.comment);
        send(res, 200, { alert: result.alert, event: result.event });
      }),
    );
  }

  router.post(
    '/adaptations',
    handle(async (req, res) => {
      const p = requireRole(res, 'admin');
      const b = await body<Omit<Adaptation, 'id' | 'tsMs' | 'createdBy'> & { user?: string }>(
        req,
        res,
        'adaptation',
        false,
      );
      const adaptation: Adaptation = { ...b, id: randomUUID(), createdBy: p.name, tsMs: nowMs() };
      send(res, 201, await store.recordAdaptation(adaptation, p.name));
    }),
  );

  router.post(
    '/adaptations/:id/revert',
    handle(async (req, res) => {
      const p = requireRole(res, 'admin');
      const id = alertId(req);
      await body(req, res, 'statusChange', true);
      send(res, 200, await store.revertAdaptation(id, p.name));
    }),
  );

  // Scoring (see ScoreService for the read-only rule and the checks). Order per request: count,
  // authenticate (device, operator or admin), rate-limit per token, then validate and score.
  const scoreLimit = options.scoreRateLimit ?? DEFAULT_SCORE_RATE_LIMIT;
  // express-rate-limit's types come from another copy of @types/express in the workspace tree.
  const scoreLimiter = rateLimit({
    windowMs: scoreLimit.windowMs,
    limit: scoreLimit.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => (res.locals.principal as ApiPrincipal).name,
    handler: (_req, _res, next) =>
      next(
        new HttpError(
          429,
          'rate_limited',
          `at most ${scoreLimit.limit} scoring requests per ${scoreLimit.windowMs} ms per token; retry after the Retry-After seconds`,
        ),
      ),
  }) as unknown as express.RequestHandler;
  const scoreGate =
    (endpoint: 'score' | 'score_batch') =>
    (_req: Request, res: Response, next: NextFunction): void => {
      res.locals.scoreEndpoint = endpoint;
      if (metrics)
        res.on('finish', () =>
          metrics.scoreRequests.inc({ endpoint, outcome: res.statusCode < 400 ? 'ok' : 'rejected' }),
        );
      try {
        requireRole(res, 'device');
        if (!options.scorer) throw new HttpError(404, 'not_found', 'scoring is not enabled on this API');
        next();
      } catch (err) {
        next(err);
      }
    };
  const timed = <T>(endpoint: 'score' | 'score_batch', fn: () => T): T => {
    const end = metrics?.scoreLatency.startTimer({ endpoint });
    try {
      return fn();
    } finally {
      end?.();
    }
  };

  router.post(
    '/score',
    scoreGate('score'),
    scoreLimiter,
    handle(async (req, res) => {
      const reading = await body<unknown>(req, res, 'scoreReading', false);
      const result = timed('score', () => options.scorer!.score(reading));
      metrics?.scoredReadings.inc();
      send(res, 200, result);
    }),
  );

  router.post(
    '/score/batch',
    scoreGate('score_batch'),
    scoreLimiter,
    handle(async (req, res) => {
      const b = await body<{ readings: unknown[] }>(req, res, 'scoreBatch', false);
      const { results, processingMs } = timed('score_batch', () => options.scorer!.scoreBatch(b.readings));
      metrics?.scoredReadings.inc(results.length);
      send(res, 200, { count: results.length, processingMs, results });
    }),
  );

  router.get(
    '/stream',
    handle(async (req, res) => {
      requireRole(res, 'viewer');
      const q = query<{ severity?: Severity[]; site?: string; device?: string }>(req, 'stream');
      if (streams.size >= maxStreams)
        throw new HttpError(503, 'too_many_streams', `at most ${maxStreams} concurrent streams`);
      const lastId = Number(req.headers['last-event-id']);
      const matches = (e: AlertEvent): boolean =>
        (!q.severity || q.severity.includes(e.alert.severity)) &&
        (!q.site || e.alert.site === q.site) &&
        (!q.device || e.alert.deviceId === q.device);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 5000\n\n');
      let highest = Number.isInteger(lastId) && lastId >= 0 ? lastId : -1;
      const pending: { auditSeq: number; event: AlertEvent }[] = [];
      let replaying = highest >= 0;
      const write = (e: { auditSeq: number; event: AlertEvent }): void => {
        if (e.auditSeq <= highest) return;
        highest = e.auditSeq;
        if (matches(e.event))
          res.write(`id: ${e.auditSeq}\nevent: alert\ndata: ${JSON.stringify(e.event)}\n\n`);
      };
      const listener = (e: { auditSeq: number; event: AlertEvent }): void => {
        if (replaying) pending.push(e);
        else write(e);
      };
      store.on('alert', listener);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
      heartbeat.unref();
      streams.add(res);
      const stop = (): void => {
        clearInterval(heartbeat);
        store.off('alert', listener);
        streams.delete(res);
      };
      req.on('close', stop);
      res.on('close', stop);
      if (replaying) {
        try {
          for (const e of await store.alertEventsSince(highest, 500)) write(e);
        } finally {
          replaying = false;
          for (const e of pending.splice(0)) write(e);
        }
      }
    }),
  );

  router.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'no such endpoint')));

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let code = 'internal';
    let detail = 'internal error';
    const e = err as { status?: number; type?: string; message?: string };
    if (err instanceof HttpError) {
      status = err.status;
      code = err.code;
      detail = err.message;
    } else if (err instanceof ScoreError) {
      status = err.status;
      code = err.reason;
      detail = err.message;
    } else if (err instanceof InputError) {
      status = err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400;
      code = err.code;
      detail = err.message;
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      code = 'payload_too_large';
      detail = `the body exceeds ${(res.locals.bodyLimit as string | undefined) ?? bodyLimit}`;
    } else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
      status = 415;
      code = 'unsupported_charset';
      detail = 'the body must be UTF-8 JSON without content encoding';
    } else if (e?.type === 'entity.parse.failed') {
      status = 400;
      code = 'invalid_json';
      detail = 'the body is not valid JSON';
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      // express's own client errors, e.g. a malformed %-escape in the path (URIError, 400).
      status = e.status;
      code = 'invalid_request';
      detail = 'the request is malformed';
    } else {
      options.onError?.(err);
    }
    if (metrics && res.locals.scoreEndpoint && status >= 400 && status < 500)
      metrics.scoreRejects.inc({ reason: code });
    if (res.headersSent) {
      res.end();
      return;
    }
    send(res, status, { error: code, detail } satisfies ApiError);
  });

  return {
    router,
    close: () => {
      for (const res of streams) res.end();
      streams.clear();
      if (metrics && metrics.openAlertsSource === openAlertsSource) metrics.openAlertsSource = undefined;
    },
  };
}

/** Open and acknowledged alerts in `store`, counted per severity (one count query each). */
async function countOpenAlerts(store: AlertStore): Promise<OpenAlertCounts> {
  const counts = {} as OpenAlertCounts;
  for (const severity of SEVERITIES) {
    const page = await store.listAlerts({ severity: [severity], status: ['open', 'acknowledged'], limit: 1 });
    counts[severity] = page.total;
  }
  return counts;
}
