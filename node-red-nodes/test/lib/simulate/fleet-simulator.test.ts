import { ConfigError } from '../../../src/lib/contracts/errors';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { FleetSimulator } from '../../../src/lib/simulate/fleet-simulator';
import {
  INCIDENT_TYPES,
  type ScheduledIncident,
  type SimulatedReading,
} from '../../../src/lib/simulate/simulation-types';

const START = Date.UTC(2024, 0, 1, 8);

/** Runs the simulator until every incident of the first cycle is over (+10 min), all readings flat. */
function runCycle(seed = 7): {
  sim: FleetSimulator;
  incidents: ScheduledIncident[];
  all: SimulatedReading[];
} {
  const sim = new FleetSimulator({ seed, startTsMs: START });
  const incidents = sim.incidents();
  const endTs = incidents[incidents.length - 1].endTsMs + 10 * 60_000;
  const all: SimulatedReading[] = [];
  while (sim.simTimeMs < endTs) all.push(...sim.next().readings);
  return { sim, incidents, all };
}

const cycle = runCycle();
const byType = (type: string) => cycle.incidents.find((i) => i.type === type)!;
const series = (deviceId: string, from: number, to: number) =>
  cycle.all
    .filter((r) => r.reading.deviceId === deviceId && r.reading.tsMs >= from && r.reading.tsMs < to)
    .map((r) => r.reading);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
/** Median temperature of the 5 minutes before an incident. */
const before = (inc: ScheduledIncident, deviceId: string, metric = 'temperature') =>
  median(series(deviceId, inc.startTsMs - 5 * 60_000, inc.startTsMs).map((r) => r.metrics[metric]));

