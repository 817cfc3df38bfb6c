import helper from 'node-red-node-test-helper';
import detectNode = require('../../src/nodes/lucid-detect/lucid-detect');
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import type { DetectionEvidence, Detection, Reading } from '../../src/lib/contracts/types';
import { CLOCK_STATE_KEY, STATE_KEY } from '../../src/nodes/lucid-detect/detect-node-config';
import { FleetSimulator } from '../../src/lib/simulate/fleet-simulator';
import { resolveDetectConfig } from '../../src/lib/detect/detect-config';
import { StreamingDetector } from '../../src/lib/detect/streaming-detector';
import { FleetRegistry, type FleetDefinition } from '../../src/lib/fleet/fleet-registry';
import { MINUTE, T0, noisy } from '../lib/detect/fixtures';
import { detectorRegistry } from '../../src/lib/score/detector-registry';
import { ScoreService } from '../../src/lib/score/score-service';

helper.init(require.resolve('node-red'));

function flow(
  config: Record<string, unknown> = {},
  extra: Record<string, unknown>[] = [],
): Record<string, unknown>[] {
  return [
    { id: 'tab1', type: 'tab', label: 'test' },
    {
      id: 'd1',
      z: 'tab1',
      type: 'lucid-detect',
      sensitivity: 0.5,
      warmupReadings: 30,
      windowSize: 64,
      rateWindowMs: 300000,
      stuckMinDurationMs: '',
      outputMode: 'all',
      contextStore: '',
      saveIntervalS: 60,
      wires: [['o1']],
      ...config,
    },
    { id: 'o1', z: 'tab1', type: 'helper' },
    ...extra,
  ];
}

interface Out {
  payload: Detection | Detection[];
}

function nextOutput(): Promise<Out> {
  return new Promise((resolve) => helper.getNode('o1').once('input', (m: Out) => resolve(m)));
}

/** The error given to done(err) for the next message, or undefined after a short wait. */
function doneError(): Promise<Error | undefined> {
  const node = helper.getNode('d1');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 300);
    node.on('call:error', (call: { args: unknown[] }) => {
      if (!(call.args[0] instanceof Error) || call.args[1] === undefined) return;
      clearTimeout(timer);
      resolve(call.args[0]);
    });
  });
}

const flush = () => new Promise((r) => setTimeout(r, 20));

