import { randomBytes } from 'node:crypto';
import helper from 'node-red-node-test-helper';
import type { Reading } from '../../src/lib/contracts/types';
import { signPayload } from '../../src/lib/ingest/payload-signature';
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import ingestNode = require('../../src/nodes/lucid-ingest/lucid-ingest');
import catalogue = require('../../src/nodes/lucid-ingest/locales/en-US/lucid-ingest.json');

helper.init(require.resolve('node-red'));

/**
 * The test helper's RED._ returns the key; this wrapper renders keys from the node's real
 * en-US catalogue (with Node-RED's __name__ substitution) so status texts can be checked.
 */
function withCatalogue(RED: Parameters<typeof ingestNode>[0]) {
  const lookup = (key: string): unknown =>
    key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalogue);
  (RED as unknown as { _: (key: string, subs?: Record<string, unknown>) => string })._ = (key, subs = {}) => {
    const text = lookup(key);
    if (typeof text !== 'string') throw new Error(`missing message ${key}`);
    return text.replace(/__(\w+)__/g, (_m, name: string) => String(subs[name]));
  };
  return ingestNode(RED);
}

const TOPIC = 'tenants/acme/devices/t-101/telemetry';
const KEY = 'k3y-of-device-t-101';
const FLEET = JSON.stringify({
  devices: [
    {
      deviceId: 't-101',
      site: 'plant-a',
      metrics: { temperature: { unit: '°C', inputUnit: '°F', intervalMs: 100 } },
    },
  ],
});

type Out = { payload: unknown; topic?: string; error?: { code: string; detail: string; index?: number } };