describe('FleetSimulator', () => {
  it('is deterministic: the same seed gives identical ticks', () => {
    const a = new FleetSimulator({ seed: 42, startTsMs: START });
    const b = new FleetSimulator({ seed: 42, startTsMs: START });
    for (let i = 0; i < 300; i++) expect(a.next()).toEqual(b.next());
  });

  it('gives different data and schedules for different seeds', () => {
    const a = new FleetSimulator({ seed: 1, startTsMs: START }).next();
    const b = new FleetSimulator({ seed: 2, startTsMs: START }).next();
    expect(a.readings.map((r) => r.reading.metrics)).not.toEqual(b.readings.map((r) => r.reading.metrics));
  });

  it('reset() replays the same sequence', () => {
    const sim = new FleetSimulator({ seed: 3, startTsMs: START });
    const first = [sim.next(), sim.next(), sim.next()];
    sim.reset();
    expect([sim.next(), sim.next(), sim.next()]).toEqual(first);
  });

  it('emits 12 devices with six metrics in plausible normal ranges', () => {
    const sim = new FleetSimulator({ seed: 5, startTsMs: START, incidents: false });
    const tick = sim.next();
    expect(tick.readings).toHaveLength(12);
    for (const { reading, truth } of tick.readings) {
      expect(truth).toEqual({ incident: null });
      expect(Object.keys(reading.metrics).sort()).toEqual([
        'battery',
        'humidity',
        'rssi',
        'supplyVoltage',
        'temperature',
        'vibration',
      ]);
      expect(reading.metrics.temperature).toBeGreaterThan(10);
      expect(reading.metrics.temperature).toBeLessThan(35);
      expect(reading.metrics.humidity).toBeGreaterThan(20);
      expect(reading.metrics.humidity).toBeLessThan(70);
      expect(reading.metrics.vibration).toBeGreaterThan(0.5);
      expect(reading.metrics.supplyVoltage).toBeCloseTo(24, 0);
      expect(Number.isInteger(reading.metrics.rssi)).toBe(true);
      expect(reading.metrics.battery).toBeGreaterThan(3.4);
      expect(reading.tsMs - tick.tsMs).toBeGreaterThanOrEqual(0);
      expect(reading.tsMs - tick.tsMs).toBeLessThan(1000);
    }
  });

  it('correlates humidity negatively with temperature and discharges the battery slowly', () => {
    const sim = new FleetSimulator({ seed: 5, startTsMs: START, incidents: false, intervalMs: 60_000 });
    const readings = sim.normalReadings(3 * 1440).filter((r) => r.deviceId === 'env-01');
    const t = readings.map((r) => r.metrics.temperature);
    const h = readings.map((r) => r.metrics.humidity);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const mt = mean(t);
    const mh = mean(h);
    const cov = mean(t.map((x, i) => (x - mt) * (h[i] - mh)));
    const corr = cov / Math.sqrt(mean(t.map((x) => (x - mt) ** 2)) * mean(h.map((x) => (x - mh) ** 2)));
    expect(corr).toBeLessThan(-0.5);
    expect(Math.max(...t) - Math.min(...t)).toBeGreaterThan(3); // daily cycle
    const firstDay = mean(readings.slice(0, 1440).map((r) => r.metrics.battery));
    const lastDay = mean(readings.slice(-1440).map((r) => r.metrics.battery));
    expect(firstDay - lastDay).toBeGreaterThan(0.005);
    expect(firstDay - lastDay).toBeLessThan(0.02);
  });

  it('schedules one incident of each type after a quiet warm-up, spaced by the quiet period', () => {
    const { incidents } = cycle;
    expect(incidents.map((i) => i.type)).toEqual([...INCIDENT_TYPES]);
    expect(incidents[0].startTsMs).toBe(START + 60 * 10_000);
    for (let i = 1; i < incidents.length; i++) {
      expect(incidents[i].startTsMs - incidents[i - 1].endTsMs).toBe(15 * 60_000);
    }
    expect(incidents.map((i) => i.expectedType)).toEqual([
      'spike',
      'drift',
      'correlated_event',
      'connectivity_loss',
      'drop',
      'stuck_sensor',
    ]);
    expect(incidents.map((i) => i.id)).toEqual(['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5', 'inc-6']);
    const zone = byType('localized_overheating');
    expect(zone.deviceIds.length).toBeGreaterThanOrEqual(2);
    const devices = cycle.sim.devices();
    expect(new Set(zone.deviceIds.map((id) => devices.find((d) => d.deviceId === id)!.zone))).toEqual(
      new Set([zone.zone]),
    );
  });

  it('incidents(untilTsMs) extends the schedule lazily and stays consistent', () => {
    const sim = new FleetSimulator({ seed: 7, startTsMs: START });
    const long = sim.incidents(START + 24 * 3_600_000);
    expect(long.length).toBeGreaterThan(6);
    expect(long.slice(0, 6)).toEqual(cycle.incidents);
    expect(new FleetSimulator({ seed: 7, startTsMs: START, incidents: false }).incidents()).toEqual([]);
  });

  it('labels exactly the affected readings inside incident windows; the warm-up and quiet periods carry no truth', () => {
    for (const { reading, truth } of cycle.all) {
      const inc = cycle.incidents.find(
        (i) =>
          reading.tsMs >= i.startTsMs && reading.tsMs < i.endTsMs && i.deviceIds.includes(reading.deviceId),
      );
      if (inc) {
        expect(truth).toEqual({
          incident: inc.type,
          incidentId: inc.id,
          expectedType: inc.expectedType,
          startTsMs: inc.startTsMs,
          endTsMs: inc.endTsMs,
        });
      } else {
        expect(truth).toEqual({ incident: null });
      }
    }
    const warmup = cycle.all.filter((r) => r.reading.tsMs < cycle.incidents[0].startTsMs);
    expect(warmup).toHaveLength(60 * 12);
    expect(warmup.every((r) => r.truth.incident === null)).toBe(true);
  });

  it('temperature spike raises temperature by more than 12 °C, then returns to normal', () => {
    const inc = byType('temperature_spike');
    const id = inc.deviceIds[0];
    const during = series(id, inc.startTsMs, inc.endTsMs).map((r) => r.metrics.temperature);
    expect(Math.max(...during) - before(inc, id)).toBeGreaterThan(12);
    expect(during[1] - before(inc, id)).toBeGreaterThan(8); // steep: within 20 s
    const after = series(id, inc.endTsMs + 60_000, inc.endTsMs + 5 * 60_000).map(
      (r) => r.metrics.temperature,
    );
    expect(Math.abs(median(after) - before(inc, id))).toBeLessThan(1.5);
  });

  it('cooling fan failure is a slow rise (0.3–0.7 °C/min) with vibration up by more than 40 %', () => {
    const inc = byType('cooling_fan_failure');
    const id = inc.deviceIds[0];
    const during = series(id, inc.startTsMs, inc.endTsMs);
    const minutes = (inc.endTsMs - inc.startTsMs) / 60_000;
    const rise = median(during.slice(-6).map((r) => r.metrics.temperature)) - before(inc, id);
    expect(rise / minutes).toBeGreaterThan(0.3);
    expect(rise / minutes).toBeLessThan(0.7);
    // no step: the first minute moved less than 1.5 °C
    expect(during[5].metrics.temperature - before(inc, id)).toBeLessThan(1.5);
    const vibLate = median(during.slice(-30).map((r) => r.metrics.vibration));
    expect(vibLate / before(inc, id, 'vibration')).toBeGreaterThan(1.4);
  });

  it('localized overheating raises every device of the zone together and no device elsewhere', () => {
    const inc = byType('localized_overheating');
    const mid = inc.startTsMs + (inc.endTsMs - inc.startTsMs) / 2;
    for (const d of cycle.sim.devices()) {
      const rise =
        median(series(d.deviceId, mid - 60_000, mid + 60_000).map((r) => r.metrics.temperature)) -
        before(inc, d.deviceId);
      if (inc.deviceIds.includes(d.deviceId)) expect(rise).toBeGreaterThan(5);
      else expect(Math.abs(rise)).toBeLessThan(1.5);
    }
    // humidity follows temperature down
    const id = inc.deviceIds[0];
    const hum = median(series(id, mid - 60_000, mid + 60_000).map((r) => r.metrics.humidity));
    expect(before(inc, id, 'humidity') - hum).toBeGreaterThan(5);
  });

  it('connectivity drop: the device emits nothing during the incident, and resumes after', () => {
    const inc = byType('connectivity_drop');
    const id = inc.deviceIds[0];
    expect(series(id, inc.startTsMs, inc.endTsMs)).toHaveLength(0);
    expect(series(id, inc.startTsMs - 60_000, inc.startTsMs)).toHaveLength(6);
    expect(series(id, inc.endTsMs, inc.endTsMs + 60_000)).toHaveLength(6);
    const others = cycle.sim.devices().filter((d) => d.deviceId !== id);
    for (const d of others) expect(series(d.deviceId, inc.startTsMs, inc.endTsMs)).toHaveLength(60);
  });

  it('power fluctuation dips the supply voltage by more than 2.5 V, repeatedly', () => {
    const inc = byType('power_fluctuation');
    const id = inc.deviceIds[0];
    const v = series(id, inc.startTsMs, inc.endTsMs).map((r) => r.metrics.supplyVoltage);
    const base = before(inc, id, 'supplyVoltage');
    expect(base - Math.min(...v)).toBeGreaterThan(2.5);
    expect(v.filter((x) => base - x > 2.5).length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(1); // oscillates
  });

  it('stuck sensor: temperature is exactly constant during the incident and varies before', () => {
    const inc = byType('stuck_sensor');
    const id = inc.deviceIds[0];
    const during = new Set(series(id, inc.startTsMs, inc.endTsMs).map((r) => r.metrics.temperature));
    expect(during.size).toBe(1);
    expect(
      new Set(series(id, inc.startTsMs - 30 * 60_000, inc.startTsMs).map((r) => r.metrics.temperature)).size,
    ).toBeGreaterThan(10);
    expect(
      new Set(series(id, inc.startTsMs, inc.endTsMs).map((r) => r.metrics.humidity)).size,
    ).toBeGreaterThan(5);
  });

  it('normalReadings() equals the incident run outside incident windows', () => {
    const normal = cycle.sim.normalReadings(400);
    const key = (r: { deviceId: string; tsMs: number }) => `${r.deviceId}@${r.tsMs}`;
    const withIncidents = new Map(cycle.all.map((r) => [key(r.reading), r]));
    let compared = 0;
    for (const r of normal) {
      const other = withIncidents.get(key(r));
      if (other && other.truth.incident === null) {
        expect(other.reading).toEqual(r);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(12 * 300);
    expect(normal).toHaveLength(400 * 12);
  });

  it('fleetDefinition() is a valid fleet declaring every simulated device and metric unit', () => {
    const sim = new FleetSimulator({ seed: 1, startTsMs: START, tenant: 'acme' });
    const registry = new FleetRegistry(sim.fleetDefinition());
    expect(registry.size).toBe(12);
    const spec = registry.device('env-05');
    expect(spec).toMatchObject({
      deviceType: 'env-sensor',
      known: true,
      site: 'plant-south',
      zone: 'zone-b',
    });
    expect(spec.metrics.temperature).toMatchObject({ unit: '°C', min: -40, max: 125, intervalMs: 10_000 });
    expect(spec.metrics.rssi.unit).toBe('dBm');
    expect(registry.zoneNeighbours('env-05').map((d) => d.deviceId)).toEqual(['env-04', 'env-06']);
    expect(sim.next().readings[0].reading.tenant).toBe('acme');
  });

  it('skips localized overheating when no zone has two devices', () => {
    const sim = new FleetSimulator({ seed: 1, deviceCount: 1, startTsMs: START });
    expect(sim.incidents(START + 24 * 3_600_000).some((i) => i.type === 'localized_overheating')).toBe(false);
  });

  it('defaults the start to now aligned to the interval', () => {
    const sim = new FleetSimulator({}, () => 1_700_000_012_345);
    expect(sim.startTsMs).toBe(1_700_000_010_000);
  });

  it.each([
    [{ deviceCount: 0 }, /deviceCount/],
    [{ deviceCount: 2.5 }, /deviceCount/],
    [{ intervalMs: 50 }, /intervalMs/],
    [{ seed: Number.NaN }, /seed/],
    [{ startTsMs: -1 }, /startTsMs/],
    [{ incidentTypes: ['meteor'] as never }, /unknown type "meteor"/],
    [{ incidentTypes: [] }, /incidentTypes/],
    [{ durationsMs: { temperature_spike: 0 } }, /durationsMs.temperature_spike/],
    [{ quietMs: -5 }, /quietMs/],
  ])('rejects bad option %j', (options, message) => {
    expect(() => new FleetSimulator({ startTsMs: START, ...options })).toThrow(ConfigError);
    expect(() => new FleetSimulator({ startTsMs: START, ...options })).toThrow(message);
  });
});
