import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiAuth } from '../../../src/lib/api/api-auth';
import { corsOriginsOf, createApiRouter, type ApiRouter } from '../../../src/lib/api/api-router';
import { ConfigError } from '../../../src/lib/contracts/errors';
import { lucidMetrics } from '../../../src/lib/api/lucid-metrics';
import { OPENAPI_DOCUMENT } from '../../../src/lib/api/openapi';
import { SigningKeys, verifySignature } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { makeAlert, makeDetection, makeEvent, makeIncident, manyAlerts } from '../store/fixtures';

const T0 = 1_700_000_000_000;
const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
};
const bearer = (role: keyof typeof TOKENS): [string, string] => ['Authorization', `Bearer ${TOKENS[role]}`];

let dir: string;
let store: SqlAlertStore;
let api: ApiRouter;
let app: express.Express;
const NOW = T0 + 86_400_000;

function makeApp(corsOrigins?: string[]): { app: express.Express; api: ApiRouter } {
  const a = createApiRouter({
    store,
    auth: new ApiAuth([
      { name: 'root', role: 'admin', token: TOKENS.admin },
      { name: 'ops', role: 'operator', token: TOKENS.operator },
      { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
    ]),
    metrics: lucidMetrics(),
    nowMs: () => NOW,
    corsOrigins,
    heartbeatMs: 50,
  });
  const e = express();
  e.use('/lucid/api', a.router);
  return { app: e, api: a };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-api-'));
  store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys: SigningKeys.generate(),
    nowMs: () => NOW,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
  });
  store.recordDetections(
    Array.from({ length: 120 }, (_, i) => makeDetection('dev-1', T0 + i * 5000, i === 60 ? 40 : 21)),
  );
  for (const a of manyAlerts(25))
    await store.applyAlertEvent(
      makeEvent('opened', a),
      makeIncident({ id: a.incidentId, rootDeviceId: a.deviceId }),
    );
  await store.applyAlertEvent(
    makeEvent('opened', makeAlert({ id: 'ev-1', firstSeenMs: T0 + 300_000, lastSeenMs: T0 + 300_000 })),
  );
  ({ app, api } = makeApp());
});

