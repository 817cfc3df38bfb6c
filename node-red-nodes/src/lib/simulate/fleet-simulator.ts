import { ConfigError } from '../contracts/errors';
import type { GroundTruth, Reading } from '../contracts/types';
import type { FleetDefinition } from '../fleet/fleet-registry';
import { IncidentSchedule, round } from './incident-schedule';
import { hashString, mixSeed, SeededRandom } from './seeded-random';
import { simulatedDevices, simulatedFleetDefinition } from './simulated-fleet';
import {
  DEFAULT_INCIDENT_DURATION_MS,
  INCIDENT_TYPES,
  type FleetSimulatorOptions,
  type ScheduledIncident,
  type SimulatedDevice,
  type SimulatedReading,
  type SimulationTick,
} from './simulation-types';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Per-device normal behaviour, drawn once from the device's own PRNG stream. */
interface DeviceState {
  spec: SimulatedDevice;
  rng: SeededRandom;
  /** Position of the device within its zone (staggers the overheating's onset). */
  indexInZone: number;
  /** Sub-second offset of the device's samples from the tick, ms. */
  phaseMs: number;
  temperatureBaseC: number;
  dailyAmplitudeC: number;
  dailyPhaseMs: number;
  humidityBasePct: number;
  vibrationBaseMmS: number;
  supplyBaseV: number;
  rssiBaseDbm: number;
  batteryStartV: number;
  dischargeVPerDay: number;
  /** AR(1) slow wander of the temperature, °C. */
  wanderC: number;
}

/** Metric → decimals the simulated sensor reports. */
const DECIMALS = {
  temperature: 2,
  humidity: 1,
  vibration: 3,
  supplyVoltage: 3,
  rssi: 0,
  battery: 3,
} as const;

/**
 * A labelled synthetic fleet of `env-sensor` devices (temperature °C, humidity %, vibration
 * mm/s, supplyVoltage V, rssi dBm, battery V) with injected incidents and per-reading ground truth.
 *
 * Normal behaviour per device: a per-device offset on every metric; a daily temperature cycle
 * (amplitude 2–3 °C, peak mid-afternoon UTC) plus an AR(1) slow wander (φ = 0.98) and sensor
 * noise (σ 0.12 °C); relative humidity anti-correlated with temperature (−1.5 %/°C, σ 0.4 %);
 * vibration around 1.5–2.5 mm/s (σ 0.08); supply 24 V ± offset (σ 0.03 V); RSSI around −65 dBm
 * (integer, σ 1.5 dB); a 3.6 V battery discharging 4–8 mV per day (σ 3 mV).
 *
 * Incidents (see {@link IncidentSchedule}), one at a time after a quiet warm-up of
 * `warmupReadings` ticks: temperature spike (+15–20 °C within ~30 s, then back), cooling fan
 * failure (linear rise of 0.4–0.6 °C/min, vibration up to +80 % and noisier), localized
 * overheating (every device of a zone +7–10 °C over 5 min, onsets 20 s apart), connectivity
 * drop (the device emits nothing), power fluctuation (supply dips 3.5–5 V oscillating with a
 * 60 s period, RSSI −6 dB), stuck sensor (temperature frozen at its first value in the window).
 *
 * Deterministic: the same options give identical ticks. Each device and each incident draws from
 * its own PRNG stream (xoroshiro128+ via `pure-rand`), so incident-free data is identical with
 * and without incidents outside their windows. Sequential: `next()` advances one tick.
 *
 * @example
 * const sim = new FleetSimulator({ seed: 7, startTsMs: Date.UTC(2024, 0, 1) });
 * const tick = sim.next();            // 12 readings at 2024-01-01T00:00:00Z (+ sub-second phase)
 * const truth = tick.readings[0].truth; // { incident: null } during the warm-up
 * sim.incidents();                    // the first cycle of scheduled incidents
 */
