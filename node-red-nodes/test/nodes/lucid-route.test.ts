import helper from 'node-red-node-test-helper';
import routeNode = require('../../src/nodes/lucid-route/lucid-route');
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import { STATE_KEY } from '../../src/nodes/lucid-route/route-config';
import type { Alert, AlertEvent, Incident, Notification } from '../../src/lib/contracts/types';
import { det, MIN, T0 } from '../lib/route/fixtures';
import { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from '../../src/lib/signing/webhook-signature';

helper.init(require.resolve('node-red'));

interface Out {
  payload: unknown;
  topic?: string;
  event?: AlertEvent;
  incident?: Incident;
  channel?: string;
  headers?: Record<string, string>;
  notification?: Notification;
  url?: string;
}

const FLEET_JSON = JSON.stringify({
  defaults: { site: 'plant-1' },
  devices: [{ deviceId: 'dev-a1', zone: 'zone-a', criticality: 5 }],
});

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    { id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson: FLEET_JSON },
    {
      id: 'r1',
      z: 'tab1',
      type: 'lucid-route',
      fleet: 'f1',
      resolveAfterMin: 5,
      slackMinSeverity: 'info',
      webhookMinSeverity: 'info',
      webhookUrl: 'https://example.com/hook',
      wires: [['o1'], ['o2'], ['o3']],
      ...config,
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
    { id: 'o2', z: 'tab1', type: 'helper' },
    { id: 'o3', z: 'tab1', type: 'helper' },
  ];
}

