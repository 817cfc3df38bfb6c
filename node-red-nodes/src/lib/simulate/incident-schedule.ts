import { ConfigError } from '../contracts/errors';
import { mixSeed, SeededRandom } from './seeded-random';
import type { SimulatedMetric } from './simulated-fleet';
import {
  EXPECTED_ANOMALY_TYPE,
  type IncidentType,
  type ScheduledIncident,
  type SimulatedDevice,
} from './simulation-types';

/** Settings of an {@link IncidentSchedule}. */
export interface IncidentScheduleOptions {
  devices: SimulatedDevice[];
  seed: number;
  /** Start of the first incident (end of the warm-up), epoch ms. */
  firstStartTsMs: number;
  /** Incident types to cycle through, in order (non-empty). */
  types: readonly IncidentType[];
  /** Quiet time between the end of one incident and the start of the next, ms (≥ 0). */
  quietMs: number;
  /** Duration per type, ms (> 0). */
  durationsMs: Record<IncidentType, number>;
}

/** The main metric(s) each incident type changes. */
const INCIDENT_METRICS: Record<IncidentType, SimulatedMetric[]> = {
  temperature_spike: ['temperature'],
  cooling_fan_failure: ['temperature', 'vibration'],
  localized_overheating: ['temperature'],
  connectivity_drop: [],
  power_fluctuation: ['supplyVoltage'],
  stuck_sensor: ['temperature'],
};

/**
 * The incident schedule of a simulation: incidents one after another (never overlapping),
 * cycling through the configured types, separated by a quiet period, generated lazily and
 * deterministically from the seed (incident n always draws from its own PRNG stream).
 *
 * Device choice: one device per incident (never the previous incident's device when there is a
 * choice), except `localized_overheating`, which affects every device (up to 4) of one zone that
 * has at least two; that type is skipped when no zone has two devices.
 */
export class IncidentSchedule {
  private readonly generated: ScheduledIncident[] = [];
  private readonly types: IncidentType[];
  private readonly zonesWithNeighbours: string[];

  /** @throws ConfigError when there are no devices, no usable types, or a duration is not positive. */
  constructor(private readonly options: IncidentScheduleOptions) {
    if (options.devices.length === 0)
      throw new ConfigError('devices: the simulation needs at least one device');
    const zoneSizes = new Map<string, number>();
    for (const d of options.devices) zoneSizes.set(d.zone, (zoneSizes.get(d.zone) ?? 0) + 1);
    this.zonesWithNeighbours = [...zoneSizes].filter(([, n]) => n >= 2).map(([zone]) => zone);
    this.types = options.types.filter(
      (t) => t !== 'localized_overheating' || this.zonesWithNeighbours.length > 0,
    );
    if (this.types.length === 0) {
      throw new ConfigError(
        `incidentTypes: none of [${options.types.join(', ')}] can be injected into this fleet`,
      );
    }
    for (const t of this.types) {
      const d = options.durationsMs[t];
      if (!Number.isFinite(d) || d <= 0)
        throw new ConfigError(`durationsMs.${t}: expected a positive number of ms, got ${d}`);
    }
    if (!Number.isFinite(options.quietMs) || options.quietMs < 0) {
      throw new ConfigError(`quietMs: expected ≥ 0 ms, got ${options.quietMs}`);
    }
  }

  /** Incidents that start before `untilTsMs` (exclusive), in order. */
  startingBefore(untilTsMs: number): ScheduledIncident[] {
    this.generateUntil(untilTsMs);
    return this.generated.filter((i) => i.startTsMs < untilTsMs);
  }

  /** The first `count` incidents. */
  first(count: number): ScheduledIncident[] {
    while (this.generated.length < count) this.generateNext();
    return this.generated.slice(0, count);
  }

  /** Incidents active at `tsMs` (start ≤ tsMs < end). */
  activeAt(tsMs: number): ScheduledIncident[] {
    this.generateUntil(tsMs + 1);
    const active: ScheduledIncident[] = [];
    for (let i = this.generated.length - 1; i >= 0; i--) {
      const inc = this.generated[i];
      if (inc.endTsMs <= tsMs) break;
      if (inc.startTsMs <= tsMs) active.push(inc);
    }
    return active;
  }

  private generateUntil(untilTsMs: number): void {
    while (this.generated.length === 0 || this.generated[this.generated.length - 1].startTsMs < untilTsMs) {
      this.generateNext();
    }
  }

  private generateNext(): void {
    const n = this.generated.length;
    const previous = this.generated[n - 1];
    const startTsMs = previous ? previous.endTsMs + this.options.quietMs : this.options.firstStartTsMs;
    const type = this.types[n % this.types.length];
    const rng = new SeededRandom(mixSeed(this.options.seed, 100_003 + n));
    const devices = this.options.devices;
    let affected: SimulatedDevice[];
    if (type === 'localized_overheating') {
      const zone = rng.pick(this.zonesWithNeighbours);
      affected = devices.filter((d) => d.zone === zone).slice(0, 4);
    } else {
      const candidates =
        devices.length > 1 && previous
          ? devices.filter((d) => !previous.deviceIds.includes(d.deviceId))
          : devices;
      affected = [rng.pick(candidates.length > 0 ? candidates : devices)];
    }
    const durationMs = this.options.durationsMs[type];
    this.generated.push({
      id: `inc-${n + 1}`,
      type,
      deviceIds: affected.map((d) => d.deviceId),
      metrics: [...INCIDENT_METRICS[type]],
      site: affected[0].site,
      zone: affected[0].zone,
      startTsMs,
      endTsMs: startTsMs + durationMs,
      expectedType: EXPECTED_ANOMALY_TYPE[type],
      magnitude: incidentMagnitude(type, durationMs, rng),
    });
  }
}

/** Peak change of the main metric, drawn once per incident. */
function incidentMagnitude(type: IncidentType, durationMs: number, rng: SeededRandom): number {
  switch (type) {
    case 'temperature_spike':
      return round(rng.between(15, 20), 2);
    case 'cooling_fan_failure':
      // 0.4..0.6 °C/min over the incident, the order of a stalled fan in a small enclosure.
      return round(rng.between(0.4, 0.6) * (durationMs / 60_000), 2);
    case 'localized_overheating':
      return round(rng.between(7, 10), 2);
    case 'power_fluctuation':
      return -round(rng.between(3.5, 5), 2);
    default:
      return 0;
  }
}

/** Rounds to `decimals` places. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
