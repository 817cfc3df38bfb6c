/**
 * The pump playbook's cause rules against symptom patterns written from centrifugal-pump
 * engineering (pump curve, affinity laws, troubleshooting charts): no recorded data involved.
 * Each case moves only the metrics the fault is known to move; the rest stay normal.
 */
import { Explainer } from '../../../src/lib/explain/explainer';
import { shippedPlaybooks } from '../../../src/lib/explain/playbook-library';
import { detection, fleet, moved, pumpMetrics, T0, MIN } from './fixtures';
import type { MetricEvidence } from '../../../src/lib/contracts/types';

/** A metric moved by `bands` band half-widths from its normal value (band from pumpMetrics). */
function shift(
  metric: string,
  bands: number,
  score = Math.min(1, 0.35 + 0.2 * Math.abs(bands)),
): MetricEvidence {
  const base = pumpMetrics().find((m) => m.metric === metric) as MetricEvidence;
  const halfBand = (base.expected.upper - base.expected.lower) / 2;
  return moved(metric, base.expected.value, base.expected.value + bands * halfBand, {
    halfBand,
    score,
    anomalousSinceTsMs: T0 - 3 * MIN,
  });
}

const FLOW = 'Volume Flow RateRMS';

const cases: { fault: string; moves: MetricEvidence[]; top: string }[] = [
  {
    fault: 'inlet valve closure: flow, pressure and current fall, vibration normal',
    moves: [shift(FLOW, -4), shift('Pressure', -3), shift('Current', -2)],
    top: 'pump.inlet_valve_closure',
  },
  {
    fault: 'cavitation: vibration rises strongly, flow and pressure fall',
    moves: [shift('Accelerometer1RMS', 5), shift(FLOW, -3), shift('Pressure', -2), shift('Current', -1)],
    top: 'pump.cavitation',
  },
  {
    fault: 'outlet valve closure: pressure rises, flow and current fall',
    moves: [shift('Pressure', 4), shift(FLOW, -4), shift('Current', -2)],
    top: 'pump.outlet_valve_closure',
  },
  {
    fault: 'rotor imbalance: one accelerometer rises, hydraulics unchanged',
    moves: [shift('Accelerometer2RMS', 4)],
    top: 'pump.rotor_imbalance',
  },
  {
    fault: 'rotor imbalance: both accelerometers rise',
    moves: [shift('Accelerometer1RMS', 3), shift('Accelerometer2RMS', 3)],
    top: 'pump.rotor_imbalance',
  },
  {
    fault: 'fluid leak: pressure and flow fall, current rises, vibration normal',
    moves: [shift('Pressure', -4), shift(FLOW, -2), shift('Current', 2)],
    top: 'pump.fluid_leak',
  },
  {
    fault: 'fluid addition: flow, pressure and current rise',
    moves: [shift(FLOW, 4), shift('Pressure', 3), shift('Current', 1.5)],
    top: 'pump.fluid_addition',
  },
  {
    fault: 'hot water supply: fluid temperature rises, motor slightly warmer',
    moves: [shift('Thermocouple', 5), shift('Temperature', 0.8)],
    top: 'pump.hot_water_supply',
  },
  {
    fault: 'motor overload: current and motor temperature rise',
    moves: [shift('Current', 4), shift('Temperature', 3)],
    top: 'pump.motor_overload',
  },
  {
    fault: 'supply voltage sag: voltage falls, current rises',
    moves: [shift('Voltage', -4), shift('Current', 1.5)],
    top: 'pump.supply_voltage',
  },
];

describe('pump playbook cause rules (engineering symptom patterns)', () => {
  it('is chosen for the pump device type and versioned', () => {
    const e = new Explainer({ registry: fleet() }).explain(
      detection('pump-1', T0, pumpMetrics([shift('Pressure', 4)])),
    );
    expect(e.playbook).toBe('pump@1.2.0');
  });

  it.each(cases)('$fault → $top', ({ moves, top }) => {
    const e = new Explainer({ registry: fleet() }).explain(detection('pump-1', T0, pumpMetrics(moves)));
    expect(e.causes[0].id).toBe(top);
    const rule = shippedPlaybooks().pump.causes?.find((c) => c.id === top);
    expect(e.causes[0].family).toBe(rule?.family);
    expect(e.causes[0].evidence[e.causes[0].evidence.length - 1]).toBe(rule?.because);
    const first = shippedPlaybooks().pump.actions.byCause?.[top]?.[0];
    expect(e.actions[0]).toEqual({ action: first?.action, why: first?.why });
  });

  it('gives the top cause a clear margin over the runner-up for the valve faults', () => {
    for (const c of cases.slice(0, 3)) {
      const { causes } = new Explainer({ registry: fleet() }).explain(
        detection('pump-1', T0, pumpMetrics(c.moves)),
      );
      expect(causes[0].confidence - (causes[1]?.confidence ?? 0)).toBeGreaterThan(0.1);
    }
  });

  it('lists the matching metric movements as evidence, in words with fleet units', () => {
    const e = new Explainer({ registry: fleet() }).explain(
      detection('pump-1', T0, pumpMetrics([shift('Pressure', 4), shift(FLOW, -4), shift('Current', -2)])),
    );
    expect(e.causes[0].evidence.slice(0, 3)).toEqual([
      'Discharge pressure rose to 0.5 bar (expected 0.3 bar).',
      'Flow fell to 28 L/min (expected 32 L/min).',
      'Motor current fell to 1.1 A (expected 1.5 A).',
    ]);
  });

  it('falls back to generic causes when no pump rule explains the anomaly', () => {
    const e = new Explainer({ registry: fleet() }).explain(
      detection(
        'pump-1',
        T0,
        pumpMetrics([
          moved('Pressure', 0.3, 0.3, {
            kind: 'stuck',
            stuck: { sinceTsMs: T0 - 3600_000, durationMs: 3600_000, value: 0.3 },
          }),
        ]),
      ),
    );
    expect(e.type).toBe('stuck_sensor');
    expect(e.causes[0].id).toBe('sensor_fault');
  });
});
