import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiAuth } from '../../../src/lib/api/api-auth';
import { createApiRouter, type ApiRouter } from '../../../src/lib/api/api-router';
import { lucidMetrics } from '../../../src/lib/api/lucid-metrics';
import { CombinedDetector } from '../../../src/lib/detect/combined-detector';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { DetectorRegistry } from '../../../src/lib/score/detector-registry';
import { MAX_SCORE_BATCH, ScoreService } from '../../../src/lib/score/score-service';
import { SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { MINUTE, T0, noisy } from '../detect/fixtures';

const TOKENS = {
  device: 'device-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};
const auth = (role: keyof typeof TOKENS): [string, string] => ['Authorization', `Bearer ${TOKENS[role]}`];
const LAST_MS = T0 + 199 * MINUTE;
const NOW = LAST_MS + 30_000;

let dir: string;
let store: SqlAlertStore;
let api: ApiRouter;
let app: express.Express;
let detector: CombinedDetector;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-score-api-'));
  store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys: SigningKeys.generate(),
    nowMs: () => NOW,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
  });
  const fleet = new FleetRegistry({});
  detector = new CombinedDetector(resolveDetectConfig({}), fleet);
  detector.detectBatch(noisy(200, { deviceId: 'm-1', metric: 'temperature', mean: 20, sd: 0.5 }));
  const registry = new DetectorRegistry();
  registry.register({ id: 'd1', name: 'detect', detector: () => detector, fleet });
  api = createApiRouter({
    store,
    auth: new ApiAuth([
      { name: 'sensor-gw', role: 'device', token: TOKENS.device },
      { name: 'ops', role: 'operator', token: TOKENS.operator },
      { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
      { name: 'root', role: 'admin', token: TOKENS.admin },
    ]),
    metrics: lucidMetrics(),
    nowMs: () => NOW,
    scorer: new ScoreService(registry, { nowMs: () => NOW }),
    scoreRateLimit: { limit: 40, windowMs: 60_000 },
  });
  app = express();
  app.use('/lucid/api', api.router);
});

