import helper from 'node-red-node-test-helper';
import detectNode = require('../../src/nodes/lucid-detect/lucid-detect');
import modelNode = require('../../src/nodes/lucid-model/lucid-model');
import type { Detection, DetectionEvidence, Reading } from '../../src/lib/contracts/types';
import { ModelError } from '../../src/lib/contracts/errors';
import { ModelScorer } from '../../src/lib/model/model-scorer';
import type { ModelConfigNode } from '../../src/nodes/lucid-model/model-config';
import { cardPathOf, copyModel } from '../lib/model/model-fixtures';
import { readFileSync } from 'node:fs';

helper.init(require.resolve('node-red'));

const card = JSON.parse(readFileSync(cardPathOf('fleet-ae'), 'utf8')) as {
  windowLength: number;
  features: { name: string; mean: number; std: number }[];
};
const W = card.windowLength;
const T0 = Date.UTC(2024, 0, 1);
const STEP_MS = 10_000;

/** Deterministic readings of the fleet-ae device type around the card's means (seeded LCG noise). */
function readings(deviceId: string, n: number, seed: number, from = 0): Reading[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.6;
  return Array.from({ length: n }, (_, i) => ({
    deviceId,
    tsMs: T0 + (from + i) * STEP_MS,
    metrics: Object.fromEntries(card.features.map((f) => [f.name, f.mean + rnd() * f.std])),
  }));
}

function flow(modelCard: string, detect: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    { id: 'm1', type: 'lucid-model', card: modelCard, maxBatchSize: '64', maxWaitMs: '5' },
    {
      id: 'd1',
      z: 'tab1',
      type: 'lucid-detect',
      model: 'm1',
      sensitivity: 0.5,
      warmupReadings: 10,
      windowSize: 32,
      rateWindowMs: 300000,
      outputMode: 'all',
      saveIntervalS: 0,
      wires: [['o1']],
      ...detect,
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
  ];
}

interface Out {
  payload: Detection | Detection[];
}

function collect(count: number): Promise<Out[]> {
  const got: Out[] = [];
  return new Promise((resolve) =>
    helper.getNode('o1').on('input', (m: Out) => {
      got.push(m);
      if (got.length === count) resolve(got);
    }),
  );
}

const statusCalls = (id: string) =>
  (helper.getNode(id).status as unknown as { getCalls(): { args: { fill?: string; text?: string }[] }[] })
    .getCalls()
    .map((c) => c.args[0]);

