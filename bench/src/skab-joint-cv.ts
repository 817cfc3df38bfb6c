/**
 * How the joint-state detector's settings (JOINT_SETTINGS) are chosen on SKAB, and what that
 * choice is worth on experiments it did not see.
 *
 * Each SKAB experiment is replayed through {@link JointStateDetector} alone (fitted on its first
 * 400 rows, SKAB's protocol) once per grid point of smoothing, accuracy floor, mean and scale
 * adaptation; the episode decision (enter ratio, exit ratio, exit readings) is then applied to the
 * recorded `statistic / limit` series. Selection rule: the largest pooled point-wise F1 with a
 * false alarm rate ≤ 15 %. The rule is applied to all 30 experiments, and leave-one-group-out:
 * choose on the other groups, score the held-out one, by SKAB folder (valve1 / other) and by fault
 * type (valve1; leaks and additions: other 1–4, 10, 11; rotor imbalance: 5–9; cavitation and hot
 * water: 12–14). The defaults were also required to open no joint episode in quiet simulator runs,
 * which this tool does not check (see the commit that set them).
 *
 * Run: `node bench/build.js && node bench/out/build/bench/src/skab-joint-cv.js [SKAB folder]`
 * (default ../shared/datasets/SKAB). Prints the whole-set choice, every fold and the pooled
 * held-out figures. Cost: a few seconds per grid point of the replayed part.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { skabOutlierMetrics } from '../../node-red-nodes/src/lib/bench/skab-metrics';
import {
  JointStateDetector,
  type JointSettings,
} from '../../node-red-nodes/src/lib/detect/joint-state-detector';
import { skabExperiments } from './datasets';
import { REPO_ROOT } from './results-file';
import { SKAB_FIT_ROWS } from './skab';

/** The grid: replayed settings × decision settings. */
const REPLAYED = {
  inputSmoothingAlpha: [0.05, 0.1, 0.2],
  accuracyFraction: [0, 0.001, 0.002, 0.005],
  meanAdaptation: [0.002],
  scaleAdaptation: [0.001, 0.002],
};
const ENTER = [1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 30];
const EXIT_FRACTION = [1, 0.5, 0.25];
const EXIT_READINGS = [1, 5];
const MAX_FAR_PCT = 15;

interface Series {
  name: string;
  folder: string;
  faultType: string;
  labels: number[];
  ratio: number[];
}

interface Point {
  settings: Partial<JointSettings>;
  files: { series: Series; predictions: number[] }[];
}

function faultType(name: string): string {
  if (name.startsWith('valve1/')) return 'valve1';
  const n = Number.parseInt(name.split('/')[1], 10);
  if ([1, 2, 3, 4, 10, 11].includes(n)) return 'leaks and additions';
  if (n >= 5 && n <= 9) return 'rotor imbalance';
  return 'cavitation and hot water';
}

function readExperiment(path: string): { metrics: Record<string, number>[]; labels: number[] } {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(';');
  const columns = header
    .map((name, j) => ({ name, j }))
    .filter(({ name }) => name !== 'datetime' && name !== 'anomaly' && name !== 'changepoint');
  const anomaly = header.indexOf('anomaly');
  const metrics: Record<string, number>[] = [];
  const labels: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(';');
    const row: Record<string, number> = {};
    for (const { name, j } of columns) row[name] = Number(cells[j]);
    metrics.push(row);
    labels.push(Number(cells[anomaly]) === 1 ? 1 : 0);
  }
  return { metrics, labels };
}

function replay(
  experiments: { name: string; metrics: Record<string, number>[]; labels: number[] }[],
  settings: Partial<JointSettings>,
): Series[] {
  return experiments.map((e) => {
    // An episode never opens (enter ratio ∞): the quiet-reading adaptation sees every reading
    // below its limit, as it does outside episodes in the detector.
    const detector = new JointStateDetector(SKAB_FIT_ROWS, 1, { ...settings, enterRatio: Infinity });
    const ratio: number[] = [];
    const labels: number[] = [];
    e.metrics.forEach((m, i) => {
      const s = detector.score('pump', i * 1000, m, 0.5);
      if (i < SKAB_FIT_ROWS) return;
      ratio.push(s.evidence?.ratio ?? 0);
      labels.push(e.labels[i]);
    });
    const folder = e.name.split('/')[0];
    return { name: e.name, folder, faultType: faultType(e.name), labels, ratio };
  });
}