afterAll(async () => {
  api.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const reading = (value: number, deviceId = 'm-1') => ({
  deviceId,
  tsMs: LAST_MS + MINUTE,
  metrics: { temperature: value },
});

/** The value of one sample of the metrics text, 0 when absent. */
async function metric(name: string, labels: string): Promise<number> {
  const text = (
    await request(app)
      .get('/lucid/api/metrics')
      .set(...auth('viewer'))
      .expect(200)
  ).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('POST /lucid/api/score', () => {
  it('scores for a device or operator token, read-only', async () => {
    const before = JSON.stringify(detector.snapshot());
    for (const role of ['device', 'operator', 'admin'] as const) {
      const res = await request(app)
        .post('/lucid/api/score')
        .set(...auth(role))
        .send(reading(20.1))
        .expect(200);
      expect(res.body).toMatchObject({
        deviceId: 'm-1',
        tsMs: LAST_MS + MINUTE,
        isAnomaly: false,
        threshold: 0.5,
        detector: 'lucid-streaming',
        detectorNode: 'detect',
        warmingUp: false,
      });
      expect(res.body.anomaly_score).toBeGreaterThanOrEqual(0);
      expect(res.body.contributions).toHaveProperty('temperature');
      expect(typeof res.body.processingMs).toBe('number');
      expect(res.body.version).toMatch(/^lucid-detect@/);
    }
    const spike = await request(app)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send(reading(35))
      .expect(200);
    expect(spike.body.isAnomaly).toBe(true);
    expect(JSON.stringify(detector.snapshot())).toBe(before);
  });

  it('refuses missing (401) and viewer tokens (403), and a device token elsewhere (403)', async () => {
    await request(app).post('/lucid/api/score').send(reading(20)).expect(401);
    const v = await request(app)
      .post('/lucid/api/score')
      .set(...auth('viewer'))
      .send(reading(20))
      .expect(403);
    expect(v.body.detail).toMatch(/viewer; this needs device/);
    await request(app)
      .get('/lucid/api/alerts')
      .set(...auth('device'))
      .expect(403);
  });

  it('answers bad input with 4xx and the reason, counted in /metrics', async () => {
    const unknownBefore = await metric('lucid_score_rejects_total', 'reason="unknown_device"');
    const missingBefore = await metric('lucid_score_rejects_total', 'reason="missing_metrics"');
    const r1 = await request(app)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send(reading(20, 'ghost'))
      .expect(404);
    expect(r1.body).toEqual({ error: 'unknown_device', detail: expect.stringMatching(/"ghost"/) });
    const r2 = await request(app)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send({ deviceId: 'm-1', tsMs: LAST_MS + MINUTE, metrics: { humidity: 40 } })
      .expect(422);
    expect(r2.body.error).toBe('unknown_metric');
    const r3 = await request(app)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send({ deviceId: 'm-1', tsMs: LAST_MS + MINUTE })
      .expect(400);
    expect(r3.body.error).toBe('schema');
    await request(app)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send({ tsMs: 1 })
      .expect(400);
    expect(await metric('lucid_score_rejects_total', 'reason="unknown_device"')).toBe(unknownBefore + 1);
    expect(await metric('lucid_score_rejects_total', 'reason="missing_metrics"')).toBe(missingBefore);
    expect(
      await metric('lucid_score_requests_total', 'endpoint="score",outcome="rejected"'),
    ).toBeGreaterThanOrEqual(4);
  });
});

describe('POST /lucid/api/score/batch', () => {
  it('scores readings in order and returns them with the request time', async () => {
    const readings = noisy(5, { deviceId: 'm-1', mean: 20, sd: 0.5, startMs: LAST_MS + MINUTE, seed: 5 });
    const res = await request(app)
      .post('/lucid/api/score/batch')
      .set(...auth('device'))
      .send({ readings })
      .expect(200);
    expect(res.body.count).toBe(5);
    expect(res.body.results.map((r: { tsMs: number }) => r.tsMs)).toEqual(readings.map((r) => r.tsMs));
    expect(res.body.processingMs).toBeGreaterThan(0);
  });

  it('refuses a batch over the limit with 413 batch_too_large, counted', async () => {
    const before = await metric('lucid_score_rejects_total', 'reason="batch_too_large"');
    const readings = Array.from({ length: MAX_SCORE_BATCH + 1 }, () => reading(20));
    const res = await request(app)
      .post('/lucid/api/score/batch')
      .set(...auth('device'))
      .send({ readings })
      .expect(413);
    expect(res.body).toEqual({ error: 'batch_too_large', detail: expect.stringMatching(/at most 1000/) });
    expect(await metric('lucid_score_rejects_total', 'reason="batch_too_large"')).toBe(before + 1);
    await request(app)
      .post('/lucid/api/score/batch')
      .set(...auth('device'))
      .send({ items: [] })
      .expect(400);
  });

  it('rate-limits per token with 429 rate_limited, counted', async () => {
    const fresh = createApiRouter({
      store,
      auth: new ApiAuth([{ name: 'gw', role: 'device', token: TOKENS.device }]),
      metrics: lucidMetrics(),
      scorer: new ScoreService(new DetectorRegistry()),
      scoreRateLimit: { limit: 2, windowMs: 60_000 },
    });
    const e = express();
    e.use('/lucid/api', fresh.router);
    const before = await metric('lucid_score_rejects_total', 'reason="rate_limited"');
    // No detector runs behind this router: 503 until the limit, then 429.
    await request(e)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send(reading(20))
      .expect(503);
    await request(e)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send(reading(20))
      .expect(503);
    const limited = await request(e)
      .post('/lucid/api/score')
      .set(...auth('device'))
      .send(reading(20))
      .expect(429);
    expect(limited.body.error).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
    expect(await metric('lucid_score_rejects_total', 'reason="rate_limited"')).toBe(before + 1);
    fresh.close();
  });
});
