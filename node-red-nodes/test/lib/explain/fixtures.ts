/** Hand-written evidence fixtures for explain tests (contract types only; no detector involved). */
import type { Detection, DetectionEvidence, MetricEvidence } from '../../../src/lib/contracts/types';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';

export const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
export const MIN = 60_000;

/** A metric that behaves normally: value at the expected value, small band, low score. */
export function normal(metric: string, value: number, halfBand = 1, unit = ''): MetricEvidence {
  return {
    metric,
    unit,
    value,
    score: 0.05,
    kind: null,
    detectorScores: { level: 0.05 },
    direction: 'none',
    baseline: { median: value, mad: halfBand / 3 / 1.4826, count: 200 },
    expected: { value, lower: value - halfBand, upper: value + halfBand },
  };
}

/** A metric moved to `value` from `expected` (band ± halfBand) with the given score. */
export function moved(
  metric: string,
  expected: number,
  value: number,
  opts: Partial<MetricEvidence> & { halfBand?: number } = {},
): MetricEvidence {
  const { halfBand = 1, ...rest } = opts;
  return {
    ...normal(metric, expected, halfBand),
    value,
    score: 0.9,
    kind: 'level',
    detectorScores: { level: 0.9 },
    direction: value > expected ? 'up' : value < expected ? 'down' : 'none',
    ...rest,
  };
}

/** A Detection of one device at `tsMs` with the given metric evidence; contributions ∝ score. */
export function detection(
  deviceId: string,
  tsMs: number,
  metrics: MetricEvidence[],
  extra: Partial<DetectionEvidence> = {},
  isAnomaly = true,
): Detection {
  const byName: Record<string, MetricEvidence> = {};
  for (const m of metrics) byName[m.metric] = m;
  const anomalous = metrics.filter((m) => m.score >= 0.5).map((m) => m.metric);
  const total = anomalous.reduce((s, n) => s + byName[n].score, 0);
  const contributions: Record<string, number> = {};
  for (const m of metrics) contributions[m.metric] = total > 0 && m.score >= 0.5 ? m.score / total : 0;
  const evidence: DetectionEvidence = {
    metrics: byName,
    warmingUp: false,
    combined: { method: 'max', anomalousMetrics: anomalous },
    ...extra,
  };
  return {
    reading: { deviceId, tsMs, metrics: Object.fromEntries(metrics.map((m) => [m.metric, m.value])) },
    score: {
      deviceId,
      tsMs,
      score: Math.max(0, ...metrics.map((m) => m.score)),
      isAnomaly,
      detector: 'test',
      contributions,
      evidence,
    },
  };
}

/** A small fleet: env sensors in zone B and C of plant-1, a pump, and units for every metric. */
export function fleet(): FleetRegistry {
  return new FleetRegistry({
    version: 1,
    defaults: { site: 'plant-1' },
    deviceTypes: {
      'env-sensor': {
        metrics: {
          temperature: { unit: '°C', label: 'Temperature', min: -40, max: 125 },
          humidity: { unit: '%', label: 'Humidity', min: 0, max: 100 },
          vibration: { unit: 'mm/s', label: 'Vibration' },
          supplyVoltage: { unit: 'V', label: 'Supply voltage' },
          rssi: { unit: 'dBm', label: 'RSSI' },
          battery: { unit: 'V', label: 'Battery' },
        },
      },
      pump: {
        metrics: {
          Accelerometer1RMS: { unit: 'g', label: 'Vibration (bearing 1)' },
          Accelerometer2RMS: { unit: 'g', label: 'Vibration (bearing 2)' },
          Current: { unit: 'A', label: 'Motor current' },
          Pressure: { unit: 'bar', label: 'Discharge pressure' },
          Temperature: { unit: '°C', label: 'Motor temperature' },
          Thermocouple: { unit: '°C', label: 'Fluid temperature' },
          Voltage: { unit: 'V', label: 'Motor voltage' },
          'Volume Flow RateRMS': { unit: 'L/min', label: 'Flow' },
        },
      },
    },
    devices: [
      { deviceId: 'dev-007', zone: 'B', line: 'line-2', deviceType: 'env-sensor' },
      { deviceId: 'dev-008', zone: 'B', line: 'line-2', deviceType: 'env-sensor' },
      { deviceId: 'dev-009', zone: 'B', line: 'line-3', deviceType: 'env-sensor' },
      { deviceId: 'dev-020', zone: 'C', line: 'line-2', deviceType: 'env-sensor' },
      { deviceId: 'dev-030', site: 'plant-2', zone: 'B', line: 'line-9', deviceType: 'env-sensor' },
      { deviceId: 'pump-1', zone: 'P', deviceType: 'pump' },
    ],
  } as never);
}

/** Healthy env-sensor metrics except those given. */
export function envMetrics(overrides: MetricEvidence[] = []): MetricEvidence[] {
  const base = [
    normal('temperature', 23, 0.5),
    normal('humidity', 45, 2),
    normal('vibration', 2, 0.2),
    normal('supplyVoltage', 24, 0.1),
    normal('rssi', -65, 4),
    normal('battery', 3.6, 0.02),
  ];
  return base
    .map((m) => overrides.find((o) => o.metric === m.metric) ?? m)
    .concat(overrides.filter((o) => !base.some((b) => b.metric === o.metric)));
}

/** Healthy pump metrics except those given (SKAB-like names; values are round illustrative numbers). */
export function pumpMetrics(overrides: MetricEvidence[] = []): MetricEvidence[] {
  const base = [
    normal('Accelerometer1RMS', 0.03, 0.003),
    normal('Accelerometer2RMS', 0.04, 0.003),
    normal('Current', 1.5, 0.2),
    normal('Pressure', 0.3, 0.05),
    normal('Temperature', 75, 1),
    normal('Thermocouple', 26, 0.3),
    normal('Voltage', 230, 8),
    normal('Volume Flow RateRMS', 32, 1),
  ];
  return base.map((m) => overrides.find((o) => o.metric === m.metric) ?? m);
}