function flow(config: Record<string, unknown> = {}, withFleet = true) {
  return [
    { id: 'tab1', type: 'tab' },
    ...(withFleet ? [{ id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson: FLEET }] : []),
    {
      id: 'n1',
      z: 'tab1',
      type: 'lucid-ingest',
      ...(withFleet ? { fleet: 'f1' } : {}),
      ...config,
      wires: [['o1'], ['o2']],
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
    { id: 'o2', z: 'tab1', type: 'helper' },
  ];
}

function collect() {
  const got: { o1: Out[]; o2: Out[] } = { o1: [], o2: [] };
  for (const id of ['o1', 'o2'] as const) helper.getNode(id).on('input', (m: Out) => got[id].push(m));
  return got;
}

const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
const nowS = () => Date.now() / 1000;

describe('lucid-ingest', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('turns one MQTT message into a Reading in the fleet units, keeping msg.topic', async () => {
    await helper.load([fleetNode, withCatalogue], flow(), { f1: { keys: JSON.stringify({ 't-101': KEY }) } });
    const got = collect();
    const ts = Math.floor(nowS());
    helper
      .getNode('n1')
      .receive({ topic: TOPIC, payload: Buffer.from(JSON.stringify({ ts, temperature: 212 })) });
    await settle();
    expect(got.o2).toEqual([]);
    expect(got.o1).toHaveLength(1);
    expect(got.o1[0].topic).toBe(TOPIC);
    const r = got.o1[0].payload as Reading;
    expect(r).toMatchObject({ deviceId: 't-101', tenant: 'acme', site: 'plant-a', tsMs: ts * 1000 });
    expect(r.metrics.temperature).toBeCloseTo(100, 9);
  });

  it('sends a batch as one message of accepted readings, and each rejected item with msg.error', async () => {
    await helper.load([fleetNode, withCatalogue], flow());
    const got = collect();
    const ts = Math.floor(nowS());
    const payload = [
      { ts, temperature: 50 },
      { ts: ts + 1, temperature: '21.5' },
      { ts: ts + 2, temperature: 68 },
      { ts, temperature: 50 },
    ];
    helper.getNode('n1').receive({ topic: TOPIC, payload });
    await settle();
    expect(got.o1).toHaveLength(1);
    const batch = got.o1[0].payload as Reading[];
    expect(batch.map((r) => Math.round(r.metrics.temperature))).toEqual([10, 20]);
    expect(got.o2.map((m) => [m.error?.code, m.error?.index])).toEqual([
      ['schema', 1],
      ['duplicate', 3],
    ]);
    expect(got.o2[0].payload).toEqual({ ts: ts + 1, temperature: '21.5' });
    expect(got.o2[0].error?.detail).toBe('temperature is the string "21.5"; send a number');
  });

  it('stamps msg.lucidIngestMs with the arrival time, keeping an upstream stamp', async () => {
    await helper.load(withCatalogue, flow({}, false));
    const got = collect();
    const reading = { deviceId: 'sim-1', tsMs: Date.now() - 1000, metrics: { vibration: 2.5 } };
    const beforeMs = Date.now();
    helper.getNode('n1').receive({ payload: reading });
    helper.getNode('n1').receive({ payload: { ...reading, tsMs: reading.tsMs + 1 }, lucidIngestMs: 1234 });
    await settle();
    const afterMs = Date.now();
    const stamps = got.o1.map((m) => (m as { lucidIngestMs?: number }).lucidIngestMs);
    expect(stamps[0]).toBeGreaterThanOrEqual(beforeMs);
    expect(stamps[0]).toBeLessThanOrEqual(afterMs);
    expect(stamps[1]).toBe(1234);
  });

  it('accepts built readings without a topic (lucid-simulate / lucid-replay wired directly)', async () => {
    await helper.load(withCatalogue, flow({}, false));
    const got = collect();
    const reading = { deviceId: 'sim-1', tsMs: Date.now() - 1000, metrics: { vibration: 2.5 } };
    helper.getNode('n1').receive({ payload: reading });
    await settle();
    expect(got.o1.map((m) => m.payload)).toEqual([reading]);
  });

  it('sends garbage to the reject output with a reason and never crashes', async () => {
    await helper.load(withCatalogue, flow({}, false));
    const got = collect();
    const n1 = helper.getNode('n1');
    const errors: unknown[] = [];
    n1.on('call:error', (call: { args: unknown[] }) => errors.push(call.args[0]));
    const garbage: [unknown, string][] = [
      [randomBytes(256), 'malformed_json'],
      [Buffer.from('{"ts": 1, "t": ' + '1'.repeat(100 * 1024) + '}'), 'oversized'],
      ['x'.repeat(100 * 1024), 'oversized'],
      [null, 'schema'],
      [undefined, 'schema'],
      [42, 'schema'],
      ['{"temperature": NaN}', 'not_finite'],
      [{ ts: nowS() + 3600, t: 1 }, 'timestamp_future'],
    ];
    for (const [payload] of garbage) n1.receive({ topic: TOPIC, payload });
    await settle();
    expect(errors).toEqual([]);
    expect(got.o1).toEqual([]);
    expect(got.o2.map((m) => m.error?.code)).toEqual(garbage.map((g) => g[1]));
    for (const m of got.o2) expect(typeof m.error?.detail).toBe('string');
  });

  it('checks HMAC signatures with the fleet credentials and refuses replays', async () => {
    await helper.load([fleetNode, withCatalogue], flow({ requireSignature: true }), {
      f1: { keys: JSON.stringify({ 't-101': KEY }) },
    });
    const got = collect();
    const body = { ts: Math.floor(nowS()), nonce: randomBytes(8).toString('hex'), temperature: 70 };
    const signed = JSON.stringify({ ...body, sig: signPayload(body, KEY) });
    const n1 = helper.getNode('n1');
    n1.receive({ topic: TOPIC, payload: signed });
    n1.receive({ topic: TOPIC, payload: signed });
    n1.receive({ topic: TOPIC, payload: JSON.stringify(body) });
    await settle();
    expect(got.o1).toHaveLength(1);
    expect(got.o2.map((m) => m.error?.code)).toEqual(['replayed', 'signature_missing']);
  });

  it('shows counts by reason in the status, throttled', async () => {
    await helper.load(withCatalogue, flow({}, false));
    const n1 = helper.getNode('n1');
    const status = jest.spyOn(n1, 'status');
    for (let i = 0; i < 20; i++)
      n1.receive({ topic: TOPIC, payload: i % 4 === 0 ? 'nope' : { tsMs: Date.now() - i * 1000, t: i } });
    await settle(1200);
    const texts = status.mock.calls.map((c: unknown[]) => (c[0] as { text: string }).text);
    expect(texts.length).toBeLessThanOrEqual(3); // not once per message
    expect(texts[texts.length - 1]).toBe('15 ok · 5 rejected (bad JSON 5)');
    status.mockRestore();
  });

  it.each([
    ['a negative max size', { maxBytes: -5 }, /maxBytes/],
    ['a non-numeric window', { maxPastSec: 'yesterday' }, /maxPastSec/],
    ['authentication without a fleet', { requireSignature: true }, /no lucid-fleet/],
    ['a missing fleet node', { fleet: 'nope' }, /fleet/],
  ])('shows a red status for %s and refuses input via done(err)', async (_name, config, message) => {
    await helper.load(withCatalogue, flow(config, false));
    const n1 = helper.getNode('n1');
    const status = jest.spyOn(n1, 'status');
    const errors: string[] = [];
    n1.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    n1.receive({ topic: TOPIC, payload: { t: 1 } });
    await settle();
    expect(errors.join('\n')).toMatch(message);
    const statuses = status.mock.calls.map((c: unknown[]) => c[0] as { fill: string; shape: string });
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s: { fill: string }) => s.fill === 'red')).toBe(true);
    status.mockRestore();
  });

  it('emits connectivity lost / restored from the watchdog timer', async () => {
    await helper.load([fleetNode, withCatalogue], flow({ heartbeatFactor: 2, heartbeatMinReadings: 1 }));
    const got = collect();
    const n1 = helper.getNode('n1');
    n1.receive({ topic: TOPIC, payload: { temperature: 50 } });
    await settle(1150); // one tick (1 s) > 2 × 100 ms
    expect(got.o1.map((m) => (m.payload as Reading).tags?.event ?? 'reading')).toEqual([
      'reading',
      'connectivity_lost',
    ]);
    n1.receive({ topic: TOPIC, payload: { temperature: 51 } });
    await settle();
    expect(got.o1.slice(2).map((m) => (m.payload as Reading).tags?.event ?? 'reading')).toEqual([
      'connectivity_restored',
      'reading',
    ]);
    expect((got.o1[1].payload as Reading).metrics).toEqual({ connectivity: 0 });
  });

  it('pauses heartbeats while a status node reports its MQTT node disconnected from the broker', async () => {
    await helper.load([fleetNode, withCatalogue], flow({ heartbeatFactor: 2, heartbeatMinReadings: 1 }));
    const got = collect();
    const n1 = helper.getNode('n1');
    const link = (text: string) => ({
      status: { fill: 'red', shape: 'ring', text, source: { id: 'mqtt-in-1' } },
    });
    n1.receive({ topic: TOPIC, payload: { temperature: 50 } });
    n1.receive(link('node-red:common.status.disconnected'));
    await settle(1150);
    expect(got.o1.map((m) => (m.payload as Reading).tags?.event ?? 'reading')).toEqual(['reading']);
    n1.receive(link('node-red:common.status.connecting'));
    n1.receive(link('node-red:common.status.connected'));
    await settle(1150);
    expect(got.o1.map((m) => (m.payload as Reading).tags?.event ?? 'reading')).toEqual([
      'reading',
      'connectivity_lost',
    ]);
    expect(got.o2).toEqual([]);
  });

  it('reads a device status on …/status: a planned offline raises no connectivity loss', async () => {
    await helper.load([fleetNode, withCatalogue], flow({ heartbeatFactor: 2, heartbeatMinReadings: 1 }));
    const got = collect();
    const n1 = helper.getNode('n1');
    n1.receive({ topic: TOPIC, payload: { temperature: 50 } });
    n1.receive({
      topic: 'tenants/acme/devices/t-101/status',
      payload: Buffer.from('{"state":"offline","reason":"planned"}'),
    });
    await settle(1150);
    expect(got.o1.map((m) => (m.payload as Reading).tags?.event ?? 'reading')).toEqual(['reading']);
    expect(got.o2).toEqual([]);
  });

  it('clears its watchdog timer on close', async () => {
    const setSpy = jest.spyOn(global, 'setInterval');
    const clearSpy = jest.spyOn(global, 'clearInterval');
    await helper.load(withCatalogue, flow({}, false));
    const timer = setSpy.mock.results.find((r, i) => setSpy.mock.calls[i][1] === 1000)?.value;
    expect(timer).toBeDefined();
    await helper.getNode('n1').close(true);
    expect(clearSpy.mock.calls.map((c) => c[0])).toContain(timer);
    setSpy.mockRestore();
    clearSpy.mockRestore();
  });
});