describe('lucid-detect node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('scores a batch into a batch of detections, one per reading in order, and flags a spike', async () => {
    await helper.load(detectNode, flow());
    const readings = noisy(60);
    readings.push({ deviceId: 'dev-1', tsMs: T0 + 60 * MINUTE, metrics: { temperature: 45 } });
    const out = nextOutput();
    helper.getNode('d1').receive({ payload: readings });
    const { payload } = await out;
    expect(Array.isArray(payload)).toBe(true);
    const detections = payload as Detection[];
    expect(detections).toHaveLength(61);
    detections.forEach((d, i) => expect(d.reading).toEqual(readings[i]));
    expect((detections[0].score.evidence as DetectionEvidence).warmingUp).toBe(true);
    expect(detections[60].score.isAnomaly).toBe(true);
    expect(detections.slice(0, 60).some((d) => d.score.isAnomaly)).toBe(false);
  });

  it('fits the joint-state detector on Joint fit readings and flags a broken relation with an episode', async () => {
    await helper.load(detectNode, flow({ jointFitReadings: '80' }));
    const g = noisy(200, { sd: 1, seed: 5 });
    const readings: Reading[] = g.map((r, i) => {
      const flow = r.metrics.temperature;
      // current follows flow; from reading 150 it departs by 0.5 while staying in its own range
      const current = 0.5 * flow + 0.01 * Math.sin(i * 1.7) + (i >= 150 ? 0.5 : 0);
      return { deviceId: 'pump-1', tsMs: r.tsMs, metrics: { flow, current } };
    });
    const out = nextOutput();
    helper.getNode('d1').receive({ payload: readings });
    const detections = (await out).payload as Detection[];
    expect((detections[79].score.evidence as DetectionEvidence).joint).toBeUndefined();
    expect((detections[80].score.evidence as DetectionEvidence).joint?.fitReadings).toBe(80);
    expect(detections.slice(80, 150).filter((d) => d.score.episode?.active).length).toBeLessThan(5);
    expect(detections.slice(152).every((d) => d.score.episode?.active)).toBe(true);
    expect(detections.slice(150).filter((d) => d.score.isAnomaly).length).toBeLessThanOrEqual(2);
  });

  it('sends a single detection for a single reading, and only anomalies in "anomalies" mode', async () => {
    await helper.load(detectNode, flow({ outputMode: 'anomalies' }));
    const got: Out[] = [];
    helper.getNode('o1').on('input', (m: Out) => got.push(m));
    const d1 = helper.getNode('d1');
    d1.receive({ payload: noisy(40) });
    d1.receive({ payload: { deviceId: 'dev-1', tsMs: T0 + 40 * MINUTE, metrics: { temperature: 20.1 } } });
    d1.receive({ payload: { deviceId: 'dev-1', tsMs: T0 + 41 * MINUTE, metrics: { temperature: 60 } } });
    await flush();
    expect(got).toHaveLength(1);
    expect(Array.isArray(got[0].payload)).toBe(false);
    expect((got[0].payload as Detection).score.isAnomaly).toBe(true);
  });

  it('applies msg.adaptation without forwarding it', async () => {
    await helper.load(detectNode, flow());
    const got: Out[] = [];
    helper.getNode('o1').on('input', (m: Out) => got.push(m));
    const d1 = helper.getNode('d1');
    d1.receive({ payload: noisy(60) });
    d1.receive({
      adaptation: {
        id: 'a1',
        kind: 'threshold',
        deviceId: 'dev-1',
        value: 0.6,
        createdBy: 'op',
        reason: 'fp',
        tsMs: 0,
      },
    });
    d1.receive({ payload: { deviceId: 'dev-1', tsMs: T0 + 60 * MINUTE, metrics: { temperature: 45 } } });
    await flush();
    expect(got).toHaveLength(2);
    expect((got[1].payload as Detection).score.isAnomaly).toBe(false);
  });

  it.each([
    { name: 'sensitivity out of range', config: { sensitivity: 5 }, text: /sensitivity/ },
    { name: 'window too small', config: { windowSize: 2 }, text: /windowSize/ },
    { name: 'missing fleet node', config: { fleet: 'nope' }, text: /fleet/ },
    { name: 'bad output mode', config: { outputMode: 'some' }, text: /outputMode/ },
  ])('bad config ($name): red status, input answered with an error, no crash', async ({ config, text }) => {
    await helper.load(detectNode, flow(config));
    const d1 = helper.getNode('d1');
    const calls = (
      d1.status as unknown as {
        getCalls(): { thisValue: unknown; args: { fill?: string; text?: string }[] }[];
      }
    ).getCalls();
    const red = calls.filter((c) => c.thisValue === d1 && c.args[0]?.fill === 'red');
    expect(red.length).toBeGreaterThan(0);
    expect(red[0].args[0].text).toMatch(text);
    const errPromise = doneError();
    d1.receive({ payload: noisy(1)[0] });
    const err = await errPromise;
    expect(err?.message).toMatch(text);
  });

  it.each([
    { name: 'a string', payload: 'hello', code: 'invalid_reading' },
    { name: 'null', payload: null, code: 'invalid_reading' },
    {
      name: 'NaN value',
      payload: { deviceId: 'dev-1', tsMs: T0, metrics: { temperature: NaN } },
      code: 'non_finite_value',
    },
    {
      name: 'number as string',
      payload: { deviceId: 'dev-1', tsMs: T0, metrics: { temperature: '21' } },
      code: 'non_finite_value',
    },
    {
      name: 'batch with one bad reading',
      payload: [...noisy(2), { deviceId: '', tsMs: T0, metrics: { t: 1 } }],
      code: 'invalid_device_id',
    },
  ])(
    'garbage input ($name) goes to done(err) with an InputError and the node keeps running',
    async ({ payload, code }) => {
      await helper.load(detectNode, flow());
      const d1 = helper.getNode('d1');
      const errPromise = doneError();
      d1.receive({ payload });
      const err = (await errPromise) as Error & { code?: string };
      expect(err?.name).toBe('InputError');
      expect(err?.code).toBe(code);
      const out = nextOutput();
      d1.receive({ payload: noisy(1)[0] });
      expect(((await out).payload as Detection).reading.deviceId).toBe('dev-1');
    },
  );

  describe('with a configured context store (Node-RED drops node context on close when none is configured)', () => {
    // The helper never runs the context module's load(), so configured stores are loaded here, after helper.load.
    const contextModule = require(
      require.resolve('@node-red/runtime/lib/nodes/context', { paths: [require.resolve('node-red')] }),
    ) as {
      load(): Promise<void>;
      get(nodeId: string, flowId: string): { set(key: string, value: unknown): void };
    };
    const loadWithStore = async (f: Record<string, unknown>[]) => {
      helper.settings({ contextStorage: { default: { module: 'memory' } } });
      await helper.load(detectNode, f);
      await contextModule.load();
    };
    afterEach(() => helper.settings({ contextStorage: undefined }));

    it('restores the learned state from context across a redeploy (no second warm-up)', async () => {
      const f = flow({ saveIntervalS: 0 });
      await loadWithStore(f);
      const first = nextOutput();
      helper.getNode('d1').receive({ payload: noisy(40) });
      await first;
      await helper.setFlows(
        f.map((n) => (n.id === 'd1' ? { ...n, name: 'changed' } : n)),
        'full',
      );
      const d1 = helper.getNode('d1');
      const saved = d1.context().get(STATE_KEY) as { series: unknown[] };
      expect(saved.series).toHaveLength(1);
      const out = nextOutput();
      d1.receive({
        payload: { deviceId: 'dev-1', tsMs: T0 + 40 * MINUTE, metrics: { temperature: 20.2 } } as Reading,
      });
      const det = (await out).payload as Detection;
      expect((det.score.evidence as DetectionEvidence).warmingUp).toBe(false);
      expect((det.score.evidence as DetectionEvidence).metrics.temperature.baseline.count).toBe(40);
    });

    /** The incident-free simulated fleet from T0, `ticks` ticks of 10 s, as one batch. */
    const fleetBatch = (ticks: number): Reading[] => {
      const sim = new FleetSimulator({ seed: 42, intervalMs: 10_000, startTsMs: T0, incidents: false });
      return Array.from({ length: ticks }, () => sim.next().readings.map((r) => r.reading)).flat();
    };
    const detectAll = async (readings: Reading[]): Promise<Detection[]> => {
      const out = nextOutput();
      helper.getNode('d1').receive({ payload: readings });
      return (await out).payload as Detection[];
    };

    it.each([
      ['with the device clocks saved', false],
      ['from state saved before the clock guard existed (no device clocks)', true],
    ])(
      'a full Deploy whose source restarts its clock 2.5 h back raises no anomaly: each device re-warms (%s)',
      async (_name, dropClocks) => {
        const fleetJson = JSON.stringify(new FleetSimulator({ intervalMs: 10_000 }).fleetDefinition());
        const f = flow({ saveIntervalS: 0, fleet: 'f1' }, [
          { id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson },
        ]);
        helper.settings({ contextStorage: { default: { module: 'memory' } } });
        if (dropClocks) {
          // Only the detector's snapshot in context, as an earlier version saved it.
          await helper.load([detectNode, fleetNode], [{ id: 'tab1', type: 'tab', label: 'test' }]);
          await contextModule.load();
          const fleet = new FleetRegistry(JSON.parse(fleetJson) as FleetDefinition);
          const detector = new StreamingDetector(resolveDetectConfig({}), fleet);
          expect(detector.detectBatch(fleetBatch(900)).filter((sc) => sc.isAnomaly)).toEqual([]);
          contextModule.get('d1', 'tab1').set(STATE_KEY, detector.snapshot());
        } else {
          await helper.load([detectNode, fleetNode], f);
          await contextModule.load();
          const before = await detectAll(fleetBatch(900));
          expect(before.filter((d) => d.score.isAnomaly)).toEqual([]);
        }
        await helper.setFlows(f, 'full');
        const after = await detectAll(fleetBatch(300));
        expect(after.filter((d) => d.score.isAnomaly).map((d) => d.reading.deviceId)).toEqual([]);
        const first = after[0].score.evidence as DetectionEvidence;
        expect(first.clockJump).toMatchObject({ kind: 'backward', rewarmReadingsLeft: 29 });
        expect((after[12 * 30].score.evidence as DetectionEvidence).clockJump).toBeUndefined();
        await helper.getNode('d1').close(false);
        const clocks = helper.getNode('d1').context().get(CLOCK_STATE_KEY) as { devices: unknown[] };
        expect(clocks.devices).toHaveLength(12);
      },
    );

    it('saves periodically while running', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        await helper.load(detectNode, flow({ saveIntervalS: 5 }));
        const d1 = helper.getNode('d1');
        const out = nextOutput();
        d1.receive({ payload: noisy(3) });
        jest.advanceTimersByTime(10);
        await out;
        expect(d1.context().get(STATE_KEY)).toBeUndefined();
        jest.advanceTimersByTime(5000);
        expect((d1.context().get(STATE_KEY) as { series: unknown[] }).series).toHaveLength(1);
      } finally {
        jest.useRealTimers();
      }
    });

    it('close clears the save timer and saves the state', async () => {
      await loadWithStore(flow({ saveIntervalS: 3600 }));
      const d1 = helper.getNode('d1');
      const out = nextOutput();
      d1.receive({ payload: noisy(5) });
      await out;
      const clear = jest.spyOn(global, 'clearInterval');
      await d1.close(false);
      expect(clear).toHaveBeenCalled();
      clear.mockRestore();
      expect((d1.context().get(STATE_KEY) as { series: { n: number }[] }).series[0].n).toBe(5);
    });
  });

  it('uses a lucid-fleet config node for units and physical ranges', async () => {
    const fleetJson = JSON.stringify({
      devices: [{ deviceId: 'dev-1', metrics: { temperature: { unit: '°C', min: -40, max: 85 } } }],
    });
    await helper.load(
      [detectNode, fleetNode],
      flow({ fleet: 'f1' }, [{ id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson }]),
    );
    const out = nextOutput();
    helper.getNode('d1').receive({ payload: { deviceId: 'dev-1', tsMs: T0, metrics: { temperature: 120 } } });
    const det = (await out).payload as Detection;
    const m = (det.score.evidence as DetectionEvidence).metrics.temperature;
    expect(m.unit).toBe('°C');
    expect(m.kind).toBe('range');
    expect(det.score.isAnomaly).toBe(true);
  });

  it('registers its live state for the scoring API while it runs, and scoring does not change it', async () => {
    await helper.load(detectNode, flow({ name: 'line-1 detect' }));
    const d1 = helper.getNode('d1');
    const out = nextOutput();
    d1.receive({ payload: noisy(60) });
    await out;
    const owner = detectorRegistry().bankFor('dev-1');
    expect(owner?.bank).toMatchObject({ id: 'd1', name: 'line-1 detect' });
    const next = { deviceId: 'dev-1', tsMs: T0 + 60 * MINUTE, metrics: { temperature: 20.2 } };
    const scored = new ScoreService(detectorRegistry(), { nowMs: () => next.tsMs }).score(next);
    expect(scored.detectorNode).toBe('line-1 detect');
    // The flow then receives the same reading: it scores it from the same (unchanged) state.
    const flowOut = nextOutput();
    d1.receive({ payload: next });
    const det = (await flowOut).payload as Detection;
    expect(det.score.score).toBeCloseTo(scored.anomaly_score, 12);
    expect(det.score.contributions).toEqual(scored.contributions);
    await helper.unload();
    expect(detectorRegistry().bankFor('dev-1')).toBeUndefined();
  });
});
