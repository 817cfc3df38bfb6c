/**
 * `npm run bench:speed`: throughput, latency, memory and start-up of Lucid inside a real
 * Node-RED runtime, each figure next to a baseline measured in the same process and run:
 * a bare flow of as many pass-through nodes, broker → mqtt in → sink, single vs batched
 * messages, and the de-facto alternative (node-red-node-smooth + switch).
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Reading } from '../../node-red-nodes/src/lib/contracts/types';
import { modelCardPath } from '../../node-red-nodes/src/lib/bench/model-reading-scorer';
import { resolveDetectConfig, StreamingDetector } from '../../node-red-nodes/src/lib/detect';
import { Explainer } from '../../node-red-nodes/src/lib/explain';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { AlertRouter } from '../../node-red-nodes/src/lib/route/alert-router';
import { resolveRouteOptions } from '../../node-red-nodes/src/lib/route/route-options';
import { openAlertStore } from '../../node-red-nodes/src/lib/store/open-alert-store';
import { REPO_ROOT, environment, updateResults } from './results-file';
import { armProbe, BenchRuntime } from './speed-runtime';
import { SCORE_API_COLUMNS, measureScoreApi, scoreApiRows, type ScoreApiSpeed } from './score-api';
import type { SpeedResults, SpeedTable } from './speed-types';

const DEVICES = 100;
const NODE_RED_VERSION = (
  JSON.parse(readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string }
).version;
const METRICS = ['temperature', 'humidity', 'pressure', 'vibration', 'current', 'voltage'];

/** Deterministic readings: `count` readings round-robin over `devices` devices, 1 s apart per device. */
function readings(count: number, devices = DEVICES, startMs = Date.now() - 3_600_000): Reading[] {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out: Reading[] = [];
  for (let i = 0; i < count; i++) {
    const d = i % devices;
    const k = Math.floor(i / devices);
    const metrics: Record<string, number> = {};
    METRICS.forEach((m, j) => {
      const spike = rand() < 0.001 ? 8 : 0;
      metrics[m] = Number((20 + j * 5 + Math.sin(k / 60 + d) * 2 + rand() * 0.5 + spike).toFixed(3));
    });
    out.push({ deviceId: `dev-${String(d).padStart(5, '0')}`, tsMs: startMs + k * 1000, metrics });
  }
  return out;
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Injects messages as fast as the flow takes them (chunks of 200, yielding between) and returns readings/s. */
async function throughput(
  rt: BenchRuntime,
  entry: string,
  messages: Record<string, unknown>[],
  readingsTotal: number,
): Promise<number> {
  const { done } = armProbe(readingsTotal, 300_000);
  const node = rt.node(entry);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) {
    node.receive({ ...messages[i], benchT0: String(process.hrtime.bigint()) });
    if (i % 200 === 199) await tick();
  }
  const progress = setInterval(
    () => process.stderr.write(`    … ${globalThis.__lucidBenchProbe?.readings ?? 0} of ${readingsTotal}\n`),
    5000,
  );
  try {
    await done;
  } finally {
    clearInterval(progress);
  }
  return readingsTotal / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Injects messages at a fixed rate (readings/s) and returns per-message latency percentiles, ms. */
async function pacedLatency(
  rt: BenchRuntime,
  entry: string,
  messages: Record<string, unknown>[],
  readingsPerMessage: number,
  readingsPerSec: number,
) {
  const total = messages.length * readingsPerMessage;
  const { probe, done } = armProbe(total, 300_000);
  const node = rt.node(entry);
  const t0 = process.hrtime.bigint();
  let i = 0;
  while (i < messages.length) {
    const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const due = Math.min(messages.length, Math.floor((elapsedS * readingsPerSec) / readingsPerMessage) + 1);
    for (; i < due; i++) node.receive({ ...messages[i], benchT0: String(process.hrtime.bigint()) });
    await tick();
  }
  await done;
  return {
    p50: percentile(probe.latenciesMs, 50),
    p99: percentile(probe.latenciesMs, 99),
    max: Math.max(...probe.latenciesMs),
    samples: probe.latenciesMs.length,
  };
}

const tab = { id: 'tab', type: 'tab', label: 'bench' };

function lucidFlow(dataDir: string, entryWire: string[] = ['ingest']): unknown[] {
  return [
    tab,
    {
      id: 'storecfg',
      type: 'lucid-store-config',
      engine: 'sqlite',
      dataDir,
      sqliteFile: '',
      retentionDays: 30,
      seriesCap: 5000,
      apiEnabled: false,
      corsOrigins: '',
      metricsPublic: false,
      tokenEnv: 'LUCID_API_TOKEN',
      generateToken: false,
    },
    { id: 'in', type: 'bench-pass', z: 'tab', wires: [entryWire] },
    {
      id: 'ingest',
      type: 'lucid-ingest',
      z: 'tab',
      maxBytes: 0,
      missingTimestamp: 'receive_time',
      maxFutureSec: 300,
      maxPastSec: 86400,
      acceptUnknownDevices: true,
      rejectOutOfRange: false,
      duplicateCacheSize: 10000,
      rateLimitPerSec: 0,
      rateLimitBurst: 1000,
      requireSignature: false,
      signatureWindowSec: 300,
      heartbeatFactor: 3,
      watchDeclaredDevices: false,
      wires: [['detect'], []],
    },
    {
      id: 'detect',
      type: 'lucid-detect',
      z: 'tab',
      sensitivity: 0.5,
      warmupReadings: 30,
      windowSize: 64,
      rateWindowMs: 300000,
      stuckMinDurationMs: '',
      outputMode: 'all',
      contextStore: '',
      saveIntervalS: 60,
      wires: [['explain']],
    },
    {
      id: 'explain',
      type: 'lucid-explain',
      z: 'tab',
      correlationWindowMs: 600000,
      playbooks: '',
      wires: [['route', 'store']],
    },
    {
      id: 'route',
      type: 'lucid-route',
      z: 'tab',
      openAfterCount: 1,
      openWindowMin: 5,
      resolveAfterMin: 5,
      resolveAfterCount: 0,
      updateIntervalMin: 5,
      incidentWindowMin: 10,
      notifyResolved: true,
      slackEnabled: true,
      slackUrl: '',
      slackMinSeverity: 'medium',
      slackMaxPerWindow: 10,
      webhookEnabled: true,
      webhookUrl: '',
      webhookMinSeverity: 'low',
      webhookMaxPerWindow: 60,
      rateWindowMin: 10,
      wires: [['store'], ['store'], ['store']],
    },
    { id: 'store', type: 'lucid-store', z: 'tab', store: 'storecfg', wires: [[]] },
    { id: 'complete', type: 'complete', z: 'tab', scope: ['store'], uncaught: false, wires: [['probe']] },
    { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'detections', wires: [] },
  ];
}

/** The full flow without lucid-store: the probe sits beside lucid-route on lucid-explain's output. */
function noStoreFlow(): unknown[] {
  const full = (lucidFlow('') as { id: string; type: string }[]).filter(
    (n) => n.type !== 'lucid-store' && n.type !== 'lucid-store-config' && n.type !== 'complete',
  );
  return full.map((n) =>
    n.id === 'explain'
      ? { ...n, wires: [['route', 'probe']] }
      : n.id === 'route'
        ? { ...n, wires: [[], [], []] }
        : n,
  );
}

/** As many pass-through nodes as the full flow has stages (ingest, detect, explain, route, store). */
function bareFlow(): unknown[] {
  const ids = ['in', 'p1', 'p2', 'p3', 'p4', 'p5'];
  return [
    tab,
    ...ids.map((id, i) => ({
      id,
      type: 'bench-pass',
      z: 'tab',
      wires: [i < ids.length - 1 ? [ids[i + 1]] : []],
    })),
    { id: 'complete', type: 'complete', z: 'tab', scope: ['p5'], uncaught: false, wires: [['probe']] },
    { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'any', wires: [] },
  ];
}

/** Lucid detection only (ingest → detect), to set beside the smooth + switch flow. */
function lucidDetectFlow(): unknown[] {
  const full = lucidFlow('') as { id: string }[];
  return [
    tab,
    full.find((n) => n.id === 'in'),
    full.find((n) => n.id === 'ingest'),
    { ...full.find((n) => n.id === 'detect'), wires: [['probe']] },
    { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'detections', wires: [] },
  ];
}

/** The de-facto alternative: split metrics, rolling mean and σ with node-red-node-smooth, a ±3σ switch. */
function smoothSwitchFlow(): unknown[] {
  const split = `const out = [];
const r = msg.payload;
const n = Object.keys(r.metrics).length;
for (const k in r.metrics) out.push({ topic: r.deviceId + '/' + k, payload: r.metrics[k], mean: r.metrics[k], sd: r.metrics[k], benchT0: msg.benchT0, benchCount: 1 / n });
return [out];`;
  return [
    tab,
    { id: 'in', type: 'bench-pass', z: 'tab', wires: [['split']] },
    {
      id: 'split',
      type: 'function',
      z: 'tab',
      func: split,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [['mean']],
    },
    {
      id: 'mean',
      type: 'smooth',
      z: 'tab',
      action: 'mean',
      count: '64',
      round: '',
      mult: 'multi',
      reduce: false,
      property: 'mean',
      wires: [['sd']],
    },
    {
      id: 'sd',
      type: 'smooth',
      z: 'tab',
      action: 'sd',
      count: '64',
      round: '',
      mult: 'multi',
      reduce: false,
      property: 'sd',
      wires: [['bounds']],
    },
    {
      id: 'bounds',
      type: 'function',
      z: 'tab',
      func: 'msg.upper = msg.mean + 3 * msg.sd;\nmsg.lower = msg.mean - 3 * msg.sd;\nreturn msg;',
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [['switch']],
    },
    {
      id: 'switch',
      type: 'switch',
      z: 'tab',
      property: 'payload',
      propertyType: 'msg',
      rules: [{ t: 'gt', v: 'upper', vt: 'msg' }, { t: 'lt', v: 'lower', vt: 'msg' }, { t: 'else' }],
      checkall: 'false',
      repair: false,
      outputs: 3,
      wires: [['probe'], ['probe'], ['probe']],
    },
    { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'any', wires: [] },
  ];
}

function mqttFlows(port: number, dataDir: string): { lucid: unknown[]; bare: unknown[] } {
  const broker = {
    id: 'broker',
    type: 'mqtt-broker',
    name: '',
    broker: '127.0.0.1',
    port: String(port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
  };
  const mqttIn = (wires: string[]) => ({
    id: 'mqttin',
    type: 'mqtt in',
    z: 'tab',
    name: '',
    topic: 'tenants/+/devices/+/telemetry',
    qos: '0',
    datatype: 'utf8',
    broker: 'broker',
    nl: false,
    rap: true,
    rh: 0,
    inputs: 0,
    wires: [wires],
  });
  const full = (lucidFlow(dataDir) as { id: string }[]).filter((n) => n.id !== 'in');
  return {
    lucid: [broker, mqttIn(['ingest']), ...full],
    bare: [
      tab,
      broker,
      mqttIn(['probe']),
      { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'any', wires: [] },
    ],
  };
}

async function withBroker<T>(fn: (port: number) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aedes = require('aedes').createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    return await fn(port);
  } finally {
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Publishes readings over MQTT and returns readings/s until the flow has seen them all. */
async function mqttThroughput(port: number, items: Reading[]): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mqtt = require('mqtt') as typeof import('mqtt');
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
  try {
    const { done } = armProbe(items.length, 300_000);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < items.length; i++) {
      const r = items[i];
      client.publish(
        `tenants/bench/devices/${r.deviceId}/telemetry`,
        JSON.stringify({ ts: r.tsMs, metrics: r.metrics }),
        { qos: 0 },
      );
      if (i % 200 === 199) await tick();
    }
    await done;
    return items.length / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    await client.endAsync();
  }
}

/** Heap and RSS per tracked series: `devices` × 6 metrics through the streaming detector, windows full. */
function memoryPerSeries(devices: number, readingsPerDevice: number) {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const detector = new StreamingDetector(resolveDetectConfig({ maxSeries: devices * METRICS.length }));
  const t0 = Date.now() - readingsPerDevice * 60_000;
  const t1 = process.hrtime.bigint();
  for (let k = 0; k < readingsPerDevice; k++) {
    const batch: Reading[] = [];
    for (let d = 0; d < devices; d++) {
      const metrics: Record<string, number> = {};
      METRICS.forEach(
        (m, j) => (metrics[m] = 20 + j + Math.sin(k / 7 + d) + ((k * 7919 + d * 104729 + j) % 97) / 97),
      );
      batch.push({ deviceId: `dev-${d}`, tsMs: t0 + k * 60_000, metrics });
    }
    detector.detectBatch(batch);
  }
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  gc();
  gc();
  const series = detector.seriesCount;
  const heapPerSeries = (process.memoryUsage().heapUsed - heap0) / series;
  const rssPerSeries = (process.memoryUsage().rss - rss0) / series;
  const snapshotBytesPerSeries = Buffer.byteLength(JSON.stringify(detector.snapshot())) / series;
  return {
    devices,
    series,
    readingsPerDevice,
    heapPerSeries,
    rssPerSeries,
    snapshotBytesPerSeries,
    readingsPerSec: (devices * readingsPerDevice) / seconds,
  };
}

/** Devices and readings of the model measurements (lucid-detect with a lucid-model). */
const MODEL_DEVICES = 64;
const MODEL_TIMED_READINGS = Number(process.env.LUCID_BENCH_MODEL_READINGS ?? 64_000);

/**
 * Readings of a model card's features, round-robin over MODEL_DEVICES devices, 1 s apart per
 * device from `fromS`: each feature around the card's mean, a slow sine of ±0.5 std plus noise.
 */
function modelReadings(cardPath: string, fromS: number, perDevice: number): Reading[] {
  const { features } = JSON.parse(readFileSync(cardPath, 'utf8')) as {
    features: { name: string; mean: number; std: number }[];
  };
  let seed = 777 + fromS;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const startMs = Date.now() - 7_200_000;
  const out: Reading[] = [];
  for (let k = fromS; k < fromS + perDevice; k++) {
    for (let d = 0; d < MODEL_DEVICES; d++) {
      const metrics: Record<string, number> = {};
      features.forEach((f, j) => {
        metrics[f.name] = f.mean + f.std * (0.5 * Math.sin(k / 30 + d + j) + 0.1 * rand());
      });
      out.push({ deviceId: `dev-${d}`, tsMs: startMs + k * 1000, metrics });
    }
  }
  return out;
}

/** How lucid-model is configured in one model measurement. */
interface ModelCase {
  card: string;
  hopReadings: number;
  inferenceThread: 'main' | 'worker';
}

/** in → lucid-detect (with a lucid-model config node when `model` is set) → probe. */
function modelDetectFlow(model?: ModelCase): unknown[] {
  const detect = (lucidFlow('') as { id: string }[]).find((n) => n.id === 'detect')!;
  return [
    tab,
    ...(model
      ? [
          {
            id: 'model',
            type: 'lucid-model',
            card: model.card,
            publicKey: '',
            maxBatchSize: 256,
            maxWaitMs: 10,
            maxImputedShare: 0.5,
            hopReadings: model.hopReadings,
            inferenceThread: model.inferenceThread,
          },
        ]
      : []),
    { id: 'in', type: 'bench-pass', z: 'tab', wires: [['detect']] },
    { ...detect, model: model ? 'model' : '', wires: [['probe']] },
    { id: 'probe', type: 'bench-probe', z: 'tab', filter: 'detections', wires: [] },
  ];
}

/** One model measurement: readings/s through lucid-detect without and with the model. */
interface ModelSpeed {
  label: string;
  withoutModel: number;
  withModel: number;
}

/**
 * lucid-detect in the runtime on messages of 100 readings, without and with each shipped model
 * (pump-ae with hops 1 and 5, fleet-ae; inference on Node-RED's thread and in a worker), every
 * device warmed up first (window and device baseline full), then MODEL_TIMED_READINGS timed
 * readings. Per card, every configuration and the run without a model use the same readings.
 */
async function modelThroughput(rt: BenchRuntime): Promise<ModelSpeed[]> {
  process.env.LUCID_MODELS_DIR ??= join(REPO_ROOT, 'models');
  const out: ModelSpeed[] = [];
  const cases: Record<string, Omit<ModelCase, 'card'>[]> = {
    'pump-ae': [
      { hopReadings: 1, inferenceThread: 'main' },
      { hopReadings: 1, inferenceThread: 'worker' },
      { hopReadings: 5, inferenceThread: 'main' },
      { hopReadings: 5, inferenceThread: 'worker' },
    ],
    'fleet-ae': [
      { hopReadings: 1, inferenceThread: 'main' },
      { hopReadings: 1, inferenceThread: 'worker' },
    ],
  };
  const asMessages = (items: Reading[]) => {
    const messages: Record<string, unknown>[] = [];
    for (let i = 0; i < items.length; i += 100)
      messages.push({ payload: items.slice(i, i + 100), benchCount: Math.min(100, items.length - i) });
    return messages;
  };
  for (const [name, configs] of Object.entries(cases)) {
    const cardPath = modelCardPath(name);
    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as {
      windowLength: number;
      normalisation: { baselineReadings?: number };
    };
    const warmPerDevice = Math.max(card.windowLength, card.normalisation.baselineReadings ?? 0) + 5;
    const warm = asMessages(modelReadings(cardPath, 0, warmPerDevice));
    const timedReadings = modelReadings(
      cardPath,
      warmPerDevice,
      Math.ceil(MODEL_TIMED_READINGS / MODEL_DEVICES),
    );
    const timed = asMessages(timedReadings);
    const rate = async (model?: ModelCase) => {
      await rt.deploy(modelDetectFlow(model));
      await new Promise((r) => setTimeout(r, 300));
      await throughput(rt, 'in', warm, warmPerDevice * MODEL_DEVICES);
      return throughput(rt, 'in', timed, timedReadings.length);
    };
    const withoutModel = await rate();
    for (const c of configs) {
      const withModel = await rate({ card: name, ...c });
      const how = [
        c.hopReadings > 1 ? `model run every ${c.hopReadings} readings (hop)` : 'every reading',
        c.inferenceThread === 'worker' ? 'inference in a worker thread' : "inference on Node-RED's thread",
      ];
      out.push({ label: `${name}, ${how.join(', ')}`, withoutModel, withModel });
    }
  }
  await rt.deploy([]);
  return out;
}

/** Lib-level detect + explain, batched by 100. */
function libThroughput(items: Reading[]): number {
  const detector = new StreamingDetector(resolveDetectConfig({}));
  const explainer = new Explainer({});
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < items.length; i += 100) {
    const batch = items.slice(i, i + 100);
    const scores = detector.detectBatch(batch);
    explainer.process(batch.map((reading, j) => ({ reading, score: scores[j] })));
  }
  return items.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Each stage's lib-level cost on the same batches (100 readings), readings/s per stage alone. */
async function stageCosts(items: Reading[], dataDir: string) {
  const fleet = new FleetRegistry({});
  const detector = new StreamingDetector(resolveDetectConfig({}));
  const explainer = new Explainer({ registry: fleet });
  const router = new AlertRouter(resolveRouteOptions({}), fleet, () => Date.now());
  const store = await openAlertStore({ dataDir });
  const ns = { detect: 0n, explain: 0n, route: 0n, store: 0n };
  try {
    for (let i = 0; i < items.length; i += 100) {
      const batch = items.slice(i, i + 100);
      let t = process.hrtime.bigint();
      const scores = detector.detectBatch(batch);
      ns.detect += process.hrtime.bigint() - t;
      t = process.hrtime.bigint();
      const detections = explainer.process(batch.map((reading, j) => ({ reading, score: scores[j] })));
      ns.explain += process.hrtime.bigint() - t;
      t = process.hrtime.bigint();
      const routed = router.route(detections);
      ns.route += process.hrtime.bigint() - t;
      t = process.hrtime.bigint();
      store.recordDetections(detections);
      await store.applyAlertEvents([...routed.events, ...routed.resolved].map((event) => ({ event })));
      ns.store += process.hrtime.bigint() - t;
    }
  } finally {
    await store.close();
  }
  const perSec = (v: bigint) => items.length / (Number(v) / 1e9);
  return {
    detect: perSec(ns.detect),
    explain: perSec(ns.explain),
    route: perSec(ns.route),
    store: perSec(ns.store),
  };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';

async function main(): Promise<void> {
  const started = Date.now();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const raw: Record<string, unknown> = {};
  const lucidNodesDir = join(__dirname, '..', '..', 'node-red-nodes', 'src', 'nodes');
  const dataDir = mkdtempSync(join(tmpdir(), 'lucid-bench-store-'));
  const rt = new BenchRuntime();
  const errors: string[] = [];
  /** Runs one measurement; a failure (e.g. messages lost) is reported, not fatal. */
  const measure = async (name: string, fn: () => Promise<unknown>) => {
    try {
      raw[name] = await fn();
    } catch (err) {
      raw[name] = NaN;
      errors.push(`${name}: ${(err as Error).message}`);
      log(`  ${name} failed: ${(err as Error).message}`);
    }
  };
  const SINGLE = Number(process.env.LUCID_BENCH_SINGLE ?? 5_000);
  const BATCHED = Number(process.env.LUCID_BENCH_BATCHED ?? 20_000);
  const single = readings(SINGLE).map((r) => ({ payload: r, benchCount: 1 }));
  const batchedReadings = readings(BATCHED);
  const batched: Record<string, unknown>[] = [];
  for (let i = 0; i < batchedReadings.length; i += 100)
    batched.push({ payload: batchedReadings.slice(i, i + 100), benchCount: 100 });

  try {
    log('Node-RED runtime…');
    raw.runtimeStartMs = await rt.start(lucidNodesDir);
    raw.deployBareMs = await rt.deploy(bareFlow());
    log('bare pass-through flow…');
    await measure('bareSingle', () => throughput(rt, 'in', single, SINGLE));
    await measure('bareBatched', () => throughput(rt, 'in', batched, BATCHED));
    await measure('bareLatency', () => pacedLatency(rt, 'in', single.slice(0, 10_000), 1, 5_000));
    await measure('bareLatencyLow', () => pacedLatency(rt, 'in', single.slice(0, 2_000), 1, 500));

    raw.deployFullMs = await rt.deploy(lucidFlow(dataDir));
    await new Promise((r) => setTimeout(r, 300));
    log('full Lucid flow…');
    await measure('fullSingle', () => throughput(rt, 'in', single, SINGLE));
    await rt.deploy(lucidFlow(dataDir));
    await new Promise((r) => setTimeout(r, 300));
    await measure('fullBatched', () => throughput(rt, 'in', batched, BATCHED));
    await rt.deploy(lucidFlow(dataDir));
    await new Promise((r) => setTimeout(r, 300));
    await measure('fullLatency', () => pacedLatency(rt, 'in', single.slice(0, 10_000), 1, 5_000));
    await rt.deploy(lucidFlow(dataDir));
    await new Promise((r) => setTimeout(r, 300));
    await measure('fullLatencyLow', () => pacedLatency(rt, 'in', single.slice(0, 2_000), 1, 500));

    await rt.deploy(noStoreFlow());
    await measure('noStoreSingle', () => throughput(rt, 'in', single, SINGLE));
    await rt.deploy(noStoreFlow());
    await measure('noStoreBatched', () => throughput(rt, 'in', batched, BATCHED));

    log('smooth + switch vs Lucid detect…');
    await rt.deploy(smoothSwitchFlow());
    await measure('smoothSwitch', () => throughput(rt, 'in', single, SINGLE));
    await rt.deploy(lucidDetectFlow());
    await measure('lucidDetectOnly', () => throughput(rt, 'in', single, SINGLE));

    log('lucid-detect with the ONNX models…');
    await measure('models', () => modelThroughput(rt));

    log('MQTT…');
    await withBroker(async (port) => {
      const flows = mqttFlows(port, dataDir);
      const items = readings(SINGLE);
      await rt.deploy(flows.bare);
      await new Promise((r) => setTimeout(r, 500));
      await measure('mqttBare', () => mqttThroughput(port, items));
      await rt.deploy(flows.lucid);
      await new Promise((r) => setTimeout(r, 500));
      await measure('mqttFull', () => mqttThroughput(port, items));
      await rt.deploy([]);
    });
  } finally {
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  log('lib level…');
  raw.libDetectExplain = libThroughput(readings(50_000));
  const stageDir = mkdtempSync(join(tmpdir(), 'lucid-bench-stage-'));
  try {
    raw.stages = await stageCosts(readings(20_000), stageDir);
  } finally {
    rmSync(stageDir, { recursive: true, force: true });
  }
  log('scoring API under autocannon, 1,000 requests/s…');
  await measure('scoreApi', () => measureScoreApi(Number(process.env.LUCID_BENCH_SCORE_SECONDS ?? 10)));
  log('memory, 10,000 devices × 6 metrics…');
  raw.memory = memoryPerSeries(10_000, 72);

  const r = raw as Record<string, number> & {
    bareLatency: { p50: number; p99: number; max: number };
    fullLatency: { p50: number; p99: number; max: number };
    bareLatencyLow: { p50: number; p99: number; max: number };
    fullLatencyLow: { p50: number; p99: number; max: number };
    stages: { detect: number; explain: number; route: number; store: number };
    models: ModelSpeed[] | number;
    memory: ReturnType<typeof memoryPerSeries>;
    scoreApi: ScoreApiSpeed | number;
  };
  const scoreApi = typeof r.scoreApi === 'object' ? r.scoreApi : undefined;
  const scoreSingle = scoreApi?.phases.find((p) => p.label.startsWith('POST score ('));
  const tables: SpeedTable[] = [
    {
      title: 'Full flow in Node-RED vs a bare flow of pass-through nodes',
      note: `Node-RED ${NODE_RED_VERSION} embedded in this process; ${DEVICES} devices × ${METRICS.length} metrics; full flow = lucid-ingest → lucid-detect → lucid-explain → lucid-route → lucid-store (SQLite), measured when lucid-store has written each message (a \`complete\` node on the store); bare flow = 5 pass-through nodes. Throughput: ${fmt(SINGLE)} single-reading messages, ${fmt(BATCHED)} readings in messages of 100, injected as fast as the flow takes them. Latency: single-reading messages paced at 5,000 readings/s (10,000 messages) and at 500 readings/s (2,000 messages); when the offered rate exceeds the flow's capacity the queue grows and latency is queueing delay.`,
      columns: ['Measure', 'Lucid full flow', 'Bare pass-through flow', 'Lucid / bare'],
      rows: [
        [
          'readings/s, 1 reading per message',
          fmt(r.fullSingle),
          fmt(r.bareSingle),
          ratio(r.fullSingle, r.bareSingle),
        ],
        [
          'readings/s, 100 readings per message',
          fmt(r.fullBatched),
          fmt(r.bareBatched),
          ratio(r.fullBatched, r.bareBatched),
        ],
        ['batched / single', ratio(r.fullBatched, r.fullSingle), ratio(r.bareBatched, r.bareSingle), ''],
        [
          'readings/s without lucid-store, 1 reading per message',
          fmt(r.noStoreSingle),
          fmt(r.bareSingle),
          ratio(r.noStoreSingle, r.bareSingle),
        ],
        [
          'readings/s without lucid-store, 100 readings per message',
          fmt(r.noStoreBatched),
          fmt(r.bareBatched),
          ratio(r.noStoreBatched, r.bareBatched),
        ],
        [
          'latency p50 at 5,000 readings/s, ms',
          fmt(r.fullLatency.p50, 2),
          fmt(r.bareLatency.p50, 2),
          ratio(r.fullLatency.p50, r.bareLatency.p50),
        ],
        [
          'latency p99 at 5,000 readings/s, ms',
          fmt(r.fullLatency.p99, 2),
          fmt(r.bareLatency.p99, 2),
          ratio(r.fullLatency.p99, r.bareLatency.p99),
        ],
        [
          'latency p50 at 500 readings/s, ms',
          fmt(r.fullLatencyLow.p50, 2),
          fmt(r.bareLatencyLow.p50, 2),
          ratio(r.fullLatencyLow.p50, r.bareLatencyLow.p50),
        ],
        [
          'latency p99 at 500 readings/s, ms',
          fmt(r.fullLatencyLow.p99, 2),
          fmt(r.bareLatencyLow.p99, 2),
          ratio(r.fullLatencyLow.p99, r.bareLatencyLow.p99),
        ],
        [
          'flow deploy (start-up) time, ms',
          fmt(r.deployFullMs),
          fmt(r.deployBareMs),
          ratio(r.deployFullMs, r.deployBareMs),
        ],
      ],
    },
    {
      title: 'Through a real MQTT broker',
      note: `aedes 0.51 broker in this process on 127.0.0.1; an mqtt.js publisher sends ${fmt(SINGLE)} readings (QoS 0, one per message) to \`tenants/bench/devices/{id}/telemetry\`; core \`mqtt in\` node.`,
      columns: ['Flow', 'readings/s', 'vs broker → mqtt in → sink'],
      rows: [
        ['broker → mqtt in → sink', fmt(r.mqttBare), '1.00×'],
        ['broker → mqtt in → full Lucid flow', fmt(r.mqttFull), ratio(r.mqttFull, r.mqttBare)],
      ],
    },
    {
      title: 'Against the de-facto alternative: node-red-node-smooth + switch',
      note: 'Same readings, one per message. Alternative: a function node splits each reading into its 6 metrics, two `smooth` nodes (per topic, 64 values) give the rolling mean and σ, a function computes mean ± 3σ and a `switch` routes outliers and normal readings to a sink. Lucid: lucid-ingest → lucid-detect → the same sink (robust level, rate, stuck, range and gap detectors, calibrated score, evidence).',
      columns: ['Flow', 'readings/s', 'Lucid / alternative'],
      rows: [
        ['smooth + switch (rolling mean ± 3σ)', fmt(r.smoothSwitch), ''],
        ['lucid-ingest → lucid-detect', fmt(r.lucidDetectOnly), ratio(r.lucidDetectOnly, r.smoothSwitch)],
      ],
    },
    {
      title: 'lucid-detect with an ONNX model (lucid-model)',
      note: `Node-RED runtime: bench node → lucid-detect → probe, messages of 100 readings, ${MODEL_DEVICES} devices, ${fmt(MODEL_TIMED_READINGS)} timed readings of the model's features after every device's window and device baseline are full; the same lucid-detect without the model on the same readings beside it. onnxruntime-node CPU, one intra-op thread, micro-batches of at most 256 windows. A hop of h runs the model on every h-th reading of a device (lucid-model "Score every"); the readings between carry the last window's score (SKAB figures for both hops are in models/README.md). "Worker thread" is lucid-model's Inference option: onnxruntime runs in a worker thread of its own while lucid-detect goes on.`,
      columns: ['Model', 'readings/s without model', 'readings/s with model', 'with / without'],
      rows: (Array.isArray(r.models) ? r.models : []).map((m) => [
        m.label,
        fmt(m.withoutModel),
        fmt(m.withModel),
        ratio(m.withModel, m.withoutModel),
      ]),
    },
    {
      title: 'Synchronous scoring API (POST /lucid/api/score) under a local load generator',
      note: `The store API as lucid-store-config mounts it (express, bearer token of role device, rate limit, Prometheus metrics, SQLite store) in a child process, scoring against a CombinedDetector that learned ${scoreApi?.devices ?? 100} devices × 6 metrics (300 readings each), read-only. autocannon ${'(16 connections)'} in this process offers a fixed rate for ${scoreApi?.durationS ?? 10} s per phase; latency per response as autocannon measures it. Baseline: GET /lucid/api/health with the token, same server, same rate, same run.`,
      columns: SCORE_API_COLUMNS,
      rows: scoreApi ? scoreApiRows(scoreApi) : [],
    },
    {
      title: 'Library level',
      note: 'Without Node-RED: StreamingDetector.detectBatch + Explainer.process in batches of 100, 50,000 readings of 6 metrics.',
      columns: ['Measure', 'Value'],
      rows: [
        ['detect + explain, readings/s (streaming detectors)', fmt(r.libDetectExplain)],
        ['stage alone, readings/s: detect (StreamingDetector.detectBatch)', fmt(r.stages.detect)],
        ['stage alone, readings/s: explain (Explainer.process)', fmt(r.stages.explain)],
        ['stage alone, readings/s: route (AlertRouter.route)', fmt(r.stages.route)],
        ['stage alone, readings/s: store (recordDetections + applyAlertEvents, SQLite)', fmt(r.stages.store)],
        [
          `memory: heap per tracked series (${fmt(r.memory.devices)} devices × 6 = ${fmt(r.memory.series)} series, ${r.memory.readingsPerDevice} readings each)`,
          `${fmt(r.memory.heapPerSeries)} B`,
        ],
        ['memory: RSS growth per tracked series', `${fmt(r.memory.rssPerSeries)} B`],
        ['state snapshot (JSON) per series', `${fmt(r.memory.snapshotBytesPerSeries)} B`],
        ['Node-RED runtime start (init + start, before any flow), ms', fmt(r.runtimeStartMs)],
      ],
    },
  ];
  const targets = [
    {
      target: "full flow ≥ 50 % of the bare flow's readings/s (single)",
      measured: `${((100 * r.fullSingle) / r.bareSingle).toFixed(1)} %`,
      met: r.fullSingle >= 0.5 * r.bareSingle,
    },
    {
      target: "full flow ≥ 50 % of the bare flow's readings/s (batched)",
      measured: `${((100 * r.fullBatched) / r.bareBatched).toFixed(1)} %`,
      met: r.fullBatched >= 0.5 * r.bareBatched,
    },
    {
      target: '≥ 20,000 readings/s on one core (full flow, batched)',
      measured: fmt(r.fullBatched),
      met: r.fullBatched >= 20_000,
    },
    {
      target: '≥ 20,000 readings/s on one core (full flow, single)',
      measured: fmt(r.fullSingle),
      met: r.fullSingle >= 20_000,
    },
    {
      target: 'p99 latency < 5 ms at 5,000 readings/s',
      measured: `${fmt(r.fullLatency.p99, 2)} ms`,
      met: r.fullLatency.p99 < 5,
    },
    ...(Array.isArray(r.models) ? r.models : []).map((m) => ({
      target: `≥ 100,000 readings/s through lucid-detect with the model, batched (${m.label})`,
      measured: fmt(m.withModel),
      met: m.withModel >= 100_000,
    })),
    {
      target: 'scoring API p99 < 20 ms at 1,000 requests/s (POST score, no errors)',
      measured: scoreSingle
        ? `${fmt(scoreSingle.p99, 2)} ms at ${fmt(scoreSingle.achievedPerSec)} requests/s achieved`
        : 'not measured',
      met:
        scoreSingle !== undefined &&
        scoreSingle.p99 < 20 &&
        scoreSingle.non2xx + scoreSingle.errors === 0 &&
        scoreSingle.achievedPerSec >= 950,
    },
    {
      target: '≤ 2 KB of state per tracked series (heap)',
      measured: `${fmt(r.memory.heapPerSeries)} B`,
      met: r.memory.heapPerSeries <= 2048,
    },
  ];
  raw.errors = errors;
  if (errors.length)
    tables.unshift({
      title: 'Measurements that failed in this run',
      columns: ['Measurement and reason'],
      rows: errors.map((e) => [e]),
    });
  const results: SpeedResults = {
    generatedAt: new Date().toISOString(),
    environment: environment(),
    seconds: (Date.now() - started) / 1000,
    tables,
    targets,
    raw,
  };
  updateResults('speed', results);
  if (scoreApi) {
    log(`Scoring API (${scoreApi.durationS} s per phase):`);
    for (const row of [SCORE_API_COLUMNS, ...scoreApiRows(scoreApi)]) log(`  | ${row.join(' | ')} |`);
  }
  log(`bench:speed done in ${results.seconds.toFixed(1)} s: bench/REPORT.md, bench/results.json`);
}

main().catch((err) => {
  process.stderr.write(`bench:speed: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
