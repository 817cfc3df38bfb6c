/**
 * @jest-environment ./src/testing/jsdomWithNodeFetch.js
 */
/**
 * The datasource's real query code against a real Lucid store: Node-RED (node-red-node-test-helper)
 * runs the `lucid-store-config` and `lucid-store` nodes from node-red-nodes, fed with detections,
 * alert events, incidents and a notification, with `lucid-feedback` turning verdicts into
 * adaptations; the store's API router is served over HTTP as
 * Node-RED's httpNode would serve it, and every request of the datasource goes through a proxy
 * that plays Grafana's data proxy with this plugin's own plugin.json route (token injected
 * server-side). Covers every query type, variables, annotations, feedback, live updates and
 * the connection test's failure messages.
 */
import express from 'express';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { type DataFrame, type DataQueryResponse, LoadingState } from '@grafana/data';
import type { Alert, AlertEvent, Detection, Incident } from 'node-red-contrib-lucid';
import { firstValueFrom } from 'rxjs';
import { fetchTransport } from '../api/fetchTransport';
import { LucidApi } from '../api/LucidApi';
import { LucidApiError } from '../api/LucidApiError';
import { openAlertStream } from '../live/openAlertStream';
import { LucidQueryRunner, type RunRequest } from '../LucidQueryRunner';
import { type DataSourceInstance, type PluginRoute, startGrafanaDataProxy } from '../testing/grafanaDataProxy';
import { alertFixture, incidentFixture, MIN, T0 } from '../testing/fixtures';
import { AlertSort, type LucidQuery, QueryType, SortOrder, VariableKind } from '../types';

jest.setTimeout(30_000);

interface TestNode {
  receive(msg: object): void;
}
interface TestHelper {
  init(nodeRedPath: string): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): unknown;
}
interface StoreConfig {
  store: Promise<{ flush(): Promise<void>; health(): Promise<{ alerts: number }> }>;
  api?: { router: express.Router };
}

// node-red-node-test-helper ships no types; the store nodes are loaded from the workspace package's sources.
const helper = require('node-red-node-test-helper') as TestHelper;
const lucidDir = path.dirname(require.resolve('node-red-contrib-lucid/package.json'));
const storeConfigNode = require(path.join(lucidDir, 'src/nodes/lucid-store-config/lucid-store-config'));
const storeNode = require(path.join(lucidDir, 'src/nodes/lucid-store/lucid-store'));
const feedbackNode = require(path.join(lucidDir, 'src/nodes/lucid-feedback/lucid-feedback'));
const routes = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'plugin.json'), 'utf8')) as { routes: PluginRoute[] }
).routes;

helper.init(require.resolve('node-red'));

const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  operator: 'operator-token-0123456789ab',
  viewer: 'viewer-token-0123456789abcd',
};
const RANGE = { fromMs: T0 - 60 * MIN, toMs: T0 + 60 * MIN };

/** Three alerts on two sites, grouped into two incidents. */
const A1 = alertFixture();
const A2 = alertFixture({
  id: 'al-2',
  deviceId: 'pump-8',
  fingerprint: 'pump-8|temperature|spike',
  severity: 'critical',
  priority: 95,
  firstSeenMs: T0 + MIN,
  lastSeenMs: T0 + 4 * MIN,
});
const A3 = alertFixture({
  id: 'al-3',
  deviceId: 'fan-3',
  fingerprint: 'fan-3|fan_current|drop',
  incidentId: 'inc-2',
  site: 'south',
  zone: 'hall-1',
  metric: 'fan_current',
  severity: 'medium',
  priority: 40,
  firstSeenMs: T0 + 10 * MIN,
  lastSeenMs: T0 + 12 * MIN,
  explanation: {
    ...A1.explanation,
    type: 'drop',
    title: 'Fan current drop on fan-3',
    summary: 'Fan current fell 2.1 A in 1 min.',
    related: [],
    metric: 'fan_current',
  },
});
const INC1 = incidentFixture({
  alertIds: ['al-1', 'al-2'],
  deviceIds: ['pump-7', 'pump-8'],
  severity: 'critical',
  topPriority: 95,
});
const INC2 = incidentFixture({
  id: 'inc-2',
  site: 'south',
  zone: 'hall-1',
  rootDeviceId: 'fan-3',
  alertIds: ['al-3'],
  deviceIds: ['fan-3'],
  severity: 'medium',
  topPriority: 40,
  openedMs: T0 + 10 * MIN,
  title: 'Fan failure in hall-1',
});

