/**
 * NAB: Lucid's default detector (through the same code as `lucid score`) against the
 * windowed-Gaussian baseline, both scored in this run with bench's NAB scorer; plus the scorer's
 * own checks (null → 0, perfect → 100, NAB's published per-file baseline scores reproduced) and
 * the alert-fatigue counts of the same replay through explain → route.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NAB_PROFILES,
  scoreNabCorpus,
  type NabFileInput,
  type NabProfileName,
} from '../../node-red-nodes/src/lib/bench/nab-scorer';
import { WindowedGaussianDetector } from '../../node-red-nodes/src/lib/bench/windowed-gaussian';
import { nabFiles, type NabFile } from './datasets';
import { FatigueCounter, summarise, type FatigueSummary } from './fatigue';
import { replayFile } from './pipeline';

export interface NabProfileResult {
  normalized: number;
  threshold: number;
  windowsDetected: number;
  windowsMissed: number;
  falsePositives: number;
}

export type NabScores = Record<NabProfileName, NabProfileResult>;

export interface NabResult {
  subset: { files: number; windows: number; rows: number; note: string };
  validation: {
    nullDetector: Record<NabProfileName, number>;
    windowStartDetector: Record<NabProfileName, number>;
    /** Per-file raw scores of NAB's published windowedGaussian run reproduced at its threshold 1.0. */
    publishedBaseline: { files: number; matched: number; maxAbsDiff: number };
  };
  /** Lucid default detector: NAB protocol (threshold optimised per profile over the corpus). */
  lucid: NabScores;
  /** Lucid as deployed: the node's own decision (isAnomaly) as a 0/1 score. */
  lucidDecision: NabScores;
  /** Windowed Gaussian as NAB's published run (Φ(z), window 6400, step 100, scores kept to 12 digits). */
  windowedGaussian: NabScores;
  /** The same with a two-sided tail, |x − μ| > k·σ, what a smooth + switch flow does. */
  windowedGaussianTwoSided: NabScores;
  fatigue: {
    raw: FatigueSummary;
    slack: FatigueSummary;
    webhook: FatigueSummary;
    alertsOpened: number;
    readings: number;
    windows: number;
  };
  perFile: {
    name: string;
    rows: number;
    windows: number;
    lucidFirings: number;
    lucidStandard: number;
    baselineStandard: number;
  }[];
  seconds: { lucidPipeline: number; baseline: number; scoring: number };
}

function profiles(files: NabFileInput[], fixed?: number): NabScores {
  const out = {} as NabScores;
  for (const [name, cost] of Object.entries(NAB_PROFILES) as [
    NabProfileName,
    (typeof NAB_PROFILES)[NabProfileName],
  ][]) {
    const s = scoreNabCorpus(files, cost, fixed);
    out[name] = {
      normalized: s.normalized,
      threshold: s.threshold,
      windowsDetected: s.windowsDetected,
      windowsMissed: s.windowsMissed,
      falsePositives: s.falsePositives,
    };
  }
  return out;
}

function readReference(path: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file,')) continue;
    const [file, score] = line.split(',');
    map.set(file, Number(score));
  }
  return map;
}

/** The windowed Gaussian over a NAB file's values (read as NAB does: `timestamp,value`). */
function baselineScores(file: NabFile, twoSided: boolean): { tsMs: number[]; scores: number[] } {
  const lines = readFileSync(file.path, 'utf8').trim().split(/\r?\n/).slice(1);
  const detector = new WindowedGaussianDetector({ twoSided });
  const tsMs: number[] = [];
  const scores: number[] = [];
  for (const line of lines) {
    const [t, v] = line.split(',');
    tsMs.push(Date.parse(`${t.trim().replace(' ', 'T')}Z`));
    // NAB's Python 2 result files stored str(score): 12 significant digits.
    scores.push(Number(detector.update(Number(v)).toPrecision(12)));
  }
  return { tsMs, scores };
}