export class FleetSimulator {
  readonly deviceCount: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly startTsMs: number;
  readonly warmupReadings: number;
  readonly incidentsEnabled: boolean;
  private readonly options: FleetSimulatorOptions;
  private readonly layout: SimulatedDevice[];
  private readonly schedule: IncidentSchedule;
  private states: DeviceState[] = [];
  private tickIndex = 0;
  private readonly incidentRngs = new Map<string, SeededRandom>();
  private readonly stuckValues = new Map<string, number>();

  /**
   * @param options - see {@link FleetSimulatorOptions}.
   * @param nowMs - clock for the default start time (now, aligned down to the interval).
   * @throws ConfigError naming the invalid option.
   */
  constructor(options: FleetSimulatorOptions = {}, nowMs: () => number = Date.now) {
    this.options = { ...options };
    this.deviceCount = integerOption('deviceCount', options.deviceCount ?? 12, 1, 1000);
    this.seed = integerOption('seed', options.seed ?? 1, -(2 ** 31), 2 ** 31 - 1);
    this.intervalMs = integerOption('intervalMs', options.intervalMs ?? 10_000, 100, DAY_MS);
    this.warmupReadings = integerOption('warmupReadings', options.warmupReadings ?? 60, 0, 10_000_000);
    const start = options.startTsMs ?? Math.floor(nowMs() / this.intervalMs) * this.intervalMs;
    if (!Number.isFinite(start) || start < 0)
      throw new ConfigError(`startTsMs: expected epoch ms ≥ 0, got ${start}`);
    this.startTsMs = start;
    this.incidentsEnabled = options.incidents ?? true;
    const types = options.incidentTypes ?? [...INCIDENT_TYPES];
    for (const t of types) {
      if (!INCIDENT_TYPES.includes(t))
        throw new ConfigError(
          `incidentTypes: unknown type "${t}" (expected one of ${INCIDENT_TYPES.join(', ')})`,
        );
    }
    this.layout = simulatedDevices(this.deviceCount);
    this.schedule = new IncidentSchedule({
      devices: this.layout,
      seed: this.seed,
      firstStartTsMs: this.startTsMs + this.warmupReadings * this.intervalMs,
      types,
      quietMs: options.quietMs ?? 15 * 60_000,
      durationsMs: { ...DEFAULT_INCIDENT_DURATION_MS, ...(options.durationsMs ?? {}) },
    });
    this.reset();
  }

  /** The simulated devices, in id order. */
  devices(): SimulatedDevice[] {
    return this.layout.map((d) => ({ ...d }));
  }

  /** The fleet JSON for `lucid-fleet` that declares exactly these devices (units, ranges, interval). */
  fleetDefinition(): FleetDefinition {
    return simulatedFleetDefinition(this.layout, this.intervalMs);
  }

  /**
   * The scheduled incidents (empty when incidents are off).
   * @param untilTsMs - return the incidents starting before this instant; default: one full
   *   cycle (one incident of each configured type).
   */
  incidents(untilTsMs?: number): ScheduledIncident[] {
    if (!this.incidentsEnabled) return [];
    const list =
      untilTsMs === undefined
        ? this.schedule.first((this.options.incidentTypes ?? INCIDENT_TYPES).length)
        : this.schedule.startingBefore(untilTsMs);
    return list.map((i) => ({ ...i, deviceIds: [...i.deviceIds], metrics: [...i.metrics] }));
  }

  /** Index of the next tick `next()` returns (0 after construction or `reset()`). */
  get nextTickIndex(): number {
    return this.tickIndex;
  }

  /** Nominal time of the next tick, epoch ms of simulated time. */
  get simTimeMs(): number {
    return this.startTsMs + this.tickIndex * this.intervalMs;
  }

