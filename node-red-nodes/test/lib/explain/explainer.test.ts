import { InputError, ConfigError } from '../../../src/lib/contracts/errors';
import type { Detection, MetricEvidence } from '../../../src/lib/contracts/types';
import { Explainer } from '../../../src/lib/explain/explainer';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { detection, envMetrics, fleet, MIN, moved, normal, T0 } from './fixtures';

const rate = (from: number, to: number, durationMin: number, usualRatePerMin: number) => ({
  fromValue: from,
  toValue: to,
  fromTsMs: T0 - durationMin * MIN,
  durationMs: durationMin * MIN,
  ratePerMin: (to - from) / durationMin,
  usualRatePerMin,
});

/** The spike of the issue: 23.1 → 41.3 °C in 5 min, usual rate 0.6 °C/min. */
function temperatureSpike(deviceId: string, tsMs: number): Detection {
  const ev = moved('temperature', 23.1, 41.3, {
    kind: 'rate',
    halfBand: 0.5,
    anomalousSinceTsMs: tsMs - MIN,
    change: { ...rate(23.1, 41.3, 5, 0.6), fromTsMs: tsMs - 5 * MIN },
  });
  return detection(deviceId, tsMs, envMetrics([ev]));
}

describe('Explainer: summaries (exact words for fixture evidence)', () => {
  const cases: {
    name: string;
    d: () => Detection;
    registry?: FleetRegistry;
    type: string;
    title: string;
    summary: string;
  }[] = [
    {
      name: 'temperature spike (°C)',
      d: () => temperatureSpike('dev-007', T0),
      type: 'spike',
      title: 'Temperature spike on dev-007 (zone B)',
      summary: 'Temperature rose 18.2 °C in 5 min (from 23.1 to 41.3 °C), 6.1× its usual rate of change.',
    },
    {
      name: 'humidity drop (%), no change evidence',
      d: () => detection('dev-007', T0, envMetrics([moved('humidity', 45, 31.5, { halfBand: 4 })])),
      type: 'drop',
      title: 'Humidity drop on dev-007 (zone B)',
      summary:
        'Humidity is 31.5%, 13.5 percentage points below the expected 45.0% (usual range 41.0 to 49.0%).',
    },
    {
      name: 'supply voltage level shift (V)',
      d: () =>
        detection(
          'dev-008',
          T0,
          envMetrics([
            moved('supplyVoltage', 24, 20.5, {
              halfBand: 0.2,
              anomalousSinceTsMs: T0 - 25 * MIN,
              change: rate(20.6, 20.5, 5, 0.05),
            }),
          ]),
        ),
      type: 'level_shift',
      title: 'Supply voltage level shift on dev-008 (zone B)',
      summary:
        'Supply voltage fell 0.1 V in 5 min (from 20.6 to 20.5 V). It has stayed below the expected 24.0 V for 25 min.',
    },
    {
      name: 'temperature drift',
      d: () =>
        detection(
          'dev-009',
          T0,
          envMetrics([
            moved('temperature', 23, 27.5, {
              halfBand: 1,
              anomalousSinceTsMs: T0 - 20 * MIN,
              change: rate(26.5, 27.5, 5, 0.08),
            }),
          ]),
        ),
      type: 'drift',
      title: 'Temperature drift on dev-009 (zone B)',
      summary:
        'Temperature rose 1.0 °C in 5 min (from 26.5 to 27.5 °C), 2.5× its usual rate of change. It has been drifting up for 20 min and is 4.5 °C above the expected 23.0 °C.',
    },
    {
      name: 'unknown unit: values without a unit, label from the metric name',
      d: () =>
        detection('dev-x', T0, [
          moved('flow_rate', 120, 60, { halfBand: 10, kind: 'rate', change: rate(118, 60, 2, 3) }),
          normal('pressure', 2),
        ]),
      type: 'drop',
      title: 'Flow rate drop on dev-x',
      summary: 'Flow rate fell 58 in 2 min (from 118 to 60), 9.7× its usual rate of change.',
    },
    {
      name: 'stuck sensor',
      d: () =>
        detection(
          'dev-007',
          T0,
          envMetrics([
            moved('temperature', 23, 22.4, {
              kind: 'stuck',
              score: 0.85,
              stuck: { sinceTsMs: T0 - 3 * 3600_000, durationMs: 3 * 3600_000, value: 22.4 },
            }),
          ]),
        ),
      type: 'stuck_sensor',
      title: 'Temperature sensor stuck on dev-007 (zone B)',
      summary: 'Temperature has been stuck at 22.4 °C for 3 h, while it usually varies by about ±0.33 °C.',
    },
    {
      name: 'out of range (fleet maximum)',
      d: () =>
        detection('dev-007', T0, envMetrics([moved('temperature', 23, 150, { kind: 'range', score: 1 })])),
      type: 'out_of_range',
      title: 'Temperature out of range on dev-007 (zone B)',
      summary: 'Temperature reads 150 °C, above its physical maximum of 125 °C.',
    },
    {
      name: 'connectivity gap',
      d: () =>
        detection('dev-020', T0, [], {
          gap: { silentForMs: 12 * MIN, expectedIntervalMs: MIN, lastSeenTsMs: T0 - 12 * MIN },
        }),
      type: 'connectivity_loss',
      title: 'Connectivity lost on dev-020 (zone C)',
      summary:
        'dev-020 sent no data for 12 min (expected a reading every 1 min); last reading at 2024-01-15 11:48:00 UTC.',
    },
  ];

  it.each(cases)('$name', ({ d, type, title, summary }) => {
    const explainer = new Explainer({ registry: fleet() });
    const e = explainer.explain(d());
    expect({ type: e.type, title: e.title, summary: e.summary }).toEqual({ type, title, summary });
    expect(e.playbook).toBe('default@1.1.0');
    expect(e.actions.length).toBeGreaterThan(0);
    expect(e.causes.length).toBeGreaterThan(0);
    const sum = e.causes.reduce((s, c) => s + c.confidence, 0);
    expect(sum).toBeLessThanOrEqual(1);
    for (const c of e.causes) expect(c.evidence.length).toBeGreaterThan(0);
  });

  it('is deterministic: the same evidence gives the same words', () => {
    const a = new Explainer({ registry: fleet() }).explain(temperatureSpike('dev-007', T0));
    const b = new Explainer({ registry: fleet() }).explain(temperatureSpike('dev-007', T0));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('takes units and labels from the fleet, not from the evidence', () => {
    const ev = moved('temperature', 23.1, 41.3, {
      unit: 'K',
      kind: 'rate',
      change: rate(23.1, 41.3, 5, 0.6),
    });
    const e = new Explainer({ registry: fleet() }).explain(detection('dev-007', T0, envMetrics([ev])));
    expect(e.summary).toContain('41.3 °C');
    expect(e.summary).not.toContain('K');
    const noFleet = new Explainer().explain(detection('dev-007', T0, envMetrics([ev])));
    expect(noFleet.summary).toContain('41.3 K');
  });

  it('breaks a near-tie in contributions with the playbook primaryOrder (temperature before the humidity it pushes down)', () => {
    const d = detection(
      'dev-007',
      T0,
      envMetrics([
        moved('humidity', 50, 21, { score: 1, halfBand: 2 }),
        moved('temperature', 18, 38, { score: 1, halfBand: 2 }),
      ]),
    );
    d.score.contributions = { humidity: 0.54, temperature: 0.46 };
    expect(new Explainer({ registry: fleet() }).explain(d).metric).toBe('temperature');
    d.score.contributions = { humidity: 0.7, temperature: 0.3 };
    expect(new Explainer({ registry: fleet() }).explain(d).metric).toBe('humidity');
  });

  it('names the top-contribution metric', () => {
    const d = detection(
      'dev-007',
      T0,
      envMetrics([moved('humidity', 45, 60, { score: 0.7 }), moved('temperature', 23, 30, { score: 0.95 })]),
    );
    expect(new Explainer({ registry: fleet() }).explain(d).metric).toBe('temperature');
  });
});

describe('Explainer: probable causes', () => {
  const top = (d: Detection, ex = new Explainer({ registry: fleet() })) => ex.explain(d).causes;

  it('ranks sensor fault first for a stuck value with everything else normal', () => {
    const causes = top(
      detection(
        'dev-007',
        T0,
        envMetrics([
          moved('temperature', 23, 22.4, {
            kind: 'stuck',
            stuck: { sinceTsMs: T0 - 2 * 3600_000, durationMs: 2 * 3600_000, value: 22.4 },
          }),
        ]),
      ),
    );
    expect(causes[0]).toMatchObject({ family: 'sensor_fault', id: 'sensor_fault' });
    expect(causes[0].evidence[0]).toBe(
      'Temperature has not changed for 2 h, which a live sensor rarely does.',
    );
    expect(causes[0].confidence).toBeGreaterThan(0.5);
  });

  it('does not call a fast jump of one metric a faulty sensor without positive evidence', () => {
    const ev = moved('temperature', 23, 80, { kind: 'rate', change: rate(23, 80, 1, 0.5) });
    const causes = top(detection('dev-007', T0, envMetrics([ev])));
    expect(causes.map((c) => c.family)).not.toContain('sensor_fault');
  });

  it('names a faulty sensor when a redundant sensor of the same quantity disagrees', () => {
    const playbooks = {
      '*': {
        id: 'twin',
        version: '1.0.0',
        extends: 'default',
        actions: {},
        redundant: [['temperature', 'temperature2']],
      },
    };
    const explainer = new Explainer({ registry: fleet(), playbooks });
    const ev = moved('temperature', 23, 35, { kind: 'level', halfBand: 0.5 });
    const twin = normal('temperature2', 23, 0.5);
    const e = explainer.explain(detection('dev-007', T0, envMetrics([ev, twin])));
    expect(e.causes[0]).toMatchObject({ family: 'sensor_fault' });
    expect(e.causes[0].evidence[0]).toMatch(/^Temperature2, which measures the same quantity, stayed at 23/);
    // Without the redundant partner there is no positive evidence.
    const alone = new Explainer({ registry: fleet(), playbooks }).explain(
      detection('dev-007', T0, envMetrics([ev])),
    );
    expect(alone.causes.map((c) => c.family)).not.toContain('sensor_fault');
  });

  it('does not blame the sensor for a fast jump a linked metric followed, though that metric scored low', () => {
    // A streaming detector flags each metric's onset separately: at the temperature alert the
    // humidity it pushes down is 20 robust σ away (σ 0.4 %) but still inside its wide band (±10 %).
    const humidity: MetricEvidence = {
      ...normal('humidity', 45, 10),
      value: 37,
      score: 0.36,
      direction: 'down',
      baseline: { median: 45, mad: 0.4 / 1.4826, count: 200 },
    };
    const ev = moved('temperature', 23, 35, { kind: 'rate', change: rate(23, 35, 1, 0.5) });
    const causes = top(detection('dev-007', T0, envMetrics([ev, humidity])));
    expect(causes[0].id).toBe('default.heat_transient');
    expect(causes[0].evidence).toContain('Humidity fell to 37% (expected 45%).');
    expect(causes.map((c) => c.family)).not.toContain('sensor_fault');
  });

  it('does not count a metric alone as a faulty sensor (a single metric can move for a real reason)', () => {
    const ev = moved('vibration', 2, 3.5, {
      halfBand: 0.2,
      anomalousSinceTsMs: T0 - 30 * MIN,
      change: rate(3.45, 3.5, 5, 0.05),
    });
    const causes = top(detection('dev-007', T0, envMetrics([ev])));
    expect(causes.map((c) => c.family)).not.toContain('sensor_fault');
    expect(causes[0].family).toBe('process_anomaly');
  });

  it('keeps the environment first when neighbours moved, even with a matching local rule and a co-moving metric', () => {
    const ex = new Explainer({ registry: fleet() });
    const warm = (id: string, ts: number) =>
      detection(
        id,
        ts,
        envMetrics([
          moved('temperature', 23, 29, {
            halfBand: 1,
            anomalousSinceTsMs: ts - 2 * MIN,
            change: { ...rate(27, 29, 5, 0.3), fromTsMs: ts - 5 * MIN },
          }),
          moved('humidity', 45, 36, { halfBand: 10, score: 0.2, kind: null }),
        ]),
      );
    ex.explain(warm('dev-008', T0 - MIN));
    const e = ex.explain(warm('dev-007', T0));
    expect(e.type).toBe('correlated_event');
    expect(e.causes[0].family).toBe('environment');
    expect(e.causes.map((c) => c.family)).not.toContain('sensor_fault');
  });

  it('ranks environment first when neighbours in the zone show the same rise', () => {
    const ex = new Explainer({ registry: fleet() });
    const slow = (id: string, ts: number) =>
      detection(
        id,
        ts,
        envMetrics([
          moved('temperature', 23, 29, {
            halfBand: 1,
            anomalousSinceTsMs: ts - 2 * MIN,
            change: { ...rate(27, 29, 5, 0.3), fromTsMs: ts - 5 * MIN },
          }),
        ]),
      );
    ex.explain(slow('dev-008', T0 - 2 * MIN));
    ex.explain(slow('dev-009', T0 - MIN));
    const e = ex.explain(slow('dev-007', T0));
    expect(e.type).toBe('correlated_event');
    expect(e.causes[0].family).toBe('environment');
    expect(e.causes[0].evidence[0]).toBe(
      '2 nearby devices in zone B show the same Temperature rise (dev-009, dev-008).',
    );
    expect(e.related.map((r) => r.deviceId)).toEqual(['dev-009', 'dev-008']);
    expect(e.insight).toBe('Similar pattern on 2 nearby sensors in zone B: possible localized overheating.');
    expect(e.title).toBe('Temperature rise across zone B (3 devices)');
  });

  it('ranks connectivity/power first when supply voltage and RSSI move with the anomaly', () => {
    const d = detection(
      'dev-007',
      T0,
      envMetrics([
        moved('rssi', -65, -92, { halfBand: 4, score: 0.95 }),
        moved('supplyVoltage', 24, 20.1, { halfBand: 0.2, score: 0.8 }),
      ]),
    );
    const causes = top(d);
    expect(causes[0].family).toBe('connectivity_power');
    expect(causes.map((c) => c.family)).not.toContain('sensor_fault');
  });

  it('ranks connectivity first for a gap', () => {
    const causes = top(
      detection('dev-020', T0, [], {
        gap: { silentForMs: 12 * MIN, expectedIntervalMs: MIN, lastSeenTsMs: T0 - 12 * MIN },
      }),
    );
    expect(causes[0]).toMatchObject({
      family: 'connectivity_power',
      evidence: ['No data for 12 min (expected a reading every 1 min).'],
    });
  });

  it('prefers a process anomaly when a sustained change is confirmed by other metrics', () => {
    const d = detection('dev-x', T0, [
      moved('flow', 100, 70, {
        halfBand: 5,
        anomalousSinceTsMs: T0 - 30 * MIN,
        change: rate(70.5, 70, 5, 0.5),
      }),
      moved('pressure', 3, 2.2, { halfBand: 0.1, score: 0.7 }),
      normal('temp', 40),
    ]);
    const causes = top(d);
    expect(causes[0].family).toBe('process_anomaly');
    expect(causes[0].evidence).toContain('Pressure fell to 2.2 (expected 3.0).');
  });

  it('keeps confidences in 0..1, summing to less than 1, sorted', () => {
    for (const d of [
      temperatureSpike('dev-007', T0),
      detection('dev-007', T0, envMetrics([moved('battery', 3.6, 3.1, { halfBand: 0.02 })])),
    ]) {
      const causes = top(d);
      const sum = causes.reduce((s, c) => s + c.confidence, 0);
      expect(sum).toBeLessThan(1);
      causes.forEach((c, i) => {
        expect(c.confidence).toBeGreaterThanOrEqual(0);
        if (i > 0) expect(c.confidence).toBeLessThanOrEqual(causes[i - 1].confidence);
      });
    }
  });
});

describe('Explainer: related devices and the correlation window', () => {
  it('relates same-zone devices within the window and forgets them after it (event time)', () => {
    const ex = new Explainer({ registry: fleet(), correlationWindowMs: 10 * MIN });
    ex.explain(temperatureSpike('dev-008', T0));
    const inside = ex.explain(temperatureSpike('dev-007', T0 + 9 * MIN));
    // 0.5 · same direction + 0.3 · (1 - 9/10 of the window) + 0.2 · equal magnitude
    expect(inside.related).toEqual([{ deviceId: 'dev-008', relation: 'same zone', similarity: 0.73 }]);
    const after = ex.explain(temperatureSpike('dev-009', T0 + 21 * MIN));
    expect(after.related.map((r) => r.deviceId)).toEqual([]);
    expect(after.type).toBe('spike');
  });

  it('does not relate other zones, other sites or other metrics; relates the same line', () => {
    const ex = new Explainer({ registry: fleet() });
    ex.explain(temperatureSpike('dev-030', T0)); // plant-2, zone B
    ex.explain(detection('dev-008', T0, envMetrics([moved('humidity', 45, 70)]))); // other metric
    expect(ex.explain(temperatureSpike('dev-007', T0 + MIN)).related.map((r) => r.deviceId)).toEqual([]);
    const line = ex.explain(temperatureSpike('dev-020', T0 + 2 * MIN)); // zone C, line-2 like dev-007
    expect(line.related).toEqual([expect.objectContaining({ deviceId: 'dev-007', relation: 'same line' })]);
    expect(line.insight).toBe(
      'Similar pattern on 1 nearby sensor in line-2: possible localized overheating.',
    );
  });

  it('does not relate devices moving the opposite way', () => {
    const ex = new Explainer({ registry: fleet() });
    ex.explain(detection('dev-008', T0, envMetrics([moved('temperature', 23, 10)])));
    expect(ex.explain(temperatureSpike('dev-007', T0 + MIN)).related).toEqual([]);
  });

  it('uses reading.site and tags.zone for devices the fleet does not declare', () => {
    const ex = new Explainer();
    const tagged = (id: string, ts: number) => {
      const d = temperatureSpike(id, ts);
      d.reading.site = 's1';
      d.reading.tags = { zone: 'B' };
      return d;
    };
    ex.explain(tagged('a', T0));
    const e = ex.explain(tagged('b', T0 + MIN));
    expect(e.related.map((r) => r.deviceId)).toEqual(['a']);
    expect(e.title).toBe('Temperature rise across zone B (2 devices)');
  });
});

describe('Explainer: batches, garbage and configuration', () => {
  it('adds explanations to anomalous items only, in order, without mutating the input', () => {
    const ex = new Explainer({ registry: fleet() });
    const normalOne = detection('dev-008', T0, envMetrics(), {}, false);
    const items = [normalOne, temperatureSpike('dev-007', T0)];
    const out = ex.process(items);
    expect(out[0]).toBe(normalOne);
    expect(out[0].explanation).toBeUndefined();
    expect(out[1].explanation?.type).toBe('spike');
    expect(items[1].explanation).toBeUndefined();
  });

  it.each([
    ['null', null, 'payload[0]: expected a Detection object'],
    ['a number', 42, 'payload[0]: expected a Detection object'],
    ['no reading', { score: { isAnomaly: true } }, 'payload[0].reading: expected an object'],
    [
      'no deviceId',
      { reading: { tsMs: 1, metrics: {} }, score: { isAnomaly: true } },
      'payload[0].reading.deviceId',
    ],
    [
      'NaN time',
      { reading: { deviceId: 'a', tsMs: NaN, metrics: {} }, score: { isAnomaly: true } },
      'payload[0].reading.tsMs',
    ],
    [
      'isAnomaly missing',
      { reading: { deviceId: 'a', tsMs: 1, metrics: {} }, score: {} },
      'payload[0].score.isAnomaly',
    ],
  ])('rejects %s with an InputError naming the field', (_name, item, message) => {
    const ex = new Explainer();
    expect(() => ex.process([item])).toThrow(InputError);
    expect(() => ex.process([item])).toThrow(message);
  });

  it('explains a detection whose evidence is not the contract shape, from reading and expected band', () => {
    const d: Detection = {
      reading: { deviceId: 'dev-007', tsMs: T0, metrics: { temperature: 35 } },
      score: {
        deviceId: 'dev-007',
        tsMs: T0,
        score: 0.9,
        isAnomaly: true,
        detector: 'other',
        contributions: { temperature: 1 },
        expected: { temperature: { value: 23, lower: 22, upper: 24 } },
        evidence: 'opaque',
      },
    };
    const e = new Explainer({ registry: fleet() }).explain(d);
    expect(e.summary).toBe('Temperature is 35 °C, 12 °C above the expected 23 °C (usual range 22 to 24 °C).');
  });

  it('fails with no_metrics when an anomaly has nothing to explain', () => {
    const d = detection('dev-007', T0, []);
    expect(() => new Explainer().explain(d)).toThrow(expect.objectContaining({ code: 'no_metrics' }));
  });

  it.each([0, -1, NaN, Infinity])('rejects correlation window %p', (w) => {
    expect(() => new Explainer({ correlationWindowMs: w })).toThrow(ConfigError);
  });
});

describe('Explainer: evidence and episodes', () => {
  it('cites only significant deviations: a 0.015 V supply move is no evidence for mechanical wear', () => {
    const vibration = moved('vibration', 2, 3.4, { halfBand: 0.2, anomalousSinceTsMs: T0 - 20 * MIN });
    const supply: MetricEvidence = { ...normal('supplyVoltage', 24, 0.1), value: 24.015 };
    const e = new Explainer({ registry: fleet() }).explain(
      detection('dev-007', T0, envMetrics([vibration, supply])),
    );
    expect(e.causes[0].id).toBe('default.mechanical_wear');
    const lines = e.causes.flatMap((c) => c.evidence);
    expect(lines.some((l) => /Supply voltage/.test(l))).toBe(false);
    expect(lines).toContain('Vibration rose to 3.4 mm/s (expected 2.0 mm/s).');
  });

  it('re-explains the readings of an episode (ongoing), keeps its type, and calls the flagged return a recovery', () => {
    const ex = new Explainer({ registry: fleet() });
    const spike = ex.explain(temperatureSpike('dev-007', T0));
    expect([spike.type, spike.phase]).toEqual(['spike', 'onset']);
    // A normal reading 1 min later: the detector has widened its band, the value is still high.
    const still: MetricEvidence = { ...normal('temperature', 38, 20), value: 40 };
    const [ongoing] = ex.process([detection('dev-007', T0 + MIN, envMetrics([still]), {}, false)]);
    expect(ongoing.explanation).toMatchObject({ phase: 'ongoing', type: 'spike', metric: 'temperature' });
    // Compared with the level before the episode (23.1 °C), not the widened band.
    expect(ongoing.explanation?.summary).toMatch(/expected 23\.1 °C/);
    // The detector flags the fall back as a drop: a recovery, not a new anomaly.
    const back = moved('temperature', 38, 23.4, { kind: 'rate', halfBand: 2 });
    const [recovery] = ex.process([detection('dev-007', T0 + 3 * MIN, envMetrics([back]))]);
    expect(recovery.explanation?.phase).toBe('recovery');
    // Once back, normal readings are not explained any more.
    const [after] = ex.process([
      detection('dev-007', T0 + 4 * MIN, envMetrics([normal('temperature', 23.2, 0.5)]), {}, false),
    ]);
    expect(after.explanation).toBeUndefined();
  });
});
