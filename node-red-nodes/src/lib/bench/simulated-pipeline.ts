import type { AlertEvent, Detection, Incident, Reading } from '../contracts/types';
import { resolveDetectConfig, StreamingDetector, type DetectConfig } from '../detect';
import { Explainer } from '../explain/explainer';
import { FleetRegistry } from '../fleet/fleet-registry';
import { HeartbeatWatchdog } from '../ingest/heartbeat-watchdog';
import { AlertRouter } from '../route/alert-router';
import { resolveRouteOptions } from '../route/route-options';
import {
  EquipmentSimulator,
  type EquipmentIncident,
  type EquipmentSimulatorOptions,
} from '../simulate/equipment-simulator';
import { FleetSimulator } from '../simulate/fleet-simulator';
import type {
  FleetSimulatorOptions,
  ScheduledIncident,
  SimulatedDevice,
  SimulationTick,
} from '../simulate/simulation-types';
import type { FleetDefinition } from '../fleet/fleet-registry';

/** What the pipeline reads of a simulator: `FleetSimulator` or `EquipmentSimulator`. */
export interface PipelineSimulator {
  readonly intervalMs: number;
  readonly startTsMs: number;
  readonly simTimeMs: number;
  devices(): SimulatedDevice[];
  fleetDefinition(): FleetDefinition;
  next(): SimulationTick;
  incidents(untilTsMs: number): (ScheduledIncident | EquipmentIncident)[];
}

/** Settings of {@link runSimulatedPipeline}. */
export interface SimulatedPipelineOptions {
  /** Simulator options (seed, devices, incident types…); `startTsMs` defaults to 2024-01-01T00:00Z. */
  simulator?: FleetSimulatorOptions;
  /** Run a fleet of one kind of equipment instead (see `EquipmentSimulator`); `simulator` is then ignored. */
  equipment?: EquipmentSimulatorOptions;
  /** Simulated duration, minutes (> 0). */
  durationMin: number;
  /** Playbook overrides for the explainer (as `lucid-explain`'s; default: the shipped playbooks). */
  playbooks?: unknown;
  /** Detector settings (completed by `resolveDetectConfig`). */
  detect?: Partial<DetectConfig>;
  /** Route options (completed by `resolveRouteOptions`). */
  route?: Record<string, unknown>;
  /** The heartbeat watchdog's silence threshold in expected intervals, as `lucid-ingest`'s default (3). */
  heartbeatFactor?: number;
}

/** What a simulated run produced. */
export interface SimulatedPipelineRun {
  /** The injected incidents that started during the run. */
  incidents: (ScheduledIncident | EquipmentIncident)[];
  /** Every explained (anomalous) detection, in order. */
  explained: Detection[];
  /** `opened`/`updated`/`suppressed` events of the router, in order. */
  events: AlertEvent[];
  /** `resolved` events of the router, in order. */
  resolved: AlertEvent[];
  /** Last state of every incident the router reported. */
  incidentsRouted: Map<string, Incident>;
  /** The simulator (for its fleet definition and devices). */
  simulator: PipelineSimulator;
}

/**
 * The simulator through the library stages `lucid start` wires (ingest's heartbeat watchdog →
 * `lucid-detect` → `lucid-explain` → `lucid-route`) on simulated event time, with every stage's
 * defaults unless overridden. The watchdog is checked once per tick on the tick's time, as the
 * ingest node checks it on its clock. Deterministic for given options.
 */
export function runSimulatedPipeline(options: SimulatedPipelineOptions): SimulatedPipelineRun {
  const simulator: PipelineSimulator = options.equipment
    ? new EquipmentSimulator(options.equipment)
    : new FleetSimulator({ startTsMs: Date.UTC(2024, 0, 1), ...(options.simulator ?? {}) });
  const fleet = new FleetRegistry(simulator.fleetDefinition());
  const detector = new StreamingDetector(resolveDetectConfig(options.detect ?? {}), fleet);
  const explainer = new Explainer({ registry: fleet, playbooks: options.playbooks });
  const router = new AlertRouter(resolveRouteOptions(options.route ?? {}), fleet, () => simulator.simTimeMs);
  const watchdog = new HeartbeatWatchdog(options.heartbeatFactor ?? 3, fleet);
  for (const d of simulator.devices()) watchdog.watch(d.deviceId, simulator.startTsMs);
  const ticks = Math.ceil((options.durationMin * 60_000) / simulator.intervalMs);
  const run: SimulatedPipelineRun = {
    incidents: simulator.incidents(simulator.startTsMs + ticks * simulator.intervalMs),
    explained: [],
    events: [],
    resolved: [],
    incidentsRouted: new Map(),
    simulator,
  };
  for (let t = 0; t < ticks; t++) {
    const tick = simulator.next();
    const readings: Reading[] = [];
    for (const { reading } of tick.readings) {
      const restored = watchdog.seen(reading, reading.tsMs);
      if (restored) readings.push(restored);
      readings.push(reading);
    }
    readings.push(...watchdog.check(tick.tsMs));
    const scores = detector.detectBatch(readings);
    const detections = explainer.process(readings.map((reading, i) => ({ reading, score: scores[i] })));
    for (const d of detections) if (d.explanation) run.explained.push(d);
    const result = router.route(detections);
    run.events.push(...result.events);
    run.resolved.push(...result.resolved);
    for (const inc of result.incidents) run.incidentsRouted.set(inc.id, inc);
  }
  return run;
}