  /** Back to tick 0: the same sequence starts again. */
  reset(): void {
    this.tickIndex = 0;
    this.incidentRngs.clear();
    this.stuckValues.clear();
    const zoneCounters = new Map<string, number>();
    this.states = this.layout.map((spec, i) => {
      const rng = new SeededRandom(mixSeed(this.seed, hashString(spec.deviceId)));
      const indexInZone = zoneCounters.get(spec.zone) ?? 0;
      zoneCounters.set(spec.zone, indexInZone + 1);
      return {
        spec,
        rng,
        indexInZone,
        phaseMs: (i * 83) % 1000,
        temperatureBaseC: round(22 + rng.normal(0, 1.5), 2),
        dailyAmplitudeC: rng.between(2, 3),
        dailyPhaseMs: rng.between(-HOUR_MS, HOUR_MS),
        humidityBasePct: 45 + rng.normal(0, 4),
        vibrationBaseMmS: rng.between(1.5, 2.5),
        supplyBaseV: 24 + rng.normal(0, 0.1),
        rssiBaseDbm: -65 + rng.normal(0, 6),
        batteryStartV: 3.6 + rng.between(-0.05, 0.02),
        dischargeVPerDay: rng.between(0.004, 0.008),
        wanderC: 0,
      };
    });
  }

  /**
   * Moves forward to tick `tickIndex` as if every tick before it had been emitted (same readings
   * afterwards as an uninterrupted run), e.g. to resume a run after a restart. O(ticks × devices).
   * @throws ConfigError when `tickIndex` is not an integer at or after the next tick.
   */
  advanceTo(tickIndex: number): void {
    if (!Number.isInteger(tickIndex) || tickIndex < this.tickIndex)
      throw new ConfigError(
        `advanceTo: expected an integer tick ≥ the next tick ${this.tickIndex}, got ${tickIndex}`,
      );
    while (this.tickIndex < tickIndex) this.next();
  }

  /** The next tick's readings with their ground truth; advances the simulation by one interval. */
  next(): SimulationTick {
    const index = this.tickIndex++;
    const tickTsMs = this.startTsMs + index * this.intervalMs;
    const active = this.incidentsEnabled ? this.schedule.activeAt(tickTsMs) : [];
    this.forgetEnded(active);
    const readings: SimulatedReading[] = [];
    for (const state of this.states) {
      const simulated = this.simulateDevice(state, tickTsMs, active);
      if (simulated) readings.push(simulated);
    }
    return { index, tsMs: tickTsMs, readings };
  }

  /**
   * Incident-free readings of every device for `tickCount` ticks from this simulator's start
   * (same seed, devices and start, incidents off), e.g. to write normal training data.
   * Does not change this simulator's position.
   */
  normalReadings(tickCount: number): Reading[] {
    const clean = new FleetSimulator({ ...this.options, startTsMs: this.startTsMs, incidents: false });
    const out: Reading[] = [];
    for (let i = 0; i < tickCount; i++) for (const r of clean.next().readings) out.push(r.reading);
    return out;
  }

