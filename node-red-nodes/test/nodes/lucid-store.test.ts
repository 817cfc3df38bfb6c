import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import helper from 'node-red-node-test-helper';
import storeConfigNode = require('../../src/nodes/lucid-store-config/lucid-store-config');
import storeNode = require('../../src/nodes/lucid-store/lucid-store');
import { mountApi, unmountApi } from '../../src/nodes/lucid-store-config/api-mount';
import type { StoreConfigNode } from '../../src/nodes/lucid-store-config/store-config';
import { storeOptionsFromConfig, tokensFromConfig } from '../../src/nodes/lucid-store-config/store-config';
import { makeAlert, makeDetection, makeEvent, makeIncident } from '../lib/store/fixtures';
import { lucidMetrics } from '../../src/lib/api/lucid-metrics';

helper.init(require.resolve('node-red'));

const T0 = 1_700_000_000_000;
const ADMIN = 'admin-token-0123456789abcdef';
let dir: string;

const flow = (extra: object[] = []) => [
  {
    id: 'cfg',
    type: 'lucid-store-config',
    dataDir: dir,
    retentionDays: 30,
    seriesCap: 5000,
    apiEnabled: true,
    tokenEnv: '',
  },
  { id: 's1', type: 'lucid-store', store: 'cfg', wires: [['out']] },
  { id: 'out', type: 'helper' },
  ...extra,
];

type AnyNode = { receive(msg: object): void; on(ev: string, cb: (...a: unknown[]) => void): void };

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-node-store-'));
  return helper.startServer();
});
afterEach(async () => {
  await helper.unload();
  await helper.stopServer();
  rmSync(dir, { recursive: true, force: true });
});

describe('lucid-store node', () => {
  it('stores detections, alert events, incidents and notifications, and serves them through its API', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    const cfg = helper.getNode('cfg') as unknown as StoreConfigNode;
    const store = await cfg.store;
    s1.receive({
      payload: Array.from({ length: 50 }, (_, i) =>
        makeDetection('dev-1', T0 + i * 1000, i === 30 ? 40 : 21),
      ),
    });
    s1.receive({
      payload: makeAlert(),
      event: makeEvent('opened', makeAlert({ firstSeenMs: T0 + 30_000, lastSeenMs: T0 + 30_000 })),
      incident: makeIncident(),
    });
    s1.receive({
      payload: {},
      notification: { channel: 'slack', alertId: 'a-1', incidentId: 'inc-1', payload: {} },
    });
    s1.receive({ payload: 'garbage', error: { code: 'out_of_range' } });
    const alert = await until(() => store.getAlert('a-1'));
    expect(alert.signature).toBeDefined();
    const stats = await until(async () => {
      const st = await store.getStats({ fromMs: T0, toMs: T0 + 3_600_000 });
      return st.notifications === 1 ? st : undefined;
    });
    expect(stats).toMatchObject({
      detections: 50,
      anomalies: 1,
      alertsOpened: 1,
      incidentsOpened: 1,
      notifications: 1,
    });
    const app = express().use('/lucid/api', cfg.api!.router);
    const detail = await request(app)
      .get('/lucid/api/alerts/a-1')
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    expect(detail.body.evidence.series[0].rawCount).toBe(50);
    const metrics = await request(app)
      .get('/lucid/api/metrics')
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    expect(metrics.text).toMatch(/lucid_rejects_total\{reason="out_of_range"\} \d/);
    // The alert above is open, and the gauge reads the store at scrape time.
    expect(metrics.text).toMatch(/^lucid_open_alerts\{severity="high"\} 1$/m);
    expect(metrics.text).toMatch(/^lucid_open_alerts\{severity="critical"\} 0$/m);
  });

  it('observes pipeline latency from the ingest stamp, and nothing without one', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    const cfg = helper.getNode('cfg') as unknown as StoreConfigNode;
    await cfg.store;
    const latency = async () => {
      const values = (await lucidMetrics().pipelineLatency.get()).values;
      const of = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
      return {
        count: of('lucid_pipeline_latency_seconds_count'),
        sumS: of('lucid_pipeline_latency_seconds_sum'),
      };
    };
    const before = await latency();
    // Event time far in the past (a replay): without a stamp it must not count as latency.
    s1.receive({ payload: [makeDetection('dev-2', T0, 21)] });
    s1.receive({ payload: [makeDetection('dev-2', T0 + 1000, 21)], lucidIngestMs: Date.now() - 250 });
    const after = await until(async () => {
      const l = await latency();
      return l.count > before.count ? l : undefined;
    });
    expect(after.count - before.count).toBe(1);
    expect(after.sumS - before.sumS).toBeGreaterThanOrEqual(0.25);
    expect(after.sumS - before.sumS).toBeLessThan(60);
  });

  it('emits operator feedback, API adaptations and operator status changes on its output', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    const out = helper.getNode('out') as unknown as AnyNode;
    const cfg = helper.getNode('cfg') as unknown as StoreConfigNode;
    const store = await cfg.store;
    const got: { topic: string }[] = [];
    out.on('input', (msg) => got.push(msg as { topic: string }));
    s1.receive({ event: makeEvent('opened', makeAlert()) });
    await until(() => store.getAlert('a-1'));
    const app = express().use('/lucid/api', cfg.api!.router);
    await request(app)
      .post('/lucid/api/alerts/a-1/feedback')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({ verdict: 'false_positive' })
      .expect(201);
    await request(app).post('/lucid/api/alerts/a-1/ack').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    await request(app)
      .post('/lucid/api/adaptations')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({ kind: 'silence', deviceId: 'dev-1', reason: 'test' })
      .expect(201);
    await store.recordAdaptation(
      { id: 'own', kind: 'suppress', fingerprint: 'f', createdBy: 'x', reason: 'r', tsMs: 1 },
      'lucid-feedback',
    );
    await until(() => got.length >= 3 || undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((m) => m.topic)).toEqual(['feedback', 'alert', 'adaptation']);
    expect(got[0]).toMatchObject({
      payload: { verdict: 'false_positive', user: 'admin' },
      alert: { id: 'a-1' },
    });
  });

  it('ignores a replayed alert event', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    const store = await (helper.getNode('cfg') as unknown as StoreConfigNode).store;
    const msg = { event: makeEvent('opened', makeAlert()) };
    s1.receive(msg);
    s1.receive(msg);
    await until(async () => ((await store.health()).alerts === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    expect((await store.health()).auditHead).toBe(1);
  });

  it('sends garbage to done(err) without crashing', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    await (helper.getNode('cfg') as unknown as StoreConfigNode).store;
    const errors: unknown[] = [];
    s1.on('call:error', (call) => errors.push(call));
    s1.receive({ payload: 42 });
    s1.receive({ event: { kind: 'opened', alert: { id: '' } } });
    s1.receive({ payload: [{ reading: {}, score: {} }] });
    await until(() => errors.length >= 3 || undefined);
  });

  it("ignores lucid-explain's narrative messages (they arrive as lucid-route's updated event)", async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const s1 = helper.getNode('s1') as unknown as AnyNode;
    await (helper.getNode('cfg') as unknown as StoreConfigNode).store;
    const errors: unknown[] = [];
    s1.on('call:error', (call) => errors.push(call));
    s1.receive({ narrative: { deviceId: 'dev-1', narrative: { text: 'x', generated: true } } });
    s1.receive({ payload: 42 });
    // Messages are handled in order: when the garbage's error is in, the narrative was handled without one.
    await until(() => errors.length >= 1 || undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(1);
  });

  it('shows a red status without a store config, and with PostgreSQL but no URL', async () => {
    await helper.load(
      [storeConfigNode, storeNode],
      [
        { id: 's1', type: 'lucid-store', store: '' },
        { id: 'pg', type: 'lucid-store-config', engine: 'postgres', dataDir: dir },
        { id: 's2', type: 'lucid-store', store: 'pg' },
      ],
      {},
    );
    const s1 = helper.getNode('s1') as unknown as AnyNode & { status: jest.Mock };
    const s2 = helper.getNode('s2') as unknown as AnyNode;
    const statuses: { fill?: string }[] = [];
    s2.on('call:status', (call) => statuses.push((call as { args: [{ fill?: string }] }).args[0]));
    await until(() => statuses.some((s) => s.fill === 'red') || undefined);
    const errors: unknown[] = [];
    s1.on('call:error', (e) => errors.push(e));
    s1.receive({ payload: 1 });
    await until(() => errors.length || undefined);
  });

  it('closes the store on unload', async () => {
    await helper.load([storeConfigNode, storeNode], flow(), { cfg: { adminToken: ADMIN } });
    const store = await (helper.getNode('cfg') as unknown as StoreConfigNode).store;
    await helper.unload();
    await expect(store.health()).rejects.toThrow();
  });
});

