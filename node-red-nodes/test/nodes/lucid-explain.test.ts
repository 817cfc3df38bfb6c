import helper from 'node-red-node-test-helper';
import explainNode = require('../../src/nodes/lucid-explain/lucid-explain');
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import type { Detection } from '../../src/lib/contracts/types';
import { detection, envMetrics, MIN, moved, T0 } from '../lib/explain/fixtures';

helper.init(require.resolve('node-red'));

const FLEET_JSON = JSON.stringify({
  defaults: { site: 'plant-1' },
  deviceTypes: {
    'env-sensor': {
      metrics: {
        temperature: { unit: '°C', label: 'Temperature' },
        humidity: { unit: '%', label: 'Humidity' },
      },
    },
  },
  devices: [
    { deviceId: 'dev-007', zone: 'B', deviceType: 'env-sensor' },
    { deviceId: 'dev-008', zone: 'B', deviceType: 'env-sensor' },
  ],
});

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    { id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson: FLEET_JSON },
    {
      id: 'e1',
      z: 'tab1',
      type: 'lucid-explain',
      fleet: 'f1',
      correlationWindowMs: 600000,
      playbooks: '',
      wires: [['o1']],
      ...config,
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
  ];
}

function spike(deviceId: string, tsMs: number): Detection {
  const ev = moved('temperature', 23.1, 41.3, {
    kind: 'rate',
    halfBand: 0.5,
    anomalousSinceTsMs: tsMs - MIN,
    change: {
      fromValue: 23.1,
      toValue: 41.3,
      fromTsMs: tsMs - 5 * MIN,
      durationMs: 5 * MIN,
      ratePerMin: 3.64,
      usualRatePerMin: 0.6,
    },
  });
  return detection(deviceId, tsMs, envMetrics([ev]));
}

interface Out {
  payload: Detection | Detection[];
  adaptation?: unknown;
  topic?: string;
}

function collect(): Out[] {
  const got: Out[] = [];
  helper.getNode('o1').on('input', (m: Out) => got.push(m));
  return got;
}

