import { ConfigError } from '../contracts/errors';
import type { AnomalyType, GroundTruth, Reading } from '../contracts/types';
import { shippedPlaybooks } from '../explain/playbook-library';
import type { Playbook } from '../explain/playbook';
import type { FleetDefinition } from '../fleet/fleet-registry';
import { EQUIPMENT_MODELS, type EquipmentFaultModel, type EquipmentModel } from './equipment-models';
import { round } from './incident-schedule';
import { hashString, mixSeed, SeededRandom } from './seeded-random';
import type { SimulatedDevice, SimulatedReading, SimulationTick } from './simulation-types';

/** Device types the equipment simulator can run (the keys of `EQUIPMENT_MODELS`). */
export const EQUIPMENT_TYPES: readonly string[] = Object.keys(EQUIPMENT_MODELS);

/** Configuration of {@link EquipmentSimulator}; only `deviceType` is required. */
export interface EquipmentSimulatorOptions {
  /** One of {@link EQUIPMENT_TYPES}, e.g. `chiller`. */
  deviceType: string;
  /** Devices of that type, 1..100. Default 4. */
  deviceCount?: number;
  /** PRNG seed (integer). Default 1. */
  seed?: number;
  /** Sample interval, ms of simulated time, 1 000..3 600 000. Default 10 000. */
  intervalMs?: number;
  /** Simulated time of the first tick, epoch ms. Default 2024-01-01T00:00Z. */
  startTsMs?: number;
  /** Fault-free ticks at the start, so detectors can warm up. Default 90. */
  warmupReadings?: number;
  /** Quiet time between the end of one fault and the start of the next, ms. Default 20 min. */
  quietMs?: number;
  /** Cause ids of the faults to cycle through, in order. Default: every fault of the model. */
  faults?: string[];
}

/** One injected equipment fault: the ground truth the pipeline's alerts are checked against. */
export interface EquipmentIncident {
  /** `inc-<n>` with n from 1, in schedule order. */
  id: string;
  /** The fault: the id of the playbook cause rule it is an instance of, e.g. `chiller.condenser_fouling`. */
  type: string;
  deviceType: string;
  /** The ground-truth cause: `[type]`. */
  expectedCauses: readonly string[];
  deviceIds: string[];
  /** Metrics the fault moves. */
  metrics: string[];
  site: string;
  zone: string;
  /** First faulty instant (inclusive), epoch ms of simulated time. */
  startTsMs: number;
  /** End (exclusive), epoch ms; readings from here on are normal again. */
  endTsMs: number;
  expectedType: AnomalyType;
}

interface DeviceState {
  spec: SimulatedDevice;
  rng: SeededRandom;
  phaseMs: number;
  /** Per metric: the device's own normal level and its AR(1) wander. */
  level: Record<string, number>;
  wander: Record<string, number>;
}

const DEFAULT_START_MS = Date.UTC(2024, 0, 1);
const SITE = 'plant-north';

/**
 * A labelled synthetic fleet of one kind of equipment (an air-handling unit, a chiller, a UPS…;
 * see `EQUIPMENT_MODELS`) with injected faults, each labelled with the playbook cause rule it is
 * an instance of, so the playbook of that device type can be tested end to end.
 *
 * Units, labels and plausible ranges come from the device type's shipped playbook (`metrics`);
 * normal levels, noise and the physical effect of each fault come from the model. Normal
 * behaviour per device and metric: the model's level plus a per-device offset, an AR(1) slow
 * wander (φ = 0.98) and white reading noise. A fault moves its metrics by the model's effects
 * (in the metric's unit), ramping in over the fault's `rampMs` and ending at once (as a repair
 * does); faults come one at a time on one device, cycling through the model's faults, each
 * after a quiet period.
 *
 * Deterministic: each device and each fault draws from its own PRNG stream.
 *
 * @throws ConfigError naming the invalid option (unknown device type, count out of range…).
 * @example
 * const sim = new EquipmentSimulator({ deviceType: 'chiller', seed: 3 });
 * sim.next().readings[0].reading.metrics.chwSupplyTempC; // ≈ 6.7
 */
