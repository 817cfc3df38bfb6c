import type { AnomalyType, GroundTruth, Reading } from '../contracts/types';

/** The incident types `FleetSimulator` can inject. */
export type IncidentType =
  | 'temperature_spike'
  | 'cooling_fan_failure'
  | 'localized_overheating'
  | 'connectivity_drop'
  | 'power_fluctuation'
  | 'stuck_sensor';

/** Every incident type, in the default schedule order. */
export const INCIDENT_TYPES: readonly IncidentType[] = [
  'temperature_spike',
  'cooling_fan_failure',
  'localized_overheating',
  'connectivity_drop',
  'power_fluctuation',
  'stuck_sensor',
];

/**
 * The anomaly type `lucid-explain` is expected to report for each incident type:
 * a spike; a drift (slow rise); a correlated event across the zone; a connectivity loss;
 * a drop (supply voltage dips); a stuck sensor.
 */
export const EXPECTED_ANOMALY_TYPE: Readonly<Record<IncidentType, AnomalyType>> = {
  temperature_spike: 'spike',
  cooling_fan_failure: 'drift',
  localized_overheating: 'correlated_event',
  connectivity_drop: 'connectivity_loss',
  power_fluctuation: 'drop',
  stuck_sensor: 'stuck_sensor',
};

/**
 * The probable cause `lucid-explain` should rank first for each incident type: cause ids of the
 * shipped `default` playbook (or a generic cause) that name the injected fault. A temperature
 * spike is a short heat burst that the relative humidity follows (real air heating); a cooling
 * fan failure is a steady climb with the fan's vibration changing; localized overheating moves
 * every device of a zone together (a shared environment); a connectivity drop is silence; a power
 * fluctuation dips the supply voltage; a stuck sensor repeats one value.
 */
export const EXPECTED_CAUSES: Readonly<Record<IncidentType, readonly string[]>> = {
  temperature_spike: ['default.heat_transient'],
  cooling_fan_failure: ['default.cooling_failure'],
  localized_overheating: ['environment'],
  connectivity_drop: ['connectivity_power'],
  power_fluctuation: ['default.power_supply'],
  stuck_sensor: ['sensor_fault'],
};

/** Default duration of each incident type, ms of simulated time. */
export const DEFAULT_INCIDENT_DURATION_MS: Readonly<Record<IncidentType, number>> = {
  temperature_spike: 3 * 60_000,
  cooling_fan_failure: 30 * 60_000,
  localized_overheating: 20 * 60_000,
  connectivity_drop: 10 * 60_000,
  power_fluctuation: 5 * 60_000,
  stuck_sensor: 30 * 60_000,
};

/** One injected incident of the schedule: the ground truth the pipeline's alerts are checked against. */
export interface ScheduledIncident {
  /** `inc-<n>` with n from 1, in schedule order. */
  id: string;
  type: IncidentType;
  /** Devices the incident affects (several for `localized_overheating`). */
  deviceIds: string[];
  /** Metrics the incident changes (empty for `connectivity_drop`: the device goes silent). */
  metrics: string[];
  /** Site and zone of the affected devices. */
  site: string;
  zone: string;
  /** First affected instant (inclusive), epoch ms of simulated time. */
  startTsMs: number;
  /** End of the incident (exclusive), epoch ms; readings from here on are normal again. */
  endTsMs: number;
  /** What `lucid-explain` should classify it as. */
  expectedType: AnomalyType;
  /** Peak change of the main metric in its unit (e.g. +18 °C); 0 for connectivity drops. */
  magnitude: number;
}

/** One simulated device (what `fleetDefinition()` declares for it). */
export interface SimulatedDevice {
  deviceId: string;
  site: string;
  zone: string;
  line: string;
  /** 1 (low) .. 5 (critical). */
  criticality: number;
}

/** A reading and its ground truth. */
export interface SimulatedReading {
  reading: Reading;
  truth: GroundTruth;
}

/** All readings of one sample tick (devices that are silent in an incident are absent). */
export interface SimulationTick {
  /** 0-based tick number since the start. */
  index: number;
  /** Nominal time of the tick, epoch ms of simulated time (readings carry up to +1 s of per-device phase). */
  tsMs: number;
  readings: SimulatedReading[];
}

/** Configuration of `FleetSimulator`; every field is optional. */
export interface FleetSimulatorOptions {
  /** Number of devices, 1..1000. Default 12 (2 sites × 2 zones × 3 devices). */
  deviceCount?: number;
  /** PRNG seed (integer). Default 1. */
  seed?: number;
  /** Sample interval, ms of simulated time, 100..86 400 000. Default 10 000. */
  intervalMs?: number;
  /** Simulated time of the first tick, epoch ms. Default: now, aligned down to the interval. */
  startTsMs?: number;
  /** Inject incidents (false: normal data only). Default true. */
  incidents?: boolean;
  /** Incident types to cycle through, in order. Default {@link INCIDENT_TYPES}. */
  incidentTypes?: IncidentType[];
  /** Incident-free ticks at the start, so detectors can warm up. Default 60. */
  warmupReadings?: number;
  /** Quiet period between the end of one incident and the start of the next, ms. Default 15 min. */
  quietMs?: number;
  /** Duration of each incident type, ms (overrides {@link DEFAULT_INCIDENT_DURATION_MS}). */
  durationsMs?: Partial<Record<IncidentType, number>>;
  /** Set as `reading.tenant` when given. */
  tenant?: string;
}
