/**
 * SMD (group 1 machines present): HitRate@100 % / @150 % of Lucid's per-metric contributions
 * against `interpretation_label`, next to a random ranking's chance level; plus the detector's
 * point-wise and point-adjusted F1 on `test_label` (supplementary, see SMD/SCOREBOARD.md).
 */
import {
  hitRateAtP,
  randomHitRateAtP,
  type RankedAnomaly,
} from '../../node-red-nodes/src/lib/bench/hit-rate';
import { scoreRecording, streamingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';
import { resolveDetectConfig } from '../../node-red-nodes/src/lib/detect';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { Recording, SMD_START_MS } from '../../node-red-nodes/src/lib/replay/recording';
import { smdMachines } from './datasets';

export const SMD_DIMENSIONS = 38;

export interface F1Counts {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface SmdResult {
  machines: string[];
  segments: number;
  /** Rows of train used to warm the detector up before the test part (the protocol's training half). */
  warmupRows: number;
  hitRate100: number;
  hitRate150: number;
  /** HitRate over every labelled point (each point ranked by its own row's contributions). */
  pointHitRate100: number;
  pointHitRate150: number;
  labelledPoints: number;
  /** Per machine: labelled points and per-point HitRate@150 %. */
  perMachine: { name: string; points: number; pointHitRate150: number }[];
  random100: number;
  random150: number;
  /** Segments where the detector flagged at least one row. */
  segmentsDetected: number;
  /** HitRate over the detected segments only. */
  detectedHitRate100: number;
  detectedHitRate150: number;
  pointwise: F1Counts;
  pointAdjusted: F1Counts;
  seconds: number;
}

function f1(tp: number, fp: number, fn: number): F1Counts {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    tp,
    fp,
    fn,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}

/**
 * @param warmupRows - the last rows of each machine's train half replayed before its test half
 *   (the detector learns online; the train half is SMD's training part). 0 = test only.
 */
export async function runSmd(
  smdRoot: string,
  warmupRows: number,
  log: (s: string) => void,
): Promise<SmdResult> {
  const started = Date.now();
  const machines = smdMachines(smdRoot);
  const ranked: RankedAnomaly[] = [];
  const points: RankedAnomaly[] = [];
  const perMachine: SmdResult['perMachine'] = [];
  const detectedRanked: RankedAnomaly[] = [];
  const pw = { tp: 0, fp: 0, fn: 0 };
  const pa = { tp: 0, fp: 0, fn: 0 };
  for (const m of machines) {
    const fleet = new FleetRegistry({});
    const scorer = streamingScorer(resolveDetectConfig({}), fleet);
    const deviceId = m.name;
    if (warmupRows > 0) {
      const train = await Recording.open(m.train, { format: 'smd' });
      const all = await collectRows(train);
      // The train half's last rows, placed just before the test half's row 0 in event time.
      const testStartMs = SMD_START_MS;
      const tail = all.slice(Math.max(0, all.length - warmupRows));
      const shifted = tail.map((r, i) => ({ ...r, tsMs: testStartMs - (tail.length - i) * 60_000 }));
      for await (const batch of scoreRecording(shifted, { deviceId, fleet, scorer })) void batch;
    }
    const test = await Recording.open(m.test, { format: 'smd' });
    const contributions: Float32Array[] = [];
    const flagged: number[] = [];
    for await (const batch of scoreRecording(test.rows(), { deviceId, fleet, scorer })) {
      for (const { detection } of batch) {
        const c = new Float32Array(SMD_DIMENSIONS);
        for (let d = 0; d < SMD_DIMENSIONS; d++) c[d] = detection.score.contributions[`d${d + 1}`] ?? 0;
        contributions.push(c);
        flagged.push(detection.score.isAnomaly ? 1 : 0);
      }
    }
    const machinePoints: RankedAnomaly[] = [];
    for (const seg of m.segments) {
      const sums = new Float64Array(SMD_DIMENSIONS);
      let detected = false;
      for (let i = seg.start; i < Math.min(seg.end, contributions.length); i++) {
        for (let d = 0; d < SMD_DIMENSIONS; d++) sums[d] += contributions[i][d];
        if (flagged[i]) detected = true;
        const c = contributions[i];
        machinePoints.push({
          truth: seg.dims,
          ranking: Array.from({ length: SMD_DIMENSIONS }, (_, d) => d + 1).sort(
            (a, b) => c[b - 1] - c[a - 1] || a - b,
          ),
        });
      }
      // Rank by summed contribution, ties by dimension number (deterministic).
      const ranking = Array.from({ length: SMD_DIMENSIONS }, (_, d) => d + 1).sort(
        (a, b) => sums[b - 1] - sums[a - 1] || a - b,
      );
      ranked.push({ truth: seg.dims, ranking });
      if (detected) detectedRanked.push({ truth: seg.dims, ranking });
    }
    points.push(...machinePoints);
    perMachine.push({
      name: m.name,
      points: machinePoints.length,
      pointHitRate150: machinePoints.length ? hitRateAtP(machinePoints, 150) : 0,
    });
    // Point-wise and point-adjusted counts against test_label (runs of 1 are the segments).
    const n = Math.min(flagged.length, m.labels.length);
    const adjusted = flagged.slice(0, n);
    for (let i = 0; i < n;) {
      if (!m.labels[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < n && m.labels[j]) j++;
      if (adjusted.slice(i, j).some(Boolean)) for (let k = i; k < j; k++) adjusted[k] = 1;
      i = j;
    }
    for (let i = 0; i < n; i++) {
      const truth = m.labels[i] === 1;
      if (flagged[i] && truth) pw.tp++;
      else if (flagged[i]) pw.fp++;
      else if (truth) pw.fn++;
      if (adjusted[i] && truth) pa.tp++;
      else if (adjusted[i]) pa.fp++;
      else if (truth) pa.fn++;
    }
    log(
      `  SMD ${m.name}: ${contributions.length} test rows, ${m.segments.length} segments, ${flagged.reduce((a, b) => a + b, 0)} flagged`,
    );
  }
  const truths = ranked.map((r) => r.truth);
  return {
    machines: machines.map((m) => m.name),
    segments: ranked.length,
    warmupRows,
    hitRate100: ranked.length ? hitRateAtP(ranked, 100) : 0,
    hitRate150: ranked.length ? hitRateAtP(ranked, 150) : 0,
    pointHitRate100: points.length ? hitRateAtP(points, 100) : 0,
    pointHitRate150: points.length ? hitRateAtP(points, 150) : 0,
    labelledPoints: points.length,
    perMachine,
    random100: truths.length ? randomHitRateAtP(truths, SMD_DIMENSIONS, 100) : 0,
    random150: truths.length ? randomHitRateAtP(truths, SMD_DIMENSIONS, 150) : 0,
    segmentsDetected: detectedRanked.length,
    detectedHitRate100: detectedRanked.length ? hitRateAtP(detectedRanked, 100) : 0,
    detectedHitRate150: detectedRanked.length ? hitRateAtP(detectedRanked, 150) : 0,
    pointwise: f1(pw.tp, pw.fp, pw.fn),
    pointAdjusted: f1(pa.tp, pa.fp, pa.fn),
    seconds: (Date.now() - started) / 1000,
  };
}

async function collectRows(recording: Recording) {
  const rows = [];
  for await (const row of recording.rows()) rows.push(row);
  return rows;
}
