import helper from 'node-red-node-test-helper';
import { lucidMetrics } from '../../src/lib/api/lucid-metrics';
import ingestNode = require('../../src/nodes/lucid-ingest/lucid-ingest');
import detectNode = require('../../src/nodes/lucid-detect/lucid-detect');
import explainNode = require('../../src/nodes/lucid-explain/lucid-explain');
import routeNode = require('../../src/nodes/lucid-route/lucid-route');

helper.init(require.resolve('node-red'));

/** Observation count of `lucid_stage_seconds` per stage label. */
async function stageCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const v of (await lucidMetrics().stageSeconds.get()).values) {
    if (v.metricName === 'lucid_stage_seconds_count') counts[String(v.labels.stage)] = v.value;
  }
  return counts;
}

describe('lucid_stage_seconds', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('observes every message once per stage, at done()', async () => {
    await helper.load(
      [ingestNode, detectNode, explainNode, routeNode],
      [
        { id: 'tab1', type: 'tab' },
        { id: 'i1', z: 'tab1', type: 'lucid-ingest', wires: [['d1'], []] },
        { id: 'd1', z: 'tab1', type: 'lucid-detect', outputMode: 'all', contextStore: '', wires: [['e1']] },
        { id: 'e1', z: 'tab1', type: 'lucid-explain', wires: [['r1']] },
        { id: 'r1', z: 'tab1', type: 'lucid-route', wires: [[], [], ['end']] },
        { id: 'end', z: 'tab1', type: 'helper' },
      ],
    );
    const before = await stageCounts();
    const explained: unknown[] = [];
    helper.getNode('e1').on('input', (m: unknown) => explained.push(m));
    const t0 = Date.now() - 60_000;
    const readings = Array.from({ length: 5 }, (_, i) => ({
      deviceId: 'dev-1',
      tsMs: t0 + i * 1000,
      metrics: { temperature: 20 + (i % 2) },
    }));
    for (const payload of readings) helper.getNode('i1').receive({ payload });
    const deadline = Date.now() + 10_000;
    let after = await stageCounts();
    while ((after.route ?? 0) - (before.route ?? 0) < readings.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      after = await stageCounts();
    }
    for (const stage of ['ingest', 'detect', 'explain', 'route']) {
      expect({ stage, observed: (after[stage] ?? 0) - (before[stage] ?? 0) }).toEqual({
        stage,
        observed: readings.length,
      });
    }
    expect(explained).toHaveLength(readings.length);
  });
});