describe('store config helpers', () => {
  it('mounts, swaps and unmounts the API on one express app', async () => {
    const app = express();
    const r1 = express.Router().get('/x', (_q, res) => res.send('one'));
    const r2 = express.Router().get('/x', (_q, res) => res.send('two'));
    expect(mountApi(app, '/lucid/api', 'n1', r1)).toBe(true);
    expect(mountApi(app, '/lucid/api', 'n2', r2)).toBe(false);
    expect((await request(app).get('/lucid/api/x')).text).toBe('one');
    unmountApi(app, '/lucid/api', 'n1');
    await request(app).get('/lucid/api/x').expect(404);
    expect(mountApi(app, '/lucid/api', 'n2', r2)).toBe(true);
    expect((await request(app).get('/lucid/api/x')).text).toBe('two');
  });

  it('reads tokens from credentials, lines and env, and generates one only when none is set', () => {
    const base = { id: 'c', type: 'lucid-store-config', z: '', name: '' };
    const t = tokensFromConfig(
      base,
      { viewerToken: 'v'.repeat(16), extraTokens: `ops operator ${'o'.repeat(16)}` },
      dir,
      { LUCID_API_TOKEN: 'e'.repeat(20) },
    );
    expect(t.tokens.map((x) => `${x.name}:${x.role}`)).toEqual([
      'viewer:viewer',
      'ops:operator',
      'env:admin',
    ]);
    expect(t.tokenFile).toBeUndefined();
    const g1 = tokensFromConfig(base, {}, dir, {});
    const g2 = tokensFromConfig(base, {}, dir, {});
    expect(g1.tokens[0]).toMatchObject({ name: 'generated', role: 'admin' });
    expect(g2.tokens[0].token).toBe(g1.tokens[0].token);
    expect(() => tokensFromConfig(base, { adminToken: 'short' }, dir, {})).toThrow(/at least 16/);
    expect(() => tokensFromConfig(base, { extraTokens: 'x boss 0123456789abcdef' }, dir, {})).toThrow(/role/);
    expect(() => storeOptionsFromConfig({ ...base, engine: 'postgres' }, {}, dir)).toThrow(/postgresUrl/);
    expect(() => storeOptionsFromConfig({ ...base, retentionDays: -1 }, {}, dir)).toThrow(/retentionDays/);
    expect(storeOptionsFromConfig({ ...base, dataDir: 'data' }, {}, '/u')).toMatchObject({
      dataDir: '/u/data',
      engine: 'sqlite',
      retentionDays: 30,
    });
  });
});
