import helper from 'node-red-node-test-helper';
import explainNode = require('../../src/nodes/lucid-explain/lucid-explain');
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import routeNode = require('../../src/nodes/lucid-route/lucid-route');
import { lucidMetrics } from '../../src/lib/api/lucid-metrics';
import type { AlertEvent, Detection, NarrativeUpdate } from '../../src/lib/contracts/types';
import { startChatServer, type ChatServer } from '../../../test-support/chat-server';
import { fleet, MIN, T0 } from '../lib/explain/fixtures';
import { explainedSpike } from '../lib/explain/narrative-fixtures';

helper.init(require.resolve('node-red'));

const GROUNDED =
  'Temperature on dev-007 rose 18.2 °C in 5 min, to 41.3 °C. A short-lived heat source near the device is the likely cause (91%).';

/** The fixtures' fleet as a fleet node holds it. */
const FLEET_JSON = JSON.stringify({
  defaults: { site: 'plant-1' },
  deviceTypes: {
    'env-sensor': {
      metrics: Object.fromEntries(
        Object.entries(fleet().device('dev-007').metrics).map(([name, m]) => [
          name,
          { unit: m.unit, label: m.label },
        ]),
      ),
    },
  },
  devices: [
    { deviceId: 'dev-007', zone: 'B', deviceType: 'env-sensor' },
    { deviceId: 'dev-008', zone: 'B', deviceType: 'env-sensor' },
  ],
});

/** The raw detection (no explanation) of the spike the fixtures explain. */
function rawSpike(tsMs = T0): Detection {
  const d = explainedSpike('dev-007', tsMs);
  delete d.explanation;
  return d;
}

function flow(url: string, extra: Record<string, unknown> = {}) {
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    { id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson: FLEET_JSON },
    {
      id: 'e1',
      z: 'tab1',
      type: 'lucid-explain',
      fleet: 'f1',
      narrativeUrl: url,
      narrativeModel: 'llama3.2:3b',
      narrativeTimeoutMs: 500,
      wires: [['o1', 'r1']],
      ...extra,
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
    {
      id: 'r1',
      z: 'tab1',
      type: 'lucid-route',
      fleet: 'f1',
      slackEnabled: false,
      webhookEnabled: false,
      wires: [['a1'], [], []],
    },
    { id: 'a1', z: 'tab1', type: 'helper' },
  ];
}

async function counted(outcome: string): Promise<number> {
  const m = await lucidMetrics().narratives.get();
  return m.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/** Resolves when `check` holds (polled), or rejects after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('lucid-explain narrative', () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.close();
  });

  it('sends the detection at once with the template, then the narrative, which lucid-route attaches to the alert', async () => {
    server.queue({ kind: 'completion', text: GROUNDED, delayMs: 150 });
    const before = await counted('generated');
    await helper.load([fleetNode, explainNode, routeNode], flow(server.url), {
      e1: { narrativeApiKey: 'sk-local' },
    });
    const out: { payload?: Detection; narrative?: NarrativeUpdate }[] = [];
    const alerts: AlertEvent[] = [];
    helper.getNode('o1').on('input', (m: (typeof out)[number]) => out.push(m));
    helper.getNode('a1').on('input', (m: { event: AlertEvent }) => alerts.push(m.event));
    helper.getNode('e1').receive({ payload: rawSpike() });
    await until(() => out.length === 1 && alerts.length === 1);
    expect(out[0].payload?.explanation?.narrative).toBeUndefined();
    expect(alerts[0]).toMatchObject({ kind: 'opened' });
    expect(alerts[0].alert.explanation.narrative).toBeUndefined();

    await until(() => out.length === 2 && alerts.length === 2);
    expect(out[1].payload).toBeUndefined();
    expect(out[1].narrative).toMatchObject({
      deviceId: 'dev-007',
      narrative: { text: GROUNDED, generated: true, model: 'canned-model', tsMs: T0 },
    });
    expect(alerts[1].kind).toBe('updated');
    expect(alerts[1].alert.explanation.narrative?.text).toBe(GROUNDED);
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-local');
    expect(await counted('generated')).toBe(before + 1);

    // The next reading of the same subject carries the cached narrative itself.
    helper.getNode('e1').receive({ payload: rawSpike(T0 + MIN) });
    await until(() => out.length === 3);
    expect(out[2].payload?.explanation?.narrative?.text).toBe(GROUNDED);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [
      'invented numbers',
      () => server.queue({ kind: 'completion', text: 'Temperature rose 30 °C in 2 min.' }),
      'rejected',
    ],
    ['a slow endpoint', () => server.queue({ kind: 'completion', text: GROUNDED, delayMs: 2000 }), 'timeout'],
    ['garbage', () => server.queue({ kind: 'raw', body: 'not json' }), 'garbage'],
    ['a 503', () => server.queue({ kind: 'status', status: 503 }), 'http_error'],
  ])('keeps the template text on %s and counts it in /metrics', async (_name, arrange, outcome) => {
    arrange();
    const before = await counted(outcome);
    await helper.load([fleetNode, explainNode, routeNode], flow(server.url));
    const out: { payload?: Detection }[] = [];
    helper.getNode('o1').on('input', (m: (typeof out)[number]) => out.push(m));
    helper.getNode('e1').receive({ payload: rawSpike() });
    await until(() => out.length === 1);
    await until(() => server.requests.length === 1);
    // Counted once the answer (or the timeout) is in; nothing else is sent.
    let after = before;
    await until(() => {
      void counted(outcome).then((v) => (after = v));
      return after === before + 1;
    });
    expect(out).toHaveLength(1);
    expect(out[0].payload?.explanation?.summary).toContain('Temperature rose 18.2 °C');
    expect(out[0].payload?.explanation?.narrative).toBeUndefined();
  });

  it('counts an endpoint that is down and still sends every detection', async () => {
    const url = server.url;
    await server.close();
    const before = await counted('unreachable');
    await helper.load([fleetNode, explainNode, routeNode], flow(url));
    const out: { payload?: Detection }[] = [];
    helper.getNode('o1').on('input', (m: (typeof out)[number]) => out.push(m));
    helper.getNode('e1').receive({ payload: rawSpike() });
    await until(() => out.length === 1);
    let after = before;
    await until(() => {
      void counted('unreachable').then((v) => (after = v));
      return after === before + 1;
    });
    server = await startChatServer(); // for afterEach
  });

  it('refuses a bad narrative setting with a red status, like any config error', async () => {
    await helper.load([fleetNode, explainNode, routeNode], flow(server.url, { narrativeModel: '' }));
    const e1 = helper.getNode('e1');
    const errors: Error[] = [];
    e1.on('call:error', (call: { args: unknown[] }) => {
      if (call.args[0] instanceof Error) errors.push(call.args[0]);
    });
    e1.receive({ payload: rawSpike() });
    await until(() => errors.length === 1);
    expect(errors[0].message).toMatch(/narrative model/);
  });
});