/** pump-7 temperature every 30 s around T0, with the detector's band; a spike after T0. */
function detections(): Detection[] {
  return Array.from({ length: 41 }, (_, i) => {
    const tsMs = T0 - 10 * MIN + i * 30_000;
    const value = tsMs > T0 ? 61 + (tsMs - T0) / 20_000 : 61 + (i % 3) * 0.2;
    const isAnomaly = value > 65;
    return {
      reading: { deviceId: 'pump-7', site: 'north', tsMs, metrics: { temperature: value } },
      score: {
        deviceId: 'pump-7',
        tsMs,
        score: isAnomaly ? 0.95 : 0.05,
        isAnomaly,
        detector: 'level',
        contributions: { temperature: isAnomaly ? 1 : 0 },
        expected: { temperature: { value: 61, lower: 57, upper: 65 } },
        evidence: {
          metrics: {},
          warmingUp: false,
          combined: { method: 'max', anomalousMetrics: isAnomaly ? ['temperature'] : [] },
        },
      },
    };
  });
}

const opened = (alert: Alert): AlertEvent => ({ kind: 'opened', alert, tsMs: alert.lastSeenMs, by: 'lucid-route' });

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

let dir: string;
let nodeRed: http.Server;
let apiUrl: string;
let storeIn: TestNode;
const proxies: Array<{ close: () => Promise<void> }> = [];

/** A runner wired to a data source instance through the Grafana-like proxy. */
async function runnerFor(ds: Omit<DataSourceInstance, 'uid'>, uid = `ds-${proxies.length}`) {
  const proxy = await startGrafanaDataProxy(routes, { uid, ...ds });
  proxies.push(proxy);
  const base = proxy.routeUrl('lucid');
  const runner = new LucidQueryRunner(new LucidApi(fetchTransport(base, fetch)), (params, onEvent, onError) =>
    openAlertStream({ baseUrl: base, fetch, params, onEvent, onError, retryMs: 100 })
  );
  return { runner, base };
}

let operator: LucidQueryRunner;
let viewer: LucidQueryRunner;