/** Resolves with the error node e1 gave to done(err) for a message, or undefined after a short wait. */
function doneError(): Promise<Error | undefined> {
  const node = helper.getNode('e1');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 200);
    node.on('call:error', (call: { args: unknown[] }) => {
      // done(err) reports as node.error(err, msg); the constructor's own node.error(text) has no msg.
      if (!(call.args[0] instanceof Error) || call.args[1] === undefined) return;
      clearTimeout(timer);
      resolve(call.args[0]);
    });
  });
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('lucid-explain node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('explains a single anomalous detection and keeps msg properties', async () => {
    await helper.load([fleetNode, explainNode], flow());
    const got = collect();
    helper.getNode('e1').receive({ payload: spike('dev-007', T0), topic: 't1' });
    await settle();
    expect(got).toHaveLength(1);
    expect(got[0].topic).toBe('t1');
    const out = got[0].payload as Detection;
    expect(Array.isArray(out)).toBe(false);
    expect(out.explanation).toMatchObject({
      type: 'spike',
      title: 'Temperature spike on dev-007 (zone B)',
      summary: 'Temperature rose 18.2 °C in 5 min (from 23.1 to 41.3 °C), 6.1× its usual rate of change.',
      metric: 'temperature',
      playbook: 'default@1.1.0',
    });
  });

  it('keeps a batch a batch, in order, explaining only anomalous items and relating neighbours', async () => {
    await helper.load([fleetNode, explainNode], flow());
    const got = collect();
    const quiet = detection('dev-008', T0 - MIN, envMetrics(), {}, false);
    helper.getNode('e1').receive({ payload: [quiet, spike('dev-008', T0), spike('dev-007', T0 + MIN)] });
    await settle();
    expect(got).toHaveLength(1);
    const out = got[0].payload as Detection[];
    expect(out.map((d) => d.reading.deviceId)).toEqual(['dev-008', 'dev-008', 'dev-007']);
    expect(out[0].explanation).toBeUndefined();
    expect(out[1].explanation?.type).toBe('spike');
    expect(out[2].explanation?.type).toBe('correlated_event');
    expect(out[2].explanation?.related).toEqual([
      expect.objectContaining({ deviceId: 'dev-008', relation: 'same zone' }),
    ]);
  });

  it('passes msg.adaptation through unchanged', async () => {
    await helper.load([fleetNode, explainNode], flow());
    const got = collect();
    const adaptation = {
      id: 'a1',
      kind: 'threshold',
      deviceId: 'dev-007',
      value: 0.1,
      createdBy: 'op',
      reason: 'fp',
      tsMs: T0,
    };
    helper.getNode('e1').receive({ adaptation, payload: 'anything' });
    await settle();
    expect(got).toHaveLength(1);
    expect(got[0].adaptation).toEqual(adaptation);
    expect(got[0].payload).toBe('anything');
  });

  it('applies a playbook override for a device type', async () => {
    const override = JSON.stringify({
      'env-sensor': {
        id: 'site-env',
        version: '2.0.0',
        extends: 'default',
        actions: { byType: { spike: [{ action: 'Call the site team', why: 'House rule.' }] } },
      },
    });
    await helper.load([fleetNode, explainNode], flow({ playbooks: override }));
    const got = collect();
    helper.getNode('e1').receive({ payload: spike('dev-007', T0) });
    await settle();
    const e = (got[0].payload as Detection).explanation;
    expect(e?.playbook).toBe('site-env@2.0.0');
    expect(e?.actions).toContainEqual({ action: 'Call the site team', why: 'House rule.' });
  });

  it('takes new playbooks from msg.playbooks; refuses an invalid set and keeps the previous one', async () => {
    const sitePlaybook = (version: string, weight: unknown = 1) => ({
      'env-sensor': {
        id: 'site-env',
        version,
        extends: 'default',
        causes: [
          {
            id: 'site-env.heat',
            label: 'Heat',
            family: 'environment',
            weight,
            signature: [{ metrics: ['temperature'], expect: 'up' }],
          },
        ],
        actions: {},
      },
    });
    await helper.load([fleetNode, explainNode], flow({ playbooks: JSON.stringify(sitePlaybook('2.0.0')) }));
    const e1 = helper.getNode('e1');
    const got = collect();
    const next = async (n: number) => {
      while (got.length < n) await new Promise((r) => setTimeout(r, 5));
      return (got[n - 1].payload as Detection).explanation?.playbook;
    };
    const errored = doneError();
    e1.receive({ playbooks: sitePlaybook('2.1.0', 3) });
    expect((await errored)?.message).toMatch(
      /playbook override "env-sensor": does not match the playbook schema: \/causes\/0\/weight must be <= 1/,
    );
    e1.receive({ payload: spike('dev-007', T0) });
    expect(await next(1)).toBe('site-env@2.0.0');
    e1.receive({ playbooks: JSON.stringify(sitePlaybook('2.1.0')) });
    e1.receive({ payload: spike('dev-008', T0 + 20 * MIN) });
    expect(await next(2)).toBe('site-env@2.1.0');
    expect(got).toHaveLength(2);
  });

  it.each([
    [
      'an invalid playbook override',
      { playbooks: '{"pump": {"id": "x"}}' },
      /playbook override "pump": does not match the playbook schema/,
    ],
    ['override JSON syntax', { playbooks: '{oops' }, /playbook overrides: invalid JSON/],
    [
      'a negative correlation window',
      { correlationWindowMs: -5 },
      /correlation window: expected a positive number of ms/,
    ],
    ['a missing fleet node', { fleet: 'nope' }, /fleet: the lucid-fleet config node "nope" is missing/],
  ])('shows a red status for %s and fails every message without crashing', async (_name, config, message) => {
    await helper.load([fleetNode, explainNode], flow(config));
    const e1 = helper.getNode('e1');
    const statusSpy = jest.spyOn(e1, 'status');
    const got = collect();
    const errored = doneError();
    e1.receive({ payload: spike('dev-007', T0) });
    const err = await errored;
    expect(err?.message).toMatch(message);
    expect(got).toHaveLength(0);
    expect(statusSpy).toHaveBeenCalledWith(expect.objectContaining({ fill: 'red' }));
  });

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['a batch with one bad item', [spike('dev-007', T0), { reading: { deviceId: 'x' }, score: {} }]],
  ])('fails %s with done(err) and sends nothing', async (_name, payload) => {
    await helper.load([fleetNode, explainNode], flow());
    const got = collect();
    const errored = doneError();
    helper.getNode('e1').receive({ payload });
    const err = await errored;
    expect(err?.name).toBe('InputError');
    expect(got).toHaveLength(0);
    // The node keeps working after garbage.
    helper.getNode('e1').receive({ payload: spike('dev-007', T0) });
    await settle();
    expect(got).toHaveLength(1);
  });

  it('works without a fleet node (units from the evidence, no zone in the title)', async () => {
    await helper.load(
      [explainNode],
      [
        { id: 'tab1', type: 'tab', label: 'test' },
        { id: 'e1', z: 'tab1', type: 'lucid-explain', wires: [['o1']] },
        { id: 'o1', z: 'tab1', type: 'helper' },
      ],
    );
    const got = collect();
    const d = spike('dev-007', T0);
    (d.score.evidence as { metrics: Record<string, { unit: string }> }).metrics.temperature.unit = '°C';
    helper.getNode('e1').receive({ payload: d });
    await settle();
    expect((got[0].payload as Detection).explanation?.title).toBe('Temperature spike on dev-007');
    expect((got[0].payload as Detection).explanation?.summary).toContain('41.3 °C');
  });

  it('closes cleanly', async () => {
    await helper.load([fleetNode, explainNode], flow());
    helper.getNode('e1').receive({ payload: spike('dev-007', T0) });
    await settle();
    await helper.unload();
  });
});