  private simulateDevice(
    state: DeviceState,
    tickTsMs: number,
    active: ScheduledIncident[],
  ): SimulatedReading | undefined {
    const tsMs = tickTsMs + state.phaseMs;
    const rng = state.rng;
    // Normal behaviour: always the same number of draws, so incidents never shift the streams.
    state.wanderC = 0.98 * state.wanderC + rng.normal(0, 0.05);
    const daily =
      state.dailyAmplitudeC * Math.sin((2 * Math.PI * (tsMs - 9 * HOUR_MS + state.dailyPhaseMs)) / DAY_MS);
    let airC = state.temperatureBaseC + daily + state.wanderC;
    const temperatureNoise = rng.normal(0, 0.12);
    const humidityNoise = rng.normal(0, 0.4);
    let vibration = state.vibrationBaseMmS + rng.normal(0, 0.08);
    let supplyV = state.supplyBaseV + rng.normal(0, 0.03);
    let rssi = state.rssiBaseDbm + rng.normal(0, 1.5);
    const battery =
      state.batteryStartV -
      state.dischargeVPerDay * ((tsMs - this.startTsMs) / DAY_MS) +
      rng.normal(0, 0.003);

    const incident = active.find((i) => i.deviceIds.includes(state.spec.deviceId));
    let stuckTemperature: number | undefined;
    if (incident) {
      const elapsedMs = tickTsMs - incident.startTsMs;
      const durationMs = incident.endTsMs - incident.startTsMs;
      const remainingMs = incident.endTsMs - tickTsMs;
      switch (incident.type) {
        case 'connectivity_drop':
          return undefined;
        case 'temperature_spike': {
          const riseMs = Math.max(this.intervalMs, 0.15 * durationMs);
          const rise = Math.min(1, (elapsedMs + this.intervalMs) / riseMs);
          const fall = Math.min(1, remainingMs / (0.4 * durationMs));
          airC += incident.magnitude * Math.min(rise, fall);
          break;
        }
        case 'cooling_fan_failure': {
          const progress = Math.min(1, (elapsedMs + this.intervalMs) / durationMs);
          airC += incident.magnitude * progress;
          const wear = Math.min(1, (elapsedMs + this.intervalMs) / (0.2 * durationMs));
          vibration = vibration * (1 + 0.8 * wear) + this.incidentRng(incident, state).normal(0, 0.15);
          break;
        }
        case 'localized_overheating': {
          const delayMs = state.indexInZone * 20_000;
          const rise = Math.max(0, Math.min(1, (elapsedMs - delayMs + this.intervalMs) / (5 * 60_000)));
          const fall = Math.min(1, remainingMs / (0.25 * durationMs));
          airC += incident.magnitude * Math.min(rise, fall);
          break;
        }
        case 'power_fluctuation': {
          const r = this.incidentRng(incident, state);
          const dip =
            Math.abs(incident.magnitude) * (0.6 + 0.4 * Math.cos((2 * Math.PI * elapsedMs) / 60_000));
          supplyV = supplyV - dip + r.normal(0, 0.25);
          rssi = rssi - 6 + r.normal(0, 2);
          break;
        }
        case 'stuck_sensor': {
          const key = `${incident.id}/${state.spec.deviceId}`;
          stuckTemperature = this.stuckValues.get(key);
          if (stuckTemperature === undefined) {
            stuckTemperature = round(airC + temperatureNoise, DECIMALS.temperature);
            this.stuckValues.set(key, stuckTemperature);
          }
          break;
        }
      }
    }
    const humidity = Math.min(
      95,
      Math.max(5, state.humidityBasePct - 1.5 * (airC - state.temperatureBaseC) + humidityNoise),
    );
    const reading: Reading = {
      deviceId: state.spec.deviceId,
      tsMs,
      metrics: {
        temperature: stuckTemperature ?? round(airC + temperatureNoise, DECIMALS.temperature),
        humidity: round(humidity, DECIMALS.humidity),
        vibration: round(Math.max(0.05, vibration), DECIMALS.vibration),
        supplyVoltage: round(Math.max(0, supplyV), DECIMALS.supplyVoltage),
        rssi: round(Math.min(-30, Math.max(-120, rssi)), DECIMALS.rssi),
        battery: round(battery, DECIMALS.battery),
      },
      site: state.spec.site,
    };
    if (this.options.tenant) reading.tenant = this.options.tenant;
    const truth: GroundTruth = incident
      ? {
          incident: incident.type,
          incidentId: incident.id,
          expectedType: incident.expectedType,
          startTsMs: incident.startTsMs,
          endTsMs: incident.endTsMs,
        }
      : { incident: null };
    return { reading, truth };
  }

  private incidentRng(incident: ScheduledIncident, state: DeviceState): SeededRandom {
    const key = `${incident.id}/${state.spec.deviceId}`;
    let rng = this.incidentRngs.get(key);
    if (!rng) {
      rng = new SeededRandom(mixSeed(this.seed, hashString(key)));
      this.incidentRngs.set(key, rng);
    }
    return rng;
  }

  /** Drops per-incident state of incidents that are over, so memory stays bounded. */
  private forgetEnded(active: ScheduledIncident[]): void {
    if (this.incidentRngs.size === 0 && this.stuckValues.size === 0) return;
    const live = new Set(active.map((i) => i.id));
    for (const map of [this.incidentRngs, this.stuckValues] as Map<string, unknown>[]) {
      for (const key of map.keys()) if (!live.has(key.slice(0, key.indexOf('/')))) map.delete(key);
    }
  }
}

function integerOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: expected an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}