describe('lucid-detect with a lucid-model', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    jest.restoreAllMocks();
    await helper.unload();
    await helper.stopServer();
  });

  it('merges the model score into a batch: evidence.model on every reading, contributions sum to 1', async () => {
    await helper.load([detectNode, modelNode], flow('fleet-ae'));
    const batch = readings('env-1', W + 10, 1);
    // A step on two sensors at the end: the model's reconstruction error attributes it.
    for (const r of batch.slice(-3)) {
      r.metrics.supplyVoltage = card.features[3]!.mean + 12 * card.features[3]!.std;
      r.metrics.battery = card.features[5]!.mean - 12 * card.features[5]!.std;
    }
    const out = collect(1);
    helper.getNode('d1').receive({ payload: batch });
    const [{ payload }] = await out;
    const detections = payload as Detection[];
    expect(detections).toHaveLength(W + 10);
    detections.forEach((d, i) => expect(d.reading).toBe(batch[i]));
    const model = (d: Detection) => (d.score.evidence as DetectionEvidence).model!;
    detections.forEach((d) => expect(model(d).name).toBe('fleet-ae'));
    expect(model(detections[W - 2]!).score).toBe(0); // warming up (window not full)
    const last = detections[detections.length - 1]!;
    expect(model(last).score).toBeGreaterThan(0.5);
    expect(last.score.isAnomaly).toBe(true);
    expect(last.score.score).toBeGreaterThanOrEqual(model(last).score - 1e-12);
    const sum = Object.values(last.score.contributions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
    const top = Object.entries(last.score.contributions)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([k]) => k);
    expect(top.sort()).toEqual(['battery', 'supplyVoltage']);
    // A normal, fully windowed reading is scored by the model and not anomalous.
    expect(model(detections[W + 2]!).reconstructionError).toBeGreaterThan(0);
    expect(detections[W + 2]!.score.isAnomaly).toBe(false);
    expect(statusCalls('d1').pop()?.text).toMatch(/status.model/);
  });

  it('keeps message order under concurrent devices with single-reading messages, micro-batched', async () => {
    await helper.load([detectNode, modelNode], flow('fleet-ae'));
    const devices = ['a', 'b', 'c', 'd'];
    const perDevice = W + 4;
    const streams = devices.map((id, k) => readings(`env-${id}`, perDevice, 11 + k));
    const sent: Reading[] = [];
    for (let i = 0; i < perDevice; i++) for (const s of streams) sent.push(s[i]!);
    const runSpy = jest.spyOn(
      ModelScorer.prototype as unknown as { runBatch(items: unknown[]): Promise<unknown[]> },
      'runBatch',
    );
    const out = collect(sent.length);
    const d1 = helper.getNode('d1');
    for (const r of sent) d1.receive({ payload: r });
    const got = await out;
    expect(got.map((m) => (m.payload as Detection).reading)).toEqual(sent);
    // Scored ones carry model evidence computed on their own device's window (per-device parity
    // with a batch through a fresh scorer on the same model).
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const reference = new ModelScorer(await node.ready());
    const expected = await reference.scoreBatch(sent);
    await reference.close();
    got.forEach((m, i) => {
      const ev = ((m.payload as Detection).score.evidence as DetectionEvidence).model!;
      expect(ev.reconstructionError).toBeCloseTo(expected[i]!.reconstructionError, 6);
    });
    // Several readings shared each inference.
    const sizes = runSpy.mock.calls.map((c) => c[0].length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(sent.length + expected.length);
    expect(Math.max(...sizes.slice(0, -1))).toBeGreaterThan(1);
  });

  it('a refused (tampered) model: red status, streaming-only output, no crash', async () => {
    const copy = copyModel('fleet-ae', { bytes: (b) => ((b[b.length - 10] ^= 0x80), b) });
    try {
      await helper.load([detectNode, modelNode], flow(copy.cardPath));
      const out = collect(1);
      const d1 = helper.getNode('d1');
      d1.receive({ payload: readings('env-1', W + 2, 3) });
      const [{ payload }] = await out;
      const detections = payload as Detection[];
      expect(detections).toHaveLength(W + 2);
      detections.forEach((d) => expect((d.score.evidence as DetectionEvidence).model).toBeUndefined());
      const red = statusCalls('d1').filter((s) => s.fill === 'red');
      expect(red.length).toBeGreaterThan(0);
      expect(red[red.length - 1]!.text).toMatch(/modelRefused/);
      expect(statusCalls('d1').pop()?.fill).toBe('red');
    } finally {
      copy.cleanup();
    }
  });

  it('a missing model config node: red status, streaming-only output', async () => {
    await helper.load([detectNode, modelNode], flow('fleet-ae', { model: 'nope' }));
    const out = collect(1);
    helper.getNode('d1').receive({ payload: readings('env-1', 3, 3)[0] });
    const [{ payload }] = await out;
    expect(((payload as Detection).score.evidence as DetectionEvidence).model).toBeUndefined();
    expect(statusCalls('d1').pop()).toMatchObject({
      fill: 'red',
      text: expect.stringMatching(/modelRefused/),
    });
  });

  it('an inference failure falls back to the streaming scores for that message, counted in the status', async () => {
    await helper.load([detectNode, modelNode], flow('fleet-ae'));
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const model = await node.ready();
    jest.spyOn(model, 'run').mockRejectedValueOnce(new ModelError('inference failed: test'));
    const out = collect(2);
    const d1 = helper.getNode('d1');
    const all = readings('env-1', W + 4, 5);
    d1.receive({ payload: all.slice(0, W + 2) });
    d1.receive({ payload: all.slice(W + 2) });
    const [first, second] = await out;
    (first!.payload as Detection[]).forEach((d) =>
      expect((d.score.evidence as DetectionEvidence).model).toBeUndefined(),
    );
    (second!.payload as Detection[]).forEach((d) =>
      expect((d.score.evidence as DetectionEvidence).model?.reconstructionError).toBeGreaterThan(0),
    );
    expect(statusCalls('d1').pop()).toMatchObject({
      fill: 'yellow',
      text: expect.stringMatching(/status.fallbacks/),
    });
  });

  it('close deregisters (flushing queued readings) and the config node releases the session', async () => {
    await helper.load([detectNode, modelNode], flow('fleet-ae', { id: 'd1' }));
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const model = await node.ready();
    const d1 = helper.getNode('d1');
    const out = collect(1);
    d1.receive({ payload: readings('env-1', 1, 7)[0] });
    await out;
    expect(node.users).toEqual(new Set(['d1']));
    const deregister = jest.spyOn(node, 'deregister');
    const release = jest.spyOn(model, 'release');
    await helper.unload();
    expect(deregister).toHaveBeenCalledTimes(1);
    expect(node.users.size).toBe(0);
    expect(release).toHaveBeenCalledTimes(1);
  });
});