export class EquipmentSimulator {
  readonly deviceType: string;
  readonly deviceCount: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly startTsMs: number;
  readonly warmupReadings: number;
  readonly quietMs: number;
  private readonly model: EquipmentModel;
  private readonly playbook: Playbook;
  private readonly faults: EquipmentFaultModel[];
  private readonly layout: SimulatedDevice[];
  private readonly schedule: EquipmentIncident[] = [];
  private states: DeviceState[] = [];
  private tickIndex = 0;

  constructor(options: EquipmentSimulatorOptions) {
    const model = EQUIPMENT_MODELS[options.deviceType];
    if (!model)
      throw new ConfigError(
        `deviceType: unknown equipment type "${options.deviceType}" (expected one of ${EQUIPMENT_TYPES.join(', ')})`,
      );
    this.model = model;
    this.deviceType = options.deviceType;
    const playbook = shippedPlaybooks()[model.playbookId];
    if (!playbook?.metrics)
      throw new ConfigError(
        `deviceType "${options.deviceType}": shipped playbook "${model.playbookId}" has no metrics`,
      );
    this.playbook = playbook;
    this.deviceCount = integerOption('deviceCount', options.deviceCount ?? 4, 1, 100);
    this.seed = integerOption('seed', options.seed ?? 1, -(2 ** 31), 2 ** 31 - 1);
    this.intervalMs = integerOption('intervalMs', options.intervalMs ?? 10_000, 1000, 3_600_000);
    this.warmupReadings = integerOption('warmupReadings', options.warmupReadings ?? 90, 0, 1_000_000);
    this.quietMs = options.quietMs ?? 20 * 60_000;
    if (!Number.isFinite(this.quietMs) || this.quietMs < 0)
      throw new ConfigError(`quietMs: expected ≥ 0 ms, got ${options.quietMs}`);
    this.startTsMs = options.startTsMs ?? DEFAULT_START_MS;
    if (!Number.isFinite(this.startTsMs) || this.startTsMs < 0)
      throw new ConfigError(`startTsMs: expected epoch ms ≥ 0, got ${options.startTsMs}`);
    const wanted = options.faults ?? model.faults.map((f) => f.causeId);
    if (wanted.length === 0) throw new ConfigError('faults: expected at least one fault');
    this.faults = wanted.map((id) => {
      const fault = model.faults.find((f) => f.causeId === id);
      if (!fault)
        throw new ConfigError(
          `faults: "${id}" is not a fault of ${options.deviceType} (${model.faults.map((f) => f.causeId).join(', ')})`,
        );
      return fault;
    });
    const width = Math.max(2, String(this.deviceCount).length);
    this.layout = Array.from({ length: this.deviceCount }, (_, i) => {
      const zone = `${model.idPrefix}-zone-${i % 2 === 0 ? 'a' : 'b'}`;
      return {
        deviceId: `${model.idPrefix}-${String(i + 1).padStart(width, '0')}`,
        site: SITE,
        zone,
        line: `${zone}-line-1`,
        criticality: 3 + (i % 3),
      };
    });
    this.reset();
  }

  /** The simulated devices, in id order. */
  devices(): SimulatedDevice[] {
    return this.layout.map((d) => ({ ...d }));
  }

  /** Nominal time of the next tick, epoch ms of simulated time. */
  get simTimeMs(): number {
    return this.startTsMs + this.tickIndex * this.intervalMs;
  }

  /**
   * The fleet JSON for `lucid-fleet` declaring these devices: the device type with each metric's
   * unit, label and plausible range from the playbook, and the model's sensor accuracy.
   */
  fleetDefinition(): FleetDefinition {
    const metrics: Record<string, Record<string, unknown>> = {};
    for (const [name, m] of Object.entries(this.model.metrics)) {
      const spec = this.playbook.metrics?.[name];
      if (!spec)
        throw new ConfigError(
          `${this.deviceType}: metric "${name}" is not declared in playbook "${this.playbook.id}"`,
        );
      metrics[name] = { ...spec, accuracy: m.accuracy, intervalMs: this.intervalMs };
    }
    return {
      version: 1,
      defaults: { deviceType: this.deviceType, intervalMs: this.intervalMs },
      deviceTypes: {
        [this.deviceType]: {
          description: `Simulated ${this.playbook.description ?? this.deviceType}`,
          criticality: 3,
          metrics,
        },
      },
      devices: this.layout.map((d) => ({
        deviceId: d.deviceId,
        site: d.site,
        zone: d.zone,
        line: d.line,
        deviceType: this.deviceType,
        criticality: d.criticality,
      })),
    } as FleetDefinition;
  }

