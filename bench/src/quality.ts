/**
 * `npm run bench:quality [DATASETS_DIR]`: detection, explanation and alert-fatigue quality on the
 * public labelled datasets (default ../shared/datasets), written to bench/results.json and
 * bench/REPORT.md. One configuration for every file of a benchmark (the defaults); nothing is
 * tuned per file or on labels.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { datasetRoots } from './datasets';
import { runNab, NAB_REFERENCE, type NabResult } from './nab';
import { runNabCv, type NabCvResult } from './nab-cv';
import { BENCH_DIR, REPO_ROOT, environment, updateResults } from './results-file';
import { runSkab, type SkabRun } from './skab';
import { runSmd, type SmdResult } from './smd';
import { modelScorerFactory } from './model-scorer';
import { streamingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';
import { resolveDetectConfig } from '../../node-red-nodes/src/lib/detect';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { readFileSync } from 'node:fs';
import { runSimulatorCauses, type SimulatorCausesResult } from './simulator-causes';

export interface QualityResults {
  generatedAt: string;
  environment: Record<string, string | number>;
  datasets: string;
  configuration: string;
  nab?: NabResult;
  nabCv?: NabCvResult;
  skab?: {
    detector: SkabRun;
    /** The streaming detector alone (joint-state detector off), same run. */
    streamingOnly?: SkabRun;
    model?: SkabRun & { model: string };
    modelNote?: string;
  };
  smd?: SmdResult;
  simulator?: SimulatorCausesResult;
  seconds: number;
}

/**
 * `BENCH_ONLY=skab,simulator` runs only those parts (nab, skab, smd, simulator) and keeps the
 * others' figures from the previous bench/results.json.
 */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const runs = (part: string) => ONLY.size === 0 || ONLY.has(part);

/** Simulator seeds and simulated minutes per seed (one incident of each type, plus one, per seed). */
const SIMULATOR_SEEDS = 20;
const SIMULATOR_MINUTES = 230;

/** Train rows replayed before each SMD test half (the detector learns online). */
const SMD_WARMUP_ROWS = 5_000;

async function main(): Promise<void> {
  const started = Date.now();
  const root = resolve(process.argv[2] ?? join(REPO_ROOT, '..', 'shared', 'datasets'));
  const roots = datasetRoots(root);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const results: QualityResults = {
    generatedAt: new Date().toISOString(),
    environment: environment(),
    datasets: root,
    configuration:
      'lucid-detect defaults (resolveDetectConfig({})), lucid-explain and lucid-route defaults, for every file',
    seconds: 0,
  };
  const previous = (() => {
    try {
      return (
        JSON.parse(readFileSync(join(BENCH_DIR, 'results.json'), 'utf8')) as { quality?: QualityResults }
      ).quality;
    } catch {
      return undefined;
    }
  })();
  if (ONLY.size > 0)
    results.configuration += ` This run measured only ${[...ONLY].join(', ')} (BENCH_ONLY); the other sections are kept from the previous run.`;
  if (!runs('nab')) {
    results.nab = previous?.nab;
    results.nabCv = previous?.nabCv;
  }
  if (!runs('skab')) results.skab = previous?.skab;
  if (!runs('smd')) results.smd = previous?.smd;
  if (!runs('simulator')) results.simulator = previous?.simulator;
  if (!runs('nab')) log('NAB: kept from the previous run (BENCH_ONLY)');
  else if (existsSync(roots.nab)) {
    log('NAB…');
    results.nab = await runNab(roots.nab, NAB_REFERENCE(BENCH_DIR), log);
    log('NAB leave-one-category-out cross-validation…');
    results.nabCv = await runNabCv(roots.nab, log);
  } else log(`NAB: ${roots.nab} not found, skipped`);
  if (!runs('skab')) log('SKAB: kept from the previous run (BENCH_ONLY)');
  else if (existsSync(roots.skab)) {
    log('SKAB…');
    const detector = await runSkab(roots.skab, log, true);
    results.skab = { detector };
    log('SKAB with the streaming detector alone…');
    const fleet = new FleetRegistry({ defaults: { deviceType: 'pump' } });
    results.skab.streamingOnly = await runSkab(roots.skab, log, false, async () =>
      streamingScorer(resolveDetectConfig({ jointFitReadings: 0 }), fleet),
    );
    const factory = await modelScorerFactory('pump-ae');
    if (factory.available) {
      log('SKAB with the pump-ae model…');
      results.skab.model = { ...(await runSkab(roots.skab, log, false, factory.create)), model: 'pump-ae' };
    } else results.skab.modelNote = factory.reason;
  } else log(`SKAB: ${roots.skab} not found, skipped`);
  if (!runs('smd')) log('SMD: kept from the previous run (BENCH_ONLY)');
  else if (existsSync(roots.smd)) {
    log('SMD…');
    results.smd = await runSmd(roots.smd, SMD_WARMUP_ROWS, log);
  } else log(`SMD: ${roots.smd} not found, skipped`);
  if (runs('simulator')) {
    log('Simulator probable causes…');
    results.simulator = runSimulatorCauses(SIMULATOR_SEEDS, SIMULATOR_MINUTES, log);
  }
  results.seconds = (Date.now() - started) / 1000;
  updateResults('quality', results);
  log(`bench:quality done in ${results.seconds.toFixed(1)} s: bench/REPORT.md, bench/results.json`);
}

main().catch((err) => {
  process.stderr.write(`bench:quality: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
