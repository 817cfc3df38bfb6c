/**
 * The simulator's incidents through detect → explain → route (every stage's defaults), over
 * several seeds: for each incident type, how often the alert's top cause names the injected
 * fault (the simulator's ground-truth cause), how many alerts one incident raised and whether a
 * return to normal raised another.
 */
import {
  incidentCauseOutcomes,
  summariseCauses,
  type CauseSummary,
  type IncidentCauseOutcome,
} from '../../node-red-nodes/src/lib/bench/simulated-causes';
import { runSimulatedPipeline } from '../../node-red-nodes/src/lib/bench/simulated-pipeline';

export interface SimulatorCausesResult {
  seeds: number[];
  durationMin: number;
  summary: CauseSummary[];
  /** Top-cause confidence at the first alert against how often it was right, in bins. */
  calibration: { from: number; to: number; n: number; rightPct: number }[];
  seconds: number;
}

const BINS: [number, number][] = [
  [0, 0.5],
  [0.5, 0.7],
  [0.7, 0.9],
  [0.9, 1.01],
];

/** Runs seeds 1..`seedCount` for `durationMin` simulated minutes each. */
export function runSimulatorCauses(
  seedCount: number,
  durationMin: number,
  log: (s: string) => void,
): SimulatorCausesResult {
  const started = Date.now();
  const outcomes: IncidentCauseOutcome[] = [];
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  for (const seed of seeds) {
    outcomes.push(...incidentCauseOutcomes(runSimulatedPipeline({ simulator: { seed }, durationMin })));
    log(`  simulator seed ${seed}: ${outcomes.length} incidents so far`);
  }
  const firsts = outcomes.filter((o) => o.first);
  const calibration = BINS.map(([from, to]) => {
    const inBin = firsts.filter((o) => (o.first?.confidence ?? 0) >= from && (o.first?.confidence ?? 0) < to);
    const right = inBin.filter((o) => o.expected.includes(o.first?.causeId ?? '')).length;
    return {
      from,
      to: Math.min(1, to),
      n: inBin.length,
      rightPct: inBin.length ? (100 * right) / inBin.length : 0,
    };
  });
  return {
    seeds,
    durationMin,
    summary: summariseCauses(outcomes),
    calibration,
    seconds: (Date.now() - started) / 1000,
  };
}