  /** Faults starting before `untilTsMs` (exclusive), in order. */
  incidents(untilTsMs: number): EquipmentIncident[] {
    while (this.schedule.length === 0 || this.schedule[this.schedule.length - 1].startTsMs < untilTsMs)
      this.scheduleNext();
    return this.schedule
      .filter((i) => i.startTsMs < untilTsMs)
      .map((i) => ({ ...i, deviceIds: [...i.deviceIds], metrics: [...i.metrics] }));
  }

  /** Back to tick 0: the same sequence starts again. */
  reset(): void {
    this.tickIndex = 0;
    this.states = this.layout.map((spec, i) => {
      const rng = new SeededRandom(mixSeed(this.seed, hashString(spec.deviceId)));
      const level: Record<string, number> = {};
      const wander: Record<string, number> = {};
      for (const [name, m] of Object.entries(this.model.metrics)) {
        level[name] = m.base + rng.normal(0, m.spread);
        wander[name] = 0;
      }
      return { spec, rng, phaseMs: (i * 97) % 1000, level, wander };
    });
  }

  /** The next tick's readings with their ground truth; advances by one interval. */
  next(): SimulationTick {
    const index = this.tickIndex++;
    const tickTsMs = this.startTsMs + index * this.intervalMs;
    const active = this.incidents(tickTsMs + 1).filter(
      (i) => i.startTsMs <= tickTsMs && tickTsMs < i.endTsMs,
    );
    const readings: SimulatedReading[] = this.states.map((state) =>
      this.simulateDevice(state, tickTsMs, active),
    );
    return { index, tsMs: tickTsMs, readings };
  }

  private simulateDevice(
    state: DeviceState,
    tickTsMs: number,
    active: EquipmentIncident[],
  ): SimulatedReading {
    const incident = active.find((i) => i.deviceIds.includes(state.spec.deviceId));
    const fault = incident ? this.faults.find((f) => f.causeId === incident.type) : undefined;
    // Faults develop over rampMs and end as a repair does: at once.
    const progress =
      incident && fault ? Math.min(1, (tickTsMs - incident.startTsMs + this.intervalMs) / fault.rampMs) : 0;
    const metrics: Record<string, number> = {};
    for (const [name, m] of Object.entries(this.model.metrics)) {
      // Same draws on every tick, so a fault never shifts the device's normal stream.
      state.wander[name] = 0.98 * state.wander[name] + state.rng.normal(0, m.noise * 0.2);
      const noise = state.rng.normal(0, m.noise);
      const effect = (fault?.effects[name] ?? 0) * progress;
      const spec = this.playbook.metrics?.[name];
      const value = state.level[name] + state.wander[name] + noise + effect;
      const lo = spec?.min ?? -Infinity;
      const hi = spec?.max ?? Infinity;
      metrics[name] = round(Math.min(hi, Math.max(lo, value)), m.decimals);
    }
    const reading: Reading = {
      deviceId: state.spec.deviceId,
      tsMs: tickTsMs + state.phaseMs,
      metrics,
      site: state.spec.site,
    };
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

  private scheduleNext(): void {
    const n = this.schedule.length;
    const previous = this.schedule[n - 1];
    const startTsMs = previous
      ? previous.endTsMs + this.quietMs
      : this.startTsMs + this.warmupReadings * this.intervalMs;
    const fault = this.faults[n % this.faults.length];
    const rng = new SeededRandom(mixSeed(this.seed, 200_003 + n));
    const candidates =
      previous && this.layout.length > 1
        ? this.layout.filter((d) => !previous.deviceIds.includes(d.deviceId))
        : this.layout;
    const device = candidates[rng.int(0, candidates.length - 1)];
    this.schedule.push({
      id: `inc-${n + 1}`,
      type: fault.causeId,
      deviceType: this.deviceType,
      expectedCauses: [fault.causeId],
      deviceIds: [device.deviceId],
      metrics: Object.keys(fault.effects),
      site: device.site,
      zone: device.zone,
      startTsMs,
      endTsMs: startTsMs + fault.durationMs,
      expectedType: fault.expectedType,
    });
  }
}

function integerOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name}: expected an integer in ${min}..${max}, got ${value}`);
  return value;
}