afterAll(async () => {
  api.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const auditHead = async (): Promise<number> => (await store.health()).auditHead;

describe('public endpoints', () => {
  it('health says only up without a token, details with one, and 401 for a wrong one', async () => {
    const ok = await request(app).get('/lucid/api/health').expect(200);
    expect(ok.body).toEqual({ status: 'ok', role: null });
    const withToken = await request(app)
      .get('/lucid/api/health')
      .set(...bearer('operator'))
      .expect(200);
    expect(withToken.body).toMatchObject({
      status: 'ok',
      engine: 'sqlite',
      schemaVersion: 2,
      alerts: 26,
      role: 'operator',
    });
    const bad = await request(app).get('/lucid/api/health').set('Authorization', 'Bearer nope').expect(401);
    expect(bad.body).toEqual({ error: 'unauthorized', detail: 'unknown bearer token' });
  });

  it('keys give a JWK that verifies the signatures of served alerts', async () => {
    const keys = (await request(app).get('/lucid/api/keys').expect(200)).body.keys[0];
    expect(keys.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    const alert = (
      await request(app)
        .get('/lucid/api/alerts/ev-1')
        .set(...bearer('viewer'))
        .expect(200)
    ).body.alert;
    const { signature, ...unsigned } = alert;
    expect(verifySignature(keys.jwk, unsigned, signature)).toBe(true);
    expect(verifySignature(keys.pem, { ...unsigned, severity: 'low' }, signature)).toBe(false);
  });

  it('openapi.json documents every route of the router', async () => {
    const doc = (await request(app).get('/lucid/api/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    const routes = (api.router.stack as { route?: { path: string; methods: Record<string, boolean> } }[])
      .filter((l) => l.route)
      .flatMap((l) =>
        Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    const documented = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(routes.sort()).toEqual(documented.sort());
  });

  it('unknown endpoints are JSON 404s', async () => {
    expect(
      (
        await request(app)
          .get('/lucid/api/nope')
          .set(...bearer('viewer'))
          .expect(404)
      ).body.error,
    ).toBe('not_found');
  });
});

describe('GET alerts', () => {
  it.each([
    ['no token', undefined, 401],
    ['an unknown token', 'Bearer abc', 401],
    ['a malformed header', 'Basic abc', 401],
  ])('refuses %s', async (_n, header, status) => {
    const r = request(app).get('/lucid/api/alerts');
    if (header) r.set('Authorization', header);
    const res = await r.expect(status);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('lists by priority with pagination', async () => {
    const p1 = (
      await request(app)
        .get('/lucid/api/alerts?limit=10')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(p1).toMatchObject({ total: 26, limit: 10, offset: 0, nextOffset: 10 });
    const p3 = (
      await request(app)
        .get('/lucid/api/alerts?limit=10&offset=20')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(p3.items).toHaveLength(6);
    expect(p3.nextOffset).toBeNull();
    const pr = p1.items.map((a: { priority: number }) => a.priority);
    expect(pr).toEqual([...pr].sort((a: number, b: number) => b - a));
  });

  it.each([
    ['severity=critical,high', (a: { severity: string }) => ['critical', 'high'].includes(a.severity), 11],
    [
      'severity=critical&severity=low',
      (a: { severity: string }) => ['critical', 'low'].includes(a.severity),
      10,
    ],
    [
      'site=plant-b&device=dev-0',
      (a: { site: string; deviceId: string }) => a.site === 'plant-b' && a.deviceId === 'dev-0',
      2,
    ],
    ['incident=inc-2', (a: { incidentId: string }) => a.incidentId === 'inc-2', 8],
    ['status=open', () => true, 26],
    ['status=resolved', () => false, 0],
    [
      `from=${new Date(T0 + 20 * 60_000).toISOString()}&to=${T0 + 22 * 60_000}`,
      (a: { lastSeenMs: number }) => a.lastSeenMs >= T0 + 20 * 60_000,
      3,
    ],
  ])('filters %s', async (qs, pred, n) => {
    const body = (
      await request(app)
        .get(`/lucid/api/alerts?${qs}`)
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(body.total).toBe(n);
    expect(body.items.every(pred)).toBe(true);
  });

  it('sorts by time ascending', async () => {
    const body = (
      await request(app)
        .get('/lucid/api/alerts?sort=time&order=asc&limit=3')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(body.items.map((a: { id: string }) => a.id)).toEqual(['a-0', 'a-1', 'a-2']);
  });

  it.each([
    ['severity=urgent', 'query.severity.0: must be one of critical, high, medium, low, info'],
    ['limit=0', 'query.limit: must be >= 1'],
    ['limit=abc', 'query.limit: expected a finite decimal number, got "abc"'],
    ['limit=5000', 'query.limit: must be <= 1000'],
    ['from=yesterday', 'query.from: expected epoch milliseconds or an ISO 8601 time, got "yesterday"'],
    ['from=20&to=10', 'query: from must not be after to'],
    ['devic=dev-1', 'query: unknown parameter "devic"'],
    ['sort=severity', 'query.sort: must be one of priority, time'],
    ['device[$ne]=x', 'query.device: must be string'],
  ])('rejects %s with 400', async (qs, detail) => {
    const res = await request(app)
      .get(`/lucid/api/alerts?${qs}`)
      .set(...bearer('viewer'))
      .expect(400);
    expect(res.body).toEqual({ error: 'invalid_query', detail });
  });

  it.each([
    "' OR '1'='1",
    "x'; DROP TABLE alerts; --",
    '1) UNION SELECT body, signature FROM alerts --',
    '%',
    '\\',
  ])('treats the injection-shaped device %p as a value', async (device) => {
    const res = await request(app)
      .get('/lucid/api/alerts')
      .query({ device })
      .set(...bearer('viewer'))
      .expect(200);
    expect(res.body.total).toBe(0);
  });
});

describe('GET alerts/:id, incidents, series, stats', () => {
  it('returns the detail with evidence window, and 404 / 400', async () => {
    const d = (
      await request(app)
        .get('/lucid/api/alerts/ev-1?maxPoints=20')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(d.signatureValid).toBe(true);
    expect(d.events).toHaveLength(1);
    expect(d.evidence.series[0].metric).toBe('temperature');
    expect(d.evidence.series[0].rawCount).toBeGreaterThan(20);
    expect(d.evidence.series[0].points).toHaveLength(20);
    expect(
      (
        await request(app)
          .get('/lucid/api/alerts/missing')
          .set(...bearer('viewer'))
          .expect(404)
      ).body.error,
    ).toBe('not_found');
    await request(app)
      .get('/lucid/api/alerts/ev-1?maxPoints=1')
      .set(...bearer('viewer'))
      .expect(400);
    await request(app)
      .get(`/lucid/api/alerts/${'x'.repeat(300)}`)
      .set(...bearer('viewer'))
      .expect(400);
  });

  it('lists incidents with filters', async () => {
    const all = (
      await request(app)
        .get('/lucid/api/incidents')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(all.total).toBe(3);
    const none = (
      await request(app)
        .get('/lucid/api/incidents?status=resolved')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(none.total).toBe(0);
    await request(app)
      .get('/lucid/api/incidents?status=closed')
      .set(...bearer('viewer'))
      .expect(400);
  });

  it('serves a down-sampled series with band and anomalies', async () => {
    const s = (
      await request(app)
        .get(`/lucid/api/series?device=dev-1&metric=temperature&from=${T0}&to=${T0 + 600_000}&maxPoints=30`)
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(s).toMatchObject({ deviceId: 'dev-1', metric: 'temperature', rawCount: 120 });
    expect(s.points).toHaveLength(30);
    expect(s.anomalies).toEqual([
      expect.objectContaining({ tsMs: T0 + 300_000, value: 40, anomaly: true, lower: 19, upper: 23 }),
    ]);
    expect(s.alerts.map((a: { id: string }) => a.id)).toContain('ev-1');
    expect(
      (
        await request(app)
          .get('/lucid/api/series?device=dev-1')
          .set(...bearer('viewer'))
          .expect(400)
      ).body.detail,
    ).toBe('query: missing "metric"');
  });

  it.each([
    ['/alerts?offset=Infinity', 'offset'],
    ['/alerts?offset=-Infinity', 'offset'],
    ['/alerts?offset=NaN', 'offset'],
    ['/alerts?limit=1e400', 'limit'],
    ['/alerts?from=Infinity', 'from'],
    ['/incidents?offset=Infinity', 'offset'],
    ['/adaptations?offset=Infinity', 'offset'],
    ['/stats?bucketMs=Infinity', 'bucketMs'],
    ['/stats?bucketMs=NaN', 'bucketMs'],
    ['/stats?bucketMs=60000.5', 'bucketMs'],
    ['/stats?bucketMs=60000%20OR%201', 'bucketMs'],
    ['/alerts/a-1?maxPoints=Infinity', 'maxPoints'],
    ['/series?device=d&metric=m&maxPoints=Infinity', 'maxPoints'],
  ])('refuses %s with a JSON 400 naming the parameter', async (path, field) => {
    const res = await request(app)
      .get(`/lucid/api${path}`)
      .set(...bearer('viewer'))
      .expect(400)
      .expect('Content-Type', /application\/json/);
    expect(res.body.error).toBe('invalid_query');
    expect(res.body.detail).toContain(field);
  });

  it('answers a malformed %-escape in the path with a JSON 400', async () => {
    const res = await request(app)
      .get('/lucid/api/alerts/%E0%A4%A')
      .set(...bearer('viewer'))
      .expect(400)
      .expect('Content-Type', /application\/json/);
    expect(res.body.error).toBe('invalid_request');
  });

  it('serves the stats funnel with buckets', async () => {
    const s = (
      await request(app)
        .get(`/lucid/api/stats?from=${T0}&to=${T0 + 86_400_000}&bucketMs=3600000`)
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(s).toMatchObject({ detections: 120, anomalies: 1, alertsOpened: 26, incidentsOpened: 3 });
    expect(s.buckets.length).toBeGreaterThan(0);
    expect(s.buckets.reduce((n: number, b: { detections?: number }) => n + (b.detections ?? 0), 0)).toBe(120);
    await request(app)
      .get('/lucid/api/stats?bucketMs=5')
      .set(...bearer('viewer'))
      .expect(400);
  });
});

describe('authentication and size before parsing', () => {
  it('accepts an explicit charset=utf-8', async () => {
    await request(app)
      .post('/lucid/api/alerts/a-24/feedback')
      .set(...bearer('operator'))
      .set('Content-Type', 'application/json; charset=UTF-8')
      .send('{"verdict":"useful"}')
      .expect(201);
  });

  it('answers 401 to an unauthenticated body without reading it as JSON', async () => {
    for (const body of ['{"verdict":', 'x'.repeat(4 * 1024 * 1024)]) {
      const res = await request(app)
        .post('/lucid/api/alerts/a-1/feedback')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(401)
        .expect('Content-Type', /application\/json/);
      expect(res.body.error).toBe('unauthorized');
    }
  });

  it('answers a 6 MB body with a JSON 413', async () => {
    const res = await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set(...bearer('operator'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ verdict: 'useful', comment: 'x'.repeat(6 * 1024 * 1024) }))
      .expect(413)
      .expect('Content-Type', /application\/json/);
    expect(res.body).toEqual({ error: 'payload_too_large', detail: 'the body exceeds 16kb' });
  });

  it('answers 503 "down" when the store fails, without details', async () => {
    const failing = createApiRouter({
      store: Object.create(store, {
        health: { value: async () => Promise.reject(new Error('disk gone')) },
      }) as SqlAlertStore,
      auth: new ApiAuth([{ name: 'root', role: 'admin', token: TOKENS.admin }]),
    });
    const e = express();
    e.use('/lucid/api', failing.router);
    const res = await request(e).get('/lucid/api/health').expect(503);
    expect(res.body).toEqual({ status: 'down', role: null });
    failing.close();
  });
});

describe('writes: feedback, ack, resolve, adaptations', () => {
  it('viewers cannot write (403), and nothing is written', async () => {
    const head = await auditHead();
    const res = await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set(...bearer('viewer'))
      .send({ verdict: 'useful' })
      .expect(403);
    expect(res.body.error).toBe('forbidden');
    await request(app).post('/lucid/api/alerts/a-1/feedback').send({ verdict: 'useful' }).expect(401);
    expect(await auditHead()).toBe(head);
  });

  it.each([
    ['an unknown verdict', { verdict: 'meh' }, 'application/json', 400, 'invalid_body'],
    ['an extra field', { verdict: 'useful', admin: true }, 'application/json', 400, 'invalid_body'],
    ['a missing verdict', { comment: 'x' }, 'application/json', 400, 'invalid_body'],
    [
      'an oversized comment',
      { verdict: 'useful', comment: 'x'.repeat(3000) },
      'application/json',
      400,
      'invalid_body',
    ],
    ['a text body', 'verdict=useful', 'text/plain', 415, 'unsupported_media_type'],
    ['malformed JSON', '{"verdict":', 'application/json', 400, 'invalid_json'],
    [
      'a body over 16 kB',
      JSON.stringify({ verdict: 'useful', comment: 'x'.repeat(20_000) }),
      'application/json',
      413,
      'payload_too_large',
    ],
    ['a UTF-7 body', '{"verdict":"useful"}', 'application/json; charset=utf-7', 415, 'unsupported_charset'],
    [
      'a UTF-16 body',
      '{"verdict":"useful"}',
      'application/json; charset=utf-16le',
      415,
      'unsupported_charset',
    ],
    [
      'a Latin-1 body',
      '{"verdict":"useful"}',
      'application/json; charset="iso-8859-1"',
      415,
      'unsupported_charset',
    ],
  ])('refuses %s and writes nothing', async (_n, payload, type, status, code) => {
    const head = await auditHead();
    const res = await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set(...bearer('operator'))
      .set('Content-Type', type)
      .send(typeof payload === 'string' ? payload : JSON.stringify(payload))
      .expect(status);
    expect(res.body.error).toBe(code);
    expect(await auditHead()).toBe(head);
  });

  it('records feedback (201) by the token name, and 404 for an unknown alert', async () => {
    const res = await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set(...bearer('operator'))
      .send({ verdict: 'false_positive', user: 'alice', comment: 'sensor was being cleaned' })
      .expect(201);
    expect(res.body.feedback).toMatchObject({
      alertId: 'a-1',
      verdict: 'false_positive',
      user: 'alice',
      actor: 'ops:alice',
      tsMs: NOW,
    });
    await request(app)
      .post('/lucid/api/alerts/nope/feedback')
      .set(...bearer('operator'))
      .send({ verdict: 'useful' })
      .expect(404);
    const d = (
      await request(app)
        .get('/lucid/api/alerts/a-1')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(d.feedback).toHaveLength(1);
  });

  it('acknowledges then resolves, with 409 on repeats', async () => {
    const ack = await request(app)
      .post('/lucid/api/alerts/a-2/ack')
      .set(...bearer('operator'))
      .expect(200);
    expect(ack.body.alert.status).toBe('acknowledged');
    expect(ack.body.event).toMatchObject({ kind: 'acknowledged', by: 'ops' });
    expect(
      (
        await request(app)
          .post('/lucid/api/alerts/a-2/ack')
          .set(...bearer('operator'))
          .expect(409)
      ).body.error,
    ).toBe('conflict');
    const res = await request(app)
      .post('/lucid/api/alerts/a-2/resolve')
      .set(...bearer('admin'))
      .send({ comment: 'fixed' })
      .expect(200);
    expect(res.body.alert).toMatchObject({ status: 'resolved', resolvedMs: NOW });
    await request(app)
      .post('/lucid/api/alerts/a-2/resolve')
      .set(...bearer('operator'))
      .expect(409);
    await request(app)
      .post('/lucid/api/alerts/a-2/ack')
      .set(...bearer('operator'))
      .set('Content-Type', 'text/plain')
      .send('hi')
      .expect(415);
  });

  it('admins create, list and revert adaptations; operators cannot', async () => {
    const body = {
      kind: 'suppress',
      fingerprint: 'dev-1|temperature|spike',
      untilMs: NOW + 3_600_000,
      reason: 'known noisy',
    };
    await request(app)
      .post('/lucid/api/adaptations')
      .set(...bearer('operator'))
      .send(body)
      .expect(403);
    await request(app)
      .post('/lucid/api/adaptations')
      .set(...bearer('admin'))
      .send({ ...body, kind: 'delete' })
      .expect(400);
    const created = (
      await request(app)
        .post('/lucid/api/adaptations')
        .set(...bearer('admin'))
        .send(body)
        .expect(201)
    ).body;
    expect(created).toMatchObject({ ...body, createdBy: 'root', tsMs: NOW });
    const list = (
      await request(app)
        .get('/lucid/api/adaptations?active=true')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(list.items.map((a: { id: string }) => a.id)).toContain(created.id);
    await request(app)
      .post(`/lucid/api/adaptations/${created.id}/revert`)
      .set(...bearer('operator'))
      .expect(403);
    expect(
      (
        await request(app)
          .post(`/lucid/api/adaptations/${created.id}/revert`)
          .set(...bearer('admin'))
          .expect(200)
      ).body.revertedMs,
    ).toBe(NOW);
    await request(app)
      .post(`/lucid/api/adaptations/${created.id}/revert`)
      .set(...bearer('admin'))
      .expect(409);
    await request(app)
      .post('/lucid/api/adaptations/unknown/revert')
      .set(...bearer('admin'))
      .expect(404);
    expect(
      (
        await request(app)
          .get('/lucid/api/adaptations?active=true')
          .set(...bearer('viewer'))
          .expect(200)
      ).body.total,
    ).toBe(0);
  });

  it('audit/verify reports an intact chain after all writes', async () => {
    const v = (
      await request(app)
        .get('/lucid/api/audit/verify')
        .set(...bearer('viewer'))
        .expect(200)
    ).body;
    expect(v.ok).toBe(true);
    expect(v.checkedEntries).toBe(await auditHead());
  });
});

describe('metrics, CORS, stream', () => {
  it('serves Prometheus metrics to viewers only', async () => {
    await request(app).get('/lucid/api/metrics').expect(401);
    const res = await request(app)
      .get('/lucid/api/metrics')
      .set(...bearer('viewer'))
      .expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const m of [
      'lucid_alerts_total',
      'lucid_store_write_seconds',
      'lucid_pipeline_latency_seconds',
      'lucid_rejects_total',
      'lucid_api_requests_total',
      'lucid_open_alerts',
      'lucid_narratives_total',
    ]) {
      expect(res.text).toContain(m);
    }
    // Node.js process metrics under their standard names, so stock dashboards find them.
    expect(res.text).toMatch(/^process_cpu_seconds_total /m);
    expect(res.text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(res.text).not.toContain('lucid_process_');
  });

  it('sends no CORS headers unless configured', async () => {
    const off = await request(app).get('/lucid/api/health').set('Origin', 'http://grafana:3000');
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
    const on = makeApp(['http://grafana:3000']);
    const res = await request(on.app)
      .options('/lucid/api/alerts')
      .set('Origin', 'http://grafana:3000')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://grafana:3000');
    const other = await request(on.app).get('/lucid/api/health').set('Origin', 'http://evil').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    on.api.close();
  });

  it('accepts only exact origins in corsOrigins, never "*"', () => {
    expect(corsOriginsOf([' http://grafana:3000 ', '', 'https://ops.example'])).toEqual([
      'http://grafana:3000',
      'https://ops.example',
    ]);
    for (const bad of ['*', 'grafana:3000', 'http://grafana:3000/', 'http://a/path', 'file:///x', 'null'])
      expect(() => corsOriginsOf([bad])).toThrow(ConfigError);
    expect(() => makeApp(['*'])).toThrow(/"\*" is not allowed/);
  });

  async function collectSse(
    path: string,
    headers: Record<string, string>,
    until: (text: string) => boolean,
    act?: () => Promise<void>,
  ): Promise<string> {
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    let text = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ port, host: '127.0.0.1', path, headers }, (res) => {
          if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream'))
            reject(new Error(`status ${res.statusCode}`));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (until(text)) {
              req.destroy();
              resolve();
            }
          });
          if (act) setTimeout(() => act().catch(reject), 50);
        });
        req.on('error', reject);
        setTimeout(() => {
          req.destroy();
          reject(new Error(`stream ended early; got ${text}`));
        }, 3000).unref();
      });
    } finally {
      server.close();
    }
    return text;
  }

  it('streams alert changes as server-sent events, filtered by severity, with heartbeats', async () => {
    const head = await auditHead();
    const text = await collectSse(
      `/lucid/api/stream?access_token=${TOKENS.viewer}&severity=critical`,
      {},
      (t) => t.includes('"id":"sse-1"') && t.includes(': ping'),
      async () => {
        await store.applyAlertEvent(makeEvent('opened', makeAlert({ id: 'sse-0', severity: 'low' })));
        await store.applyAlertEvent(makeEvent('opened', makeAlert({ id: 'sse-1', severity: 'critical' })));
      },
    );
    expect(text).toContain(`id: ${head + 2}\nevent: alert\ndata: {"kind":"opened"`);
    expect(text).not.toContain('"id":"sse-0"');
    await request(app).get('/lucid/api/stream').expect(401);
  });

  it('replays missed events after Last-Event-ID', async () => {
    const text = await collectSse(
      '/lucid/api/stream?severity=critical',
      { 'Last-Event-ID': '0', Authorization: `Bearer ${TOKENS.viewer}` },
      (t) => t.includes('"id":"a-5"'),
    );
    expect(text.indexOf('"id":"a-0"')).toBeGreaterThan(0);
    expect(text.indexOf('"id":"a-0"')).toBeLessThan(text.indexOf('"id":"a-5"'));
    expect(text).not.toContain('"id":"a-1"');
  });
});