function decide(ratio: number[], enter: number, exit: number, exitReadings: number): number[] {
  const out: number[] = [];
  let active = false;
  let below = 0;
  for (const r of ratio) {
    if (!active) {
      if (r >= enter) {
        active = true;
        below = 0;
      }
    } else if (r < exit) {
      below++;
      if (below >= exitReadings) active = false;
    } else below = 0;
    out.push(active ? 1 : 0);
  }
  return out;
}

const metricsOf = (files: Point['files']) =>
  skabOutlierMetrics(files.map((f) => ({ labels: f.series.labels, predictions: f.predictions })));

function choose(points: Point[], keep: (s: Series) => boolean): Point {
  let best: Point | undefined;
  let bestF1 = -1;
  for (const p of points) {
    const m = metricsOf(p.files.filter((f) => keep(f.series)));
    if (m.farPct <= MAX_FAR_PCT && m.f1 > bestF1) {
      bestF1 = m.f1;
      best = p;
    }
  }
  if (!best) throw new Error('no grid point meets the false alarm limit');
  return best;
}

const show = (m: ReturnType<typeof skabOutlierMetrics>) =>
  `F1 ${m.f1.toFixed(3)}, FAR ${m.farPct.toFixed(1)} %, MAR ${m.marPct.toFixed(1)} %`;

function main(): void {
  const root = resolve(process.argv[2] ?? join(REPO_ROOT, '..', 'shared', 'datasets', 'SKAB'));
  const experiments = skabExperiments(root).map((e) => ({ name: e.name, ...readExperiment(e.path) }));
  const points: Point[] = [];
  for (const inputSmoothingAlpha of REPLAYED.inputSmoothingAlpha)
    for (const accuracyFraction of REPLAYED.accuracyFraction)
      for (const meanAdaptation of REPLAYED.meanAdaptation)
        for (const scaleAdaptation of REPLAYED.scaleAdaptation) {
          const replayed = { inputSmoothingAlpha, accuracyFraction, meanAdaptation, scaleAdaptation };
          const series = replay(experiments, replayed);
          for (const enterRatio of ENTER)
            for (const fraction of EXIT_FRACTION)
              for (const exitReadings of EXIT_READINGS) {
                const exitRatio = enterRatio * fraction;
                points.push({
                  settings: { ...replayed, enterRatio, exitRatio, exitReadings },
                  files: series.map((s) => ({
                    series: s,
                    predictions: decide(s.ratio, enterRatio, exitRatio, exitReadings),
                  })),
                });
              }
        }
  const all = choose(points, () => true);
  console.log(`${points.length} grid points, ${experiments.length} experiments`);
  console.log(`chosen on all: ${JSON.stringify(all.settings)}: ${show(metricsOf(all.files))}`);
  const schemes: [string, (s: Series) => string][] = [
    ['SKAB folder', (s) => s.folder],
    ['fault type', (s) => s.faultType],
  ];
  for (const [scheme, groupOf] of schemes) {
    const groups = [...new Set(experiments.map((e) => groupOf(replaySeriesStub(e.name))))];
    const heldOut: Point['files'] = [];
    console.log(`leave one ${scheme} out:`);
    for (const g of groups) {
      const chosen = choose(points, (s) => groupOf(s) !== g);
      const test = chosen.files.filter((f) => groupOf(f.series) === g);
      heldOut.push(...test);
      console.log(`  ${g}: chosen ${JSON.stringify(chosen.settings)}; held out ${show(metricsOf(test))}`);
    }
    console.log(`  pooled held-out: ${show(metricsOf(heldOut))}`);
  }
}

/** The grouping fields of an experiment, without replaying it. */
function replaySeriesStub(name: string): Series {
  return { name, folder: name.split('/')[0], faultType: faultType(name), labels: [], ratio: [] };
}

main();