const request = (targets: LucidQuery[], extra: Partial<RunRequest> = {}): RunRequest => ({
  targets,
  range: RANGE,
  interpolate: (v) => v,
  ...extra,
});
const run = (runner: LucidQueryRunner, targets: LucidQuery[]) => firstValueFrom(runner.query(request(targets)));
const values = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)?.values;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-ds-it-'));
  await helper.startServer();
  await helper.load(
    [storeConfigNode, storeNode, feedbackNode],
    [
      {
        id: 'cfg',
        type: 'lucid-store-config',
        dataDir: dir,
        retentionDays: 30,
        seriesCap: 5000,
        apiEnabled: true,
        tokenEnv: '',
      },
      { id: 'store', type: 'lucid-store', store: 'cfg', wires: [['feedback']] },
      {
        id: 'feedback',
        type: 'lucid-feedback',
        store: 'cfg',
        falsePositive: 'both',
        replayOnStart: false,
        wires: [[]],
      },
    ],
    { cfg: { adminToken: TOKENS.admin, operatorToken: TOKENS.operator, viewerToken: TOKENS.viewer } }
  );
  const cfg = helper.getNode('cfg') as StoreConfig;
  const store = await cfg.store;
  storeIn = helper.getNode('store') as TestNode;
  storeIn.receive({ payload: detections() });
  storeIn.receive({ payload: A1, event: opened(A1), incident: INC1 });
  storeIn.receive({ payload: A2, event: opened(A2), incident: INC1 });
  storeIn.receive({ payload: A3, event: opened(A3), incident: INC2 });
  storeIn.receive({
    payload: {},
    notification: { channel: 'slack', alertId: 'al-2', incidentId: 'inc-1', payload: {} },
  });
  await until(async () => ((await store.health()).alerts === 3 ? true : undefined));
  await store.flush();

  // Node-RED's httpNode, as lucid-store-config mounts the API on it.
  const app = express().use('/lucid/api', (req, res, next) => cfg.api!.router(req, res, next));
  nodeRed = http.createServer(app);
  await new Promise<void>((resolve) => nodeRed.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(nodeRed.address() as AddressInfo).port}/lucid/api`;

  operator = (await runnerFor({ jsonData: { apiUrl }, secureJsonData: { apiToken: TOKENS.operator } })).runner;
  viewer = (await runnerFor({ jsonData: { apiUrl }, secureJsonData: { apiToken: TOKENS.viewer } })).runner;
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  nodeRed?.closeAllConnections();
  await new Promise((r) => nodeRed?.close(r));
  await helper.unload();
  await helper.stopServer();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('testDatasource against a real store', () => {
  it('connects with the operator token and reports the role', async () => {
    const res = await operator.testConnection(apiUrl);
    expect(res.status).toBe('success');
    expect(res.message).toMatch(
      /^Connected to the Lucid store API 1\.\d+\.\d+ \(sqlite, schema v\d+, 3 alerts\)\. Token role: operator/
    );
  });

  it.each([
    [
      'a wrong token',
      () => ({ jsonData: { apiUrl }, secureJsonData: { apiToken: 'not-a-valid-token-at-all' } }),
      /refused the API token \(401 unauthorized/,
    ],
    // Grafana's route then sends "Authorization: Bearer " (empty), which the store answers with a 401.
    ['no token', () => ({ jsonData: { apiUrl }, secureJsonData: {} }), /refused the API token \(401 unauthorized/],
    [
      'a wrong URL',
      () => ({
        jsonData: { apiUrl: apiUrl.replace('/lucid/api', '/api') },
        secureJsonData: { apiToken: TOKENS.viewer },
      }),
      /No Lucid store API at .*404 on health/,
    ],
    [
      'an unreachable store',
      () => ({ jsonData: { apiUrl: 'http://127.0.0.1:9/lucid/api' }, secureJsonData: { apiToken: TOKENS.viewer } }),
      /^Cannot reach the Lucid store at http:\/\/127\.0\.0\.1:9\/lucid\/api \(HTTP 502/,
    ],
  ])('explains %s', async (_name, settings, message) => {
    const { runner } = await runnerFor(settings());
    const res = await runner.testConnection(settings().jsonData.apiUrl);
    expect(res.status).toBe('error');
    expect(res.message).toMatch(message);
  });
});

describe('queries through the data proxy', () => {
  it('Alerts: a table ranked by priority with explanations, feedback counts and signatures', async () => {
    const res = await run(viewer, [{ refId: 'A' }]);
    expect(res.errors).toBeUndefined();
    const frame = res.data[0] as DataFrame;
    expect(frame.refId).toBe('A');
    expect(values(frame, 'id')).toEqual(['al-2', 'al-1', 'al-3']);
    expect(values(frame, 'priority')).toEqual([95, 82, 40]);
    expect(values(frame, 'summary')?.[1]).toBe(A1.explanation.summary);
    expect(values(frame, 'causes')?.[1][0]).toMatchObject({ cause: 'Localized overheating', confidence: 0.72 });
    expect(values(frame, 'incidentId')).toEqual(['inc-1', 'inc-1', 'inc-2']);
    expect(values(frame, 'feedbackTotal')).toEqual([0, 0, 0]);
    expect(values(frame, 'signature')?.every((s: unknown) => typeof s === 'string' && s.length > 40)).toBe(true);
    expect(frame.meta?.custom?.total).toBe(3);
  });

  it('Alerts: filters, sorting and template variables reach the store', async () => {
    const vars: Record<string, string> = { site: 'north', sev: 'critical,high' };
    const res = await firstValueFrom(
      viewer.query(
        request(
          [
            {
              refId: 'F',
              site: '$site',
              severity: ['$sev'],
              sort: AlertSort.Time,
              order: SortOrder.Desc,
              withFeedback: false,
            },
          ],
          {
            interpolate: (v) => v.replace(/\$(\w+)/g, (_m, n: string) => vars[n] ?? _m),
          }
        )
      )
    );
    // by last seen, newest first: al-1 (T0+5 min) before al-2 (T0+4 min), unlike the priority order
    expect(values(res.data[0], 'id')).toEqual(['al-1', 'al-2']);
    const text = await run(viewer, [{ refId: 'T', text: 'fan current', withFeedback: false }]);
    expect(values(text.data[0], 'id')).toEqual(['al-3']);
    const none = await run(viewer, [{ refId: 'N', device: 'no-such-device' }]);
    expect((none.data[0] as DataFrame).length).toBe(0);
  });

  it('Series: samples with the expected band, anomaly flags and the fleet unit', async () => {
    const res = await run(viewer, [
      { refId: 'S', queryType: QueryType.Series, device: 'pump-7', metric: 'temperature' },
    ]);
    expect(res.errors).toBeUndefined();
    const frame = res.data[0] as DataFrame;
    expect(frame.refId).toBe('S');
    expect(frame.length).toBe(41);
    expect(values(frame, 'time')?.[0]).toBe(T0 - 10 * MIN);
    expect(values(frame, 'lower')?.[0]).toBe(57);
    expect(values(frame, 'upper')?.[0]).toBe(65);
    expect(values(frame, 'expected')?.[0]).toBe(61);
    expect(values(frame, 'anomaly')?.filter(Boolean).length).toBeGreaterThan(0);
    expect(values(frame, 'anomaly')?.[0]).toBe(false);
    expect(frame.fields.find((f) => f.name === 'value')?.config.unit).toBe('celsius');
    const few = await firstValueFrom(
      viewer.query(
        request([{ refId: 'S', queryType: QueryType.Series, device: 'pump-7', metric: 'temperature' }], {
          maxDataPoints: 10,
        })
      )
    );
    expect((few.data[0] as DataFrame).length).toBe(10);
  });

  it('Incidents: alert counts and top priorities', async () => {
    const res = await run(viewer, [{ refId: 'I', queryType: QueryType.Incidents }]);
    const frame = res.data[0] as DataFrame;
    expect(frame.refId).toBe('I');
    const byId = Object.fromEntries(
      (values(frame, 'id') ?? []).map((id: string, i: number) => [
        id,
        [values(frame, 'alertCount')?.[i], values(frame, 'topPriority')?.[i]],
      ])
    );
    expect(byId).toEqual({ 'inc-1': [2, 95], 'inc-2': [1, 40] });
  });

  it('Stats: the alert-fatigue funnel over the range, with buckets', async () => {
    const res = await run(viewer, [{ refId: 'T', queryType: QueryType.Stats, bucketMs: 600_000 }]);
    expect(res.errors).toBeUndefined();
    const [summary, buckets] = res.data as DataFrame[];
    expect(values(summary, 'detections')).toEqual([41]);
    expect(values(summary, 'alertsOpened')).toEqual([3]);
    expect(values(summary, 'incidentsOpened')).toEqual([2]);
    expect(values(summary, 'notifications')).toEqual([1]);
    expect(values(summary, 'anomalies')?.[0]).toBeGreaterThan(0);
    expect(buckets.refId).toBe('T');
    expect((values(buckets, 'detections') ?? []).reduce((s: number, n: number) => s + n, 0)).toBe(41);
  });

  it('surfaces store errors as errors of the failing query', async () => {
    const { runner } = await runnerFor({
      jsonData: { apiUrl },
      secureJsonData: { apiToken: 'not-a-valid-token-at-all' },
    });
    const res = await run(runner, [{ refId: 'X' }]);
    expect(res.data).toEqual([]);
    expect(res.errors).toEqual([
      { refId: 'X', status: 401, message: 'Lucid store: unknown bearer token (HTTP 401, unauthorized)' },
    ]);
  });
});

describe('template variables and annotations', () => {
  it.each([
    [VariableKind.Sites, {}, ['north', 'south']],
    [VariableKind.Zones, {}, ['hall-1', 'line-2']],
    [VariableKind.Devices, {}, ['fan-3', 'pump-7', 'pump-8']],
    [VariableKind.Devices, { site: '$site' }, ['pump-7', 'pump-8']],
    [VariableKind.Metrics, { device: 'fan-3' }, ['fan_current', 'temperature', 'vibration']],
  ])('%s %j', async (kind, filters, expected) => {
    const found = await viewer.findVariableValues({ kind, ...filters }, (v) => v.replace('$site', 'north'), RANGE);
    expect(found.map((f) => f.text)).toEqual(expected);
  });

  it('annotations: one region per alert with severity colour and tags', async () => {
    const res = await run(viewer, [
      { refId: 'Anno', queryType: QueryType.Annotations, severity: ['critical', 'high'] },
    ]);
    const frame = res.data[0] as DataFrame;
    expect(values(frame, 'id')).toEqual(['al-2', 'al-1']);
    expect(values(frame, 'time')).toEqual([T0 + MIN, T0]);
    expect(values(frame, 'timeEnd')).toEqual([T0 + 4 * MIN, T0 + 5 * MIN]);
    expect(values(frame, 'tags')?.[0]).toEqual(['critical', 'open', 'north', 'pump-8', 'temperature', 'spike']);
    expect(values(frame, 'color')?.[0]).toBe('#F2495C');
  });
});

describe('operator actions and live updates', () => {
  it('posts feedback, acknowledges and resolves through the proxy, returning the updated alert', async () => {
    const fp = await operator.postFeedback('al-3', 'false_positive', {
      comment: 'fan was being serviced',
      user: 'ana',
    });
    expect(fp.id).toBe('al-3');
    const acked = await operator.acknowledge('al-3', { user: 'ana' });
    expect(acked.status).toBe('acknowledged');
    const res = await run(viewer, [{ refId: 'A', device: 'fan-3' }]);
    expect(values(res.data[0], 'status')).toEqual(['acknowledged']);
    expect(values(res.data[0], 'feedback')?.[0]).toMatchObject({ false_positive: 1 });
    const resolved = await operator.resolve('al-3');
    expect(resolved.status).toBe('resolved');
    const refused = await viewer.acknowledge('al-1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LucidApiError);
    expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
    // lucid-feedback turned the false positive into adaptations, listed through the same route.
    const adaptations = await until(async () => {
      const page = await viewer.api.adaptations({ limit: 10 });
      return page.items.length > 0 ? page.items : undefined;
    });
    // falsePositive 'both': raise the series threshold and suppress the fingerprint, credited to the Grafana user
    expect(adaptations.map((a) => [a.kind, a.alertId, a.createdBy]).sort()).toEqual([
      ['suppress', 'al-3', 'ana'],
      ['threshold', 'al-3', 'ana'],
    ]);
    const unknown = await operator.postFeedback('no-such-alert', 'useful').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404 });
  });

  it('streams new and changed alerts into a live Alerts table (SSE through the proxy)', async () => {
    const responses: DataQueryResponse[] = [];
    const sub = viewer
      .query(
        request([{ refId: 'L', live: true, status: ['open', 'acknowledged'], withFeedback: false }], {
          rangeEndsNow: true,
        })
      )
      .subscribe((r) => responses.push(r));
    try {
      await until(() => responses.length >= 1 || undefined);
      expect(responses[0].state).toBe(LoadingState.Streaming);
      expect(values(responses[0].data[0], 'id')).toEqual(['al-2', 'al-1']);
      // Give the stream time to connect before the store changes.
      await new Promise((r) => setTimeout(r, 300));
      const A4 = alertFixture({
        id: 'al-4',
        deviceId: 'pump-9',
        fingerprint: 'pump-9|temperature|spike',
        severity: 'critical',
        priority: 99,
        firstSeenMs: T0 + 20 * MIN,
        lastSeenMs: T0 + 20 * MIN,
      });
      storeIn.receive({
        payload: A4,
        event: opened(A4),
        incident: incidentFixture({ id: 'inc-3', alertIds: ['al-4'] }) as Incident,
      });
      const withNew = await until(() =>
        responses.find((r) => r.key === 'L' && values(r.data[0], 'id')?.[0] === 'al-4')
      );
      expect(values(withNew.data[0], 'id')).toEqual(['al-4', 'al-2', 'al-1']);
      await operator.resolve('al-1');
      const afterResolve = await until(() =>
        responses.find((r) => r.key === 'L' && r.data.length > 0 && !values(r.data[0], 'id')?.includes('al-1'))
      );
      expect(values(afterResolve.data[0], 'id')).toEqual(['al-4', 'al-2']);
    } finally {
      sub.unsubscribe();
    }
  });
});