export async function runNab(
  nabRoot: string,
  referencePath: string,
  log: (s: string) => void,
): Promise<NabResult> {
  const files = nabFiles(nabRoot);
  const lucid: NabFileInput[] = [];
  const decision: NabFileInput[] = [];
  const raw = new FatigueCounter();
  const slack = new FatigueCounter();
  const webhook = new FatigueCounter();
  let alertsOpened = 0;
  let rows = 0;
  const firings: number[] = [];
  let t0 = Date.now();
  for (const file of files) {
    const tsMs: number[] = [];
    const scores: number[] = [];
    const decisions: number[] = [];
    let w = 0;
    let fired = 0;
    await replayFile(
      file.path,
      { format: 'nab', deviceId: file.name.replace(/[/.]/g, '-'), route: true },
      (o) => {
        const t = o.row.tsMs;
        tsMs.push(t);
        scores.push(o.detection.score.score);
        decisions.push(o.detection.score.isAnomaly ? 1 : 0);
        while (w < file.windows.length && file.windows[w][1] < t) w++;
        const window = w < file.windows.length && file.windows[w][0] <= t ? `${file.name}#${w}` : undefined;
        if (o.detection.score.isAnomaly) fired++;
        raw.add(o.detection.score.isAnomaly ? 1 : 0, window);
        slack.add(o.slack, window);
        webhook.add(o.webhook, window);
        alertsOpened += o.opened;
      },
    );
    rows += tsMs.length;
    firings.push(fired);
    lucid.push({ name: file.name, tsMs, scores, windows: file.windows });
    decision.push({ name: file.name, tsMs, scores: decisions, windows: file.windows });
    log(`  NAB ${file.name}: ${tsMs.length} rows, ${fired} firings`);
  }
  const lucidSeconds = (Date.now() - t0) / 1000;

  t0 = Date.now();
  const baseline: NabFileInput[] = [];
  const twoSided: NabFileInput[] = [];
  for (const file of files) {
    baseline.push({ name: file.name, ...baselineScores(file, false), windows: file.windows });
    twoSided.push({ name: file.name, ...baselineScores(file, true), windows: file.windows });
  }
  const baselineSeconds = (Date.now() - t0) / 1000;

  t0 = Date.now();
  const nullFiles = lucid.map((f) => ({ ...f, scores: new Array<number>(f.tsMs.length).fill(0) }));
  const startFiles = lucid.map((f) => ({
    ...f,
    scores: Array.from(f.tsMs, (t) => (f.windows.some(([a]) => a === t) ? 1 : 0)),
  }));
  const reference = readReference(referencePath);
  const atOne = scoreNabCorpus(baseline, NAB_PROFILES.standard, 1.0);
  let matched = 0;
  let maxAbsDiff = 0;
  for (const [name, score] of reference) {
    if (!(name in atOne.perFile)) continue;
    const diff = Math.abs(atOne.perFile[name] - score);
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (diff < 1e-6) matched++;
  }
  const byProfile = (scores: NabScores) =>
    Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.normalized])) as Record<
      NabProfileName,
      number
    >;
  const lucidStd = scoreNabCorpus(lucid, NAB_PROFILES.standard);
  const baseStd = scoreNabCorpus(baseline, NAB_PROFILES.standard);
  const windows = files.reduce((a, f) => a + f.windows.length, 0);
  const result: NabResult = {
    subset: {
      files: files.length,
      windows,
      rows,
      note: 'NAB v1.1 development subset: realKnownCause, artificialNoAnomaly, artificialWithAnomaly, realAWSCloudwatch (35 of 58 files); the published leaderboard is on all 58',
    },
    validation: {
      nullDetector: byProfile(profiles(nullFiles)),
      windowStartDetector: byProfile(profiles(startFiles)),
      publishedBaseline: { files: reference.size, matched, maxAbsDiff },
    },
    lucid: profiles(lucid),
    lucidDecision: profiles(decision, 1),
    windowedGaussian: profiles(baseline),
    windowedGaussianTwoSided: profiles(twoSided),
    fatigue: {
      raw: summarise(raw, rows, windows),
      slack: summarise(slack, rows, windows),
      webhook: summarise(webhook, rows, windows),
      alertsOpened,
      readings: rows,
      windows,
    },
    perFile: files.map((f, i) => ({
      name: f.name,
      rows: lucid[i].tsMs.length,
      windows: f.windows.length,
      lucidFirings: firings[i],
      lucidStandard: lucidStd.perFile[f.name],
      baselineStandard: baseStd.perFile[f.name],
    })),
    seconds: { lucidPipeline: lucidSeconds, baseline: baselineSeconds, scoring: 0 },
  };
  result.seconds.scoring = (Date.now() - t0) / 1000;
  return result;
}

export const NAB_REFERENCE = (benchDir: string) =>
  join(benchDir, 'reference', 'nab-windowedGaussian-standard.csv');