/** Collects what each output receives and counts the send calls per output helper. */
function collect() {
  const got: Record<'o1' | 'o2' | 'o3', Out[]> = { o1: [], o2: [], o3: [] };
  for (const id of ['o1', 'o2', 'o3'] as const) helper.getNode(id).on('input', (m: Out) => got[id].push(m));
  return got;
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('lucid-route node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('routes a batch to the three outputs with one send per output', async () => {
    await helper.load([fleetNode, routeNode], flow());
    const got = collect();
    const r1 = helper.getNode('r1');
    const sendSpy = jest.spyOn(r1, 'send');
    const batch = [
      det({ tsMs: T0 }),
      det({ tsMs: T0 + MIN }),
      det({ tsMs: T0 + 2 * MIN, anomalous: false }),
      det({ tsMs: T0 + 8 * MIN, anomalous: false }),
    ];
    r1.receive({ payload: batch });
    await settle();
    expect(sendSpy).toHaveBeenCalledTimes(1);
    expect(got.o1).toHaveLength(1);
    const opened = got.o1[0];
    const alert = opened.payload as Alert;
    expect(opened.event?.kind).toBe('opened');
    expect(opened.topic).toBe(`tenants/default/alerts/${alert.severity}/dev-a1`);
    expect(opened.incident?.alertIds).toEqual([alert.id]);
    expect(alert).toMatchObject({ site: 'plant-1', zone: 'zone-a', count: 1, status: 'open' });
    // opened on both channels; resolved on the webhook only (Slack's sendResolved is off by default)
    expect(got.o2.map((m) => m.channel)).toEqual(['slack', 'webhook', 'webhook']);
    expect(got.o2.map((m) => (m.notification as Notification).payload)).toEqual([
      expect.anything(),
      expect.objectContaining({ event: 'alert.opened' }),
      expect.objectContaining({ event: 'alert.resolved' }),
    ]);
    const webhook = got.o2[1];
    expect(webhook.headers).toEqual({ 'content-type': 'application/json' });
    expect(webhook.url).toBe('https://example.com/hook');
    expect(got.o2[0].url).toBeUndefined();
    expect(webhook.notification).toMatchObject({ channel: 'webhook', alertId: alert.id });
    expect(webhook.payload).toMatchObject({ version: 1, event: 'alert.opened' });
    expect((got.o2[0].payload as { blocks: unknown[] }).blocks.length).toBeGreaterThan(2);
    expect(got.o3).toHaveLength(1);
    expect(got.o3[0].payload).toMatchObject({ id: alert.id, status: 'resolved', resolvedMs: T0 + 8 * MIN });
    expect(got.o3[0].event?.kind).toBe('resolved');
  });

  it('carries the ingest stamp (msg.lucidIngestMs) onto the alert messages it makes', async () => {
    await helper.load([fleetNode, routeNode], flow());
    const got = collect();
    const r1 = helper.getNode('r1');
    r1.receive({ payload: det({ tsMs: T0 }), lucidIngestMs: 4242 });
    r1.receive({ payload: det({ tsMs: T0 + 8 * MIN, anomalous: false }) });
    await settle();
    expect(got.o1.map((m) => (m as { lucidIngestMs?: number }).lucidIngestMs)).toEqual([4242]);
    // the resolve came from a message without a stamp, and gets none
    expect(got.o3.map((m) => (m as { lucidIngestMs?: number }).lucidIngestMs)).toEqual([undefined]);
  });

  it('signs webhook bodies with the signing secret so a receiver can verify them, and leaves Slack unsigned', async () => {
    const secret = 'a-shared-secret-of-some-length';
    await helper.load([fleetNode, routeNode], flow(), { r1: { webhookSecret: secret } });
    const got = collect();
    helper.getNode('r1').receive({ payload: [det({ tsMs: T0 })] });
    await settle();
    const [slack, webhook] = got.o2;
    expect(slack.headers).toEqual({ 'content-type': 'application/json' });
    expect(typeof webhook.payload).toBe('string');
    const body = webhook.payload as string;
    expect(JSON.parse(body)).toMatchObject({ version: 1, event: 'alert.opened' });
    const header = webhook.headers?.[WEBHOOK_SIGNATURE_HEADER];
    expect(verifyWebhook(body, header, secret, Date.now())).toEqual({ ok: true });
    expect(verifyWebhook(body.replace('alert.opened', 'alert.resolved'), header, secret, Date.now())).toEqual(
      { ok: false, reason: 'mismatch' },
    );
    expect(verifyWebhook(body, header, 'another-secret', Date.now())).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('applies msg.silence (add and remove) and msg.adaptation', async () => {
    await helper.load([fleetNode, routeNode], flow());
    const got = collect();
    const r1 = helper.getNode('r1');
    r1.receive({
      silence: {
        id: 's1',
        deviceId: 'dev-a1',
        untilMs: T0 + 60 * MIN,
        reason: 'maintenance',
        createdBy: 'ops',
      },
      payload: 123,
    });
    r1.receive({ payload: det({ tsMs: T0 }) });
    await settle();
    expect(got.o1.map((m) => m.event?.kind)).toEqual(['suppressed']);
    expect(got.o2).toEqual([]);
    r1.receive({ silence: { id: 's1', remove: true } });
    r1.receive({ payload: det({ tsMs: T0 + MIN }) });
    await settle();
    expect(got.o1.map((m) => m.event?.kind)).toEqual(['suppressed', 'opened']);
    expect(got.o2.length).toBe(2);
    r1.receive({
      adaptation: {
        id: 'a1',
        kind: 'suppress',
        fingerprint: (got.o1[0].payload as Alert).fingerprint,
        untilMs: T0 + 90 * MIN,
        createdBy: 'op',
        reason: 'fp',
        tsMs: T0,
      },
    });
    await settle();
    expect(got.o1.map((m) => m.event?.kind)).toEqual(['suppressed', 'opened', 'suppressed']);
  });

  it('reports garbage input through done(err) without crashing, and keeps routing valid items', async () => {
    await helper.load([fleetNode, routeNode], flow());
    const got = collect();
    const r1 = helper.getNode('r1');
    const errors: string[] = [];
    r1.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    for (const payload of ['hello', null, { reading: 1 }, [det({ tsMs: T0 }), { nope: true }]])
      r1.receive({ payload });
    r1.receive({ silence: { untilMs: 5 } });
    r1.receive({ adaptation: { kind: 'priority_weight' } });
    await settle();
    expect(errors.length).toBe(6);
    expect(errors[3]).toMatch(/1 of 2 detections skipped/);
    expect(errors[4]).toMatch(/matcher/);
    expect(errors[5]).toMatch(/adaptation.id/);
    expect(got.o1).toHaveLength(1);
  });

  it.each([
    ['a bad URL', { slackUrl: 'not a url' }, /slack.url/],
    ['a non-numeric window', { resolveAfterMin: 'soon' }, /resolveAfterMin/],
    ['openAfterCount 0', { openAfterCount: 0 }, /openAfterCount/],
    ['a missing fleet node', { fleet: 'nope' }, /fleet/],
  ])('shows a red status for %s and rejects input', async (_name, config, message) => {
    await helper.load([fleetNode, routeNode], flow(config));
    const r1 = helper.getNode('r1');
    const status = jest.spyOn(r1, 'status');
    const errors: string[] = [];
    r1.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    r1.receive({ payload: det({ tsMs: T0 }) });
    await settle();
    expect(errors.join('\n')).toMatch(message);
    const statuses = (r1 as unknown as { status: jest.Mock }).status.mock.calls.map((c) => c[0]);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s: { fill: string }) => s.fill === 'red')).toBe(true);
    status.mockRestore();
  });

  const KEY = `${STATE_KEY}:r1`;

  it('keeps open alerts and silences across a redeploy of the node', async () => {
    await helper.load([fleetNode, routeNode], flow());
    let got = collect();
    let r1 = helper.getNode('r1');
    r1.receive({ payload: det({ tsMs: T0 }) });
    r1.receive({ silence: { id: 's1', deviceId: 'dev-b9', untilMs: T0 + 60 * MIN } });
    await settle();
    const opened = got.o1[0].payload as Alert;
    const saved = r1.context().flow.get(KEY) as { alerts: unknown[]; silences: unknown[] };
    expect(saved.alerts).toHaveLength(1);
    expect(saved.silences).toHaveLength(1);

    // Redeploy only the changed node (as the editor's "Modified nodes" deploy does).
    await helper.setFlows(flow({ name: 'renamed' }), 'nodes');
    r1 = helper.getNode('r1');
    expect(r1).not.toBeUndefined();
    expect((r1 as unknown as { name: string }).name).toBe('renamed');
    got = collect();
    // A repeat is an update of the restored alert (not a new opening); normal readings resolve it.
    r1.receive({
      payload: [
        det({ tsMs: T0 + MIN }),
        det({ tsMs: T0 + 2 * MIN, anomalous: false }),
        det({ tsMs: T0 + 10 * MIN, anomalous: false }),
      ],
    });
    r1.receive({ payload: det({ tsMs: T0 + 11 * MIN, deviceId: 'dev-b9' }) });
    await settle();
    expect(got.o3.map((m) => (m.payload as Alert).id)).toEqual([opened.id]);
    expect(got.o3[0].payload).toMatchObject({ count: 2 });
    expect(got.o1.map((m) => m.event?.kind)).toEqual(['suppressed']); // dev-b9 is still silenced
  });

  it('discards an unreadable saved state with a warning and starts fresh', async () => {
    await helper.load([fleetNode, routeNode], flow());
    helper.getNode('r1').context().flow.set(KEY, { version: 99 });
    await helper.setFlows(flow({ name: 'again' }), 'nodes');
    const r1 = helper.getNode('r1');
    const got = collect();
    r1.receive({ payload: det({ tsMs: T0 }) });
    await settle();
    expect(got.o1).toHaveLength(1);
    expect((r1.context().flow.get(KEY) as { version: number }).version).toBe(1);
  });

  it('saves its state on close, and drops it when the node is removed', async () => {
    await helper.load([fleetNode, routeNode], flow());
    const r1 = helper.getNode('r1');
    r1.receive({ payload: det({ tsMs: T0 }) });
    await settle();
    const flowContext = r1.context().flow;
    flowContext.set(KEY, undefined);
    await r1.close(false);
    expect((flowContext.get(KEY) as { alerts: unknown[] }).alerts).toHaveLength(1);
    await r1.close(true);
    expect(flowContext.get(KEY)).toBeUndefined();
  });
});
