/* eslint-disable @typescript-eslint/no-explicit-any -- messages and helper nodes are untyped test doubles */
import helper from 'node-red-node-test-helper';
import simulateNode = require('../../src/nodes/lucid-simulate/lucid-simulate');

helper.init(require.resolve('node-red'));

type Msg = { topic?: string; payload: any; truth: any };

function flow(props: Record<string, unknown>) {
  return [
    {
      id: 's1',
      type: 'lucid-simulate',
      devices: 3,
      seed: 5,
      interval: 10000,
      speed: 0,
      duration: 1,
      incidents: true,
      warmup: 60,
      quiet: 15,
      output: 'mqtt',
      tenant: 'acme',
      autoStart: true,
      start: '2024-01-01T00:00:00Z',
      wires: [['h1']],
      ...props,
    },
    { id: 'h1', type: 'helper' },
  ];
}

function collect(count: number): Promise<Msg[]> {
  const h1 = helper.getNode('h1') as any;
  const msgs: Msg[] = [];
  return new Promise((resolve) => {
    h1.on('input', (msg: Msg) => {
      msgs.push(msg);
      if (msgs.length === count) resolve(msgs);
    });
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lucid-simulate node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('publishes MQTT-ready messages with ground truth, deterministic for the seed, and stops at the duration', async () => {
    await helper.load(simulateNode, flow({}));
    const all = await collect(21); // 1 sim minute = 6 ticks × 3 devices, then 3 statuses
    const msgs = all.slice(0, 18);
    expect(msgs[0].topic).toBe('tenants/acme/devices/env-01/telemetry');
    expect(msgs[0].payload.ts).toBe(Date.UTC(2024, 0, 1));
    expect(Object.keys(msgs[0].payload).sort()).toEqual(['metrics', 'ts']);
    expect(Object.keys(msgs[0].payload.metrics)).toHaveLength(6);
    expect(msgs.every((m) => m.truth && m.truth.incident === null)).toBe(true);
    await wait(50);
    expect(all).toHaveLength(21);
    // When the run ends, every device says it goes offline as planned (no "Connectivity lost").
    expect(all.slice(18)).toEqual(
      ['env-01', 'env-02', 'env-03'].map((id) => ({
        topic: `tenants/acme/devices/${id}/status`,
        payload: { state: 'offline', reason: 'planned' },
        _msgid: expect.any(String),
      })),
    );
    const s1 = helper.getNode('s1') as any;
    expect(s1.status).toBeDefined();
    // same seed, same first reading as the library
    const { FleetSimulator } = await import('../../src/lib/simulate/fleet-simulator');
    const lib = new FleetSimulator({
      deviceCount: 3,
      seed: 5,
      startTsMs: Date.UTC(2024, 0, 1),
      tenant: 'acme',
    });
    expect(msgs[0].payload.metrics).toEqual(lib.next().readings[0].reading.metrics);
  });

  it('emits one Reading[] batch per tick with a parallel truth array', async () => {
    await helper.load(simulateNode, flow({ output: 'batch', devices: 4 }));
    const msgs = await collect(6);
    expect(msgs[0].payload).toHaveLength(4);
    expect(msgs[0].payload[0]).toMatchObject({
      deviceId: 'env-01',
      tsMs: Date.UTC(2024, 0, 1),
      tenant: 'acme',
    });
    expect(msgs[0].truth).toHaveLength(4);
    expect(msgs[1].payload[0].tsMs - msgs[0].payload[0].tsMs).toBe(10_000);
  });

  it('emits single Readings and carries incident truth once incidents start', async () => {
    await helper.load(simulateNode, flow({ output: 'readings', warmup: 0, duration: 3 }));
    const msgs = await collect(54);
    expect(msgs[0].payload.deviceId).toMatch(/^env-0[1-3]$/);
    const labelled = msgs.filter((m) => m.truth.incident !== null);
    expect(labelled.length).toBeGreaterThan(0);
    expect(labelled[0].truth).toMatchObject({
      incident: 'temperature_spike',
      incidentId: 'inc-1',
      expectedType: 'spike',
    });
  });

  it('waits for "start" when not started on deploy; "stop" pauses; "reset" rewinds', async () => {
    await helper.load(simulateNode, flow({ autoStart: false, speed: 1000, duration: 0, devices: 1 }));
    const s1 = helper.getNode('s1');
    const h1 = helper.getNode('h1') as any;
    const msgs: Msg[] = [];
    h1.on('input', (m: Msg) => msgs.push(m));
    await wait(50);
    expect(msgs).toHaveLength(0);
    s1.receive({ payload: 'start' });
    await wait(120); // speed 1000: one 10 s tick per 10 ms
    s1.receive({ payload: 'stop' });
    await wait(5);
    const atStop = msgs.length;
    expect(atStop).toBeGreaterThan(3);
    await wait(60);
    expect(msgs).toHaveLength(atStop);
    s1.receive({ payload: 'reset' });
    s1.receive({ payload: 'start' });
    await wait(30);
    s1.receive({ payload: 'stop' });
    expect(msgs[atStop].payload).toEqual(msgs[0].payload);
  });

  it('announces a planned offline for each device on "stop", once, and not while running', async () => {
    await helper.load(simulateNode, flow({ speed: 1000, duration: 0, devices: 2 }));
    const s1 = helper.getNode('s1');
    const h1 = helper.getNode('h1') as any;
    const msgs: Msg[] = [];
    h1.on('input', (m: Msg) => msgs.push(m));
    await wait(60);
    expect(msgs.some((m) => m.topic!.endsWith('/status'))).toBe(false);
    s1.receive({ payload: 'stop' });
    s1.receive({ payload: 'stop' });
    await wait(20);
    const statuses = msgs.filter((m) => m.topic!.endsWith('/status'));
    expect(statuses.map((m) => m.topic)).toEqual([
      'tenants/acme/devices/env-01/status',
      'tenants/acme/devices/env-02/status',
    ]);
    expect(msgs.slice(-2)).toEqual(statuses);
  });

  describe('across a full Deploy (the run resumes instead of restarting its clock)', () => {
    const telemetryTs = (msgs: Msg[]) =>
      msgs.filter((m) => m.topic!.endsWith('/telemetry')).map((m) => m.payload.ts as number);

    // On a tab, as in the editor: Node-RED keeps a tab's flow context across Deploys.
    const onTab = (props: Record<string, unknown>) => [
      { id: 'tab1', type: 'tab', label: 'test' },
      ...flow(props).map((n) => ({ ...n, z: 'tab1' })),
    ];

    it.each([
      ['a configured start', { start: '2024-01-01T00:00:00Z' }],
      ['the automatic start, faster than real time', { start: '', duration: 600 }],
    ])('with %s: the first reading after the Deploy continues the clock', async (_name, props) => {
      const f = onTab({ speed: 1000, duration: 0, devices: 1, ...props });
      await helper.load(simulateNode, f);
      const before: Msg[] = [];
      (helper.getNode('h1') as any).on('input', (m: Msg) => before.push(m));
      await wait(80);
      await helper.setFlows(f, 'full');
      const after: Msg[] = [];
      (helper.getNode('h1') as any).on('input', (m: Msg) => after.push(m));
      await wait(80);
      await helper.setFlows([], 'full');
      const lastBefore = Math.max(...telemetryTs(before));
      const firstAfter = telemetryTs(after)[0];
      expect(telemetryTs(before).length).toBeGreaterThan(2);
      // A later tick of the same run: ticks whose messages were still in flight when the Deploy
      // stopped the flow are lost (more of them on a loaded machine), but the clock neither goes
      // back nor starts a new run (which would begin at the configured or automatic start).
      const stepMs = firstAfter - lastBefore;
      expect(stepMs).toBeGreaterThan(0);
      expect(stepMs % 10_000).toBe(0);
      expect(stepMs).toBeLessThanOrEqual(50 * 10_000);
    });

    it('other settings start a new run (the detector guard then re-warms the devices)', async () => {
      const f = onTab({ speed: 1000, duration: 0, devices: 1 });
      await helper.load(simulateNode, f);
      await wait(80);
      await helper.setFlows(
        f.map((n) => (n.id === 's1' ? { ...n, seed: 6 } : n)),
        'full',
      );
      const after: Msg[] = [];
      (helper.getNode('h1') as any).on('input', (m: Msg) => after.push(m));
      await wait(40);
      await helper.setFlows([], 'full');
      expect(telemetryTs(after)[0]).toBe(Date.UTC(2024, 0, 1));
    });
  });

  it('rejects an unknown command through done(err) without crashing', async () => {
    await helper.load(simulateNode, flow({ autoStart: false }));
    const s1 = helper.getNode('s1') as any;
    const errors: unknown[] = [];
    const original = s1.error.bind(s1);
    s1.error = (e: unknown, msg: unknown) => {
      errors.push(e);
      return original(e, msg);
    };
    s1.receive({ payload: { bogus: true } });
    await wait(20);
    expect(String(errors[0])).toMatch(/expected "start", "stop" or "reset"/);
  });

  it.each([
    [{ devices: 0 }, /deviceCount/],
    [{ interval: 5 }, /intervalMs/],
    [{ speed: -2 }, /speed/],
    [{ tenant: 'a/b' }, /tenant/],
    [{ start: 'soon' }, /start/],
  ])('bad config %j gives a red status and no messages', async (props, message) => {
    await helper.load(simulateNode, flow(props));
    const s1 = helper.getNode('s1') as any;
    const statuses: any[] = [];
    const errors: unknown[] = [];
    const h1 = helper.getNode('h1') as any;
    const msgs: Msg[] = [];
    h1.on('input', (m: Msg) => msgs.push(m));
    // the status was set in the constructor: re-read it through a command
    s1.error = (e: unknown) => errors.push(e);
    s1.status = (st: any) => statuses.push(st);
    s1.receive({ payload: 'start' });
    await wait(20);
    expect(msgs).toHaveLength(0);
    expect(String(errors[0])).toMatch(message);
    expect(statuses[0]).toMatchObject({ fill: 'red' });
  });

  it('close stops the timers', async () => {
    await helper.load(simulateNode, flow({ speed: 100, duration: 0, devices: 1 }));
    const h1 = helper.getNode('h1') as any;
    const msgs: Msg[] = [];
    h1.on('input', (m: Msg) => msgs.push(m));
    await wait(30);
    await helper.unload();
    const atClose = msgs.length;
    expect(atClose).toBeGreaterThan(0);
    await wait(250);
    expect(msgs).toHaveLength(atClose);
  });
});
