/* eslint-disable @typescript-eslint/no-explicit-any -- messages and helper nodes are untyped test doubles */
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import replayNode = require('../../src/nodes/lucid-replay/lucid-replay');

helper.init(require.resolve('node-red'));

const FIX = join(__dirname, '..', 'fixtures', 'replay');
type Msg = { topic?: string; payload: any; recorded?: any; complete?: boolean };

function flow(props: Record<string, unknown>) {
  return [
    {
      id: 'r1',
      type: 'lucid-replay',
      file: join(FIX, 'nab_machine_temperature.csv'),
      format: 'auto',
      deviceId: '',
      speed: 0,
      batchSize: 1,
      output: 'mqtt',
      timestamps: 'file',
      tenant: 'acme',
      autoStart: true,
      wires: [['out'], ['end']],
      ...props,
    },
    { id: 'out', type: 'helper' },
    { id: 'end', type: 'helper' },
  ];
}

/** Collects the readings output until the complete message arrives. */
function untilComplete(): Promise<{ msgs: Msg[]; complete: Msg }> {
  const out = helper.getNode('out') as any;
  const end = helper.getNode('end') as any;
  const msgs: Msg[] = [];
  out.on('input', (m: Msg) => msgs.push(m));
  return new Promise((resolve) => end.on('input', (complete: Msg) => resolve({ msgs, complete })));
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs` with
 * `what`. Waiting on the condition rather than a fixed delay keeps these tests right on a
 * loaded machine, where a replay's first rows can take far longer than usual.
 */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await wait(10);
  }
}

function spyOn(node: any) {
  const statuses: any[] = [];
  const errors: unknown[] = [];
  const status = node.status.bind(node);
  node.status = (s: any) => {
    statuses.push(s);
    return status(s);
  };
  node.error = (e: unknown) => errors.push(e);
  return { statuses, errors };
}

describe('lucid-replay node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('replays NAB as MQTT messages named after the file, then sends complete on output 2', async () => {
    await helper.load(replayNode, flow({}));
    const { msgs, complete } = await untilComplete();
    expect(msgs).toHaveLength(5);
    expect(msgs[0].topic).toBe('tenants/acme/devices/nab_machine_temperature/telemetry');
    expect(msgs[0].payload).toEqual({ ts: Date.UTC(2013, 11, 2, 21, 15), metrics: { value: 70.5 } });
    expect(msgs[0].recorded).toEqual({ index: 0, line: 2, timestamp: '2013-12-02 21:15:00' });
    expect(complete.complete).toBe(true);
    expect(complete.payload).toMatchObject({ rows: 5, deviceId: 'nab_machine_temperature' });
  });

  it('replays SKAB as Reading batches with labels only in msg.recorded', async () => {
    await helper.load(
      replayNode,
      flow({ file: join(FIX, 'valve1', '1.csv'), output: 'readings', batchSize: 3 }),
    );
    const { msgs } = await untilComplete();
    expect(msgs.map((m) => m.payload.length)).toEqual([3, 1]);
    expect(msgs[0].payload[0]).toMatchObject({
      deviceId: 'valve1-1',
      tenant: 'acme',
      tsMs: Date.UTC(2020, 2, 9, 10, 34, 33),
    });
    expect(msgs[0].payload[0].metrics).not.toHaveProperty('anomaly');
    expect(msgs[1].recorded[0].labels).toEqual({ anomaly: 1, changepoint: 0 });
    expect(msgs[0].topic).toBe('tenants/acme/devices/valve1-1/telemetry');
  });

  it('shifts timestamps to end at now when replaying as fast as possible', async () => {
    const before = Date.now();
    await helper.load(replayNode, flow({ timestamps: 'now', deviceId: 'm1' }));
    const { msgs } = await untilComplete();
    const last = msgs[4].payload.ts;
    expect(last).toBeGreaterThanOrEqual(before);
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(last - msgs[0].payload.ts).toBe(20 * 60_000);
  });

  it('replays gzip SMD', async () => {
    await helper.load(replayNode, flow({ file: join(FIX, 'machine-9-9.txt.gz'), output: 'readings' }));
    const { msgs } = await untilComplete();
    expect(msgs.map((m) => m.payload.deviceId)).toEqual(['machine-9-9', 'machine-9-9', 'machine-9-9']);
    expect(msgs[2].payload.metrics).toEqual({ d1: 0.7, d2: 0.8, d3: 0.9 });
    expect(msgs[2].recorded.timestamp).toBe('2');
  });

  it('a missing file gives a red status and done(err) on start, without crashing', async () => {
    await helper.load(replayNode, flow({ file: join(FIX, 'missing.csv'), autoStart: false }));
    const r1 = helper.getNode('r1') as any;
    const { statuses, errors } = spyOn(r1);
    r1.receive({ payload: 'start' });
    await until(() => errors.length > 0, 'the missing-file error');
    expect(statuses.at(-1)).toMatchObject({ fill: 'red' });
    expect(String(statuses.at(-1).text)).toMatch(/no such file/);
    expect(String(errors[0])).toMatch(/missing\.csv: no such file/);
  });

  it('a malformed file reports csv_malformed with the line number after the good rows', async () => {
    await helper.load(replayNode, flow({ file: join(FIX, 'malformed_value.csv'), autoStart: false }));
    const r1 = helper.getNode('r1') as any;
    const out = helper.getNode('out') as any;
    const msgs: Msg[] = [];
    out.on('input', (m: Msg) => msgs.push(m));
    const { statuses, errors } = spyOn(r1);
    r1.receive({ payload: 'start' });
    await until(() => errors.length > 0, 'the malformed-row error');
    expect(msgs).toHaveLength(2);
    expect(String(errors[0])).toMatch(/malformed_value\.csv:4/);
    expect(statuses.at(-1)).toMatchObject({ fill: 'red' });
  });

  it.each([
    [{ file: '' }, /file/],
    [{ speed: -1 }, /speed/],
    [{ batchSize: 0 }, /batchSize/],
    [{ tenant: '#' }, /tenant/],
    [{ format: 'xlsx' }, /format/],
  ])('bad config %j: red status, errors on input, no crash', async (props, message) => {
    await helper.load(replayNode, flow(props));
    const r1 = helper.getNode('r1') as any;
    const { statuses, errors } = spyOn(r1);
    r1.receive({ payload: 'start' });
    await until(() => errors.length > 0, 'the config error');
    expect(String(errors[0])).toMatch(message);
    expect(statuses[0]).toMatchObject({ fill: 'red' });
  });

  it('rejects an unknown command', async () => {
    await helper.load(replayNode, flow({ autoStart: false }));
    const r1 = helper.getNode('r1') as any;
    const { errors } = spyOn(r1);
    r1.receive({ payload: 42 });
    await until(() => errors.length > 0, 'the unknown-command error');
    expect(String(errors[0])).toMatch(/expected "start" or "stop"/);
  });

  it('stop pauses a paced replay and close releases its timer', async () => {
    // 5 min between rows at speed 3000 → 100 ms between rows
    await helper.load(replayNode, flow({ speed: 3000 }));
    const r1 = helper.getNode('r1') as any;
    const out = helper.getNode('out') as any;
    const msgs: Msg[] = [];
    out.on('input', (m: Msg) => msgs.push(m));
    await until(() => msgs.length >= 1, 'the first paced row');
    r1.receive({ payload: 'stop' });
    await wait(10);
    const atStop = msgs.length;
    expect(atStop).toBeGreaterThanOrEqual(1);
    expect(atStop).toBeLessThan(5);
    await wait(250);
    expect(msgs).toHaveLength(atStop);
    r1.receive({ payload: 'start' });
    await wait(50);
    await helper.unload();
    const atClose = msgs.length;
    await wait(300);
    expect(msgs).toHaveLength(atClose);
    expect(atClose).toBeLessThan(5);
  });
});
