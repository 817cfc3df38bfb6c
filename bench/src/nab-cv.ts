/**
 * Honest selection of the streaming detector's NAB-relevant settings: leave-one-category-out
 * cross-validation over the NAB categories present in the dataset folder.
 *
 * Every candidate of {@link NAB_CV_GRID} (a few variants per design decision, nothing per file)
 * is run on every file through the same code as `lucid score` (`scoreRecording`). For each
 * category held out, the candidate *and* the threshold are chosen on the other categories (NAB's
 * protocol there: the threshold that maximises the standard score over those files); the held-out
 * category is then scored at that threshold. A category without labelled windows (NAB's
 * `artificialNoAnomaly`) has no normalised score (perfect = null): its fold reports the false
 * positives and raw score at the chosen threshold, and the mean is over the other folds.
 *
 * The whole-subset selection (the same procedure on all categories) is what the defaults must
 * equal; the report says whether they do. A held-out mean far below the whole-subset score means
 * the choice was fitted to the data.
 */
import {
  NAB_PROFILES,
  scoreNabCorpus,
  type NabFileInput,
} from '../../node-red-nodes/src/lib/bench/nab-scorer';
import { scoreRecording } from '../../node-red-nodes/src/lib/bench/recording-scorer';
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from '../../node-red-nodes/src/lib/detect';
import { Recording } from '../../node-red-nodes/src/lib/replay/recording';
import { nabFiles } from './datasets';

/** One candidate: a label and the detector settings it changes from the defaults. */
export interface NabCvCandidate {
  label: string;
  detect: Partial<DetectConfig>;
}

/**
 * The grid: novelty margin (off, 1 %, 2 %, 5 % of the learned range; 5 % is Numenta's spatial
 * tolerance) × novelty warm-up (300, 1000 readings) × window size (32, 64 readings). Kept small on
 * purpose: each extra variant is one more chance to fit the labels.
 */
export const NAB_CV_GRID: readonly NabCvCandidate[] = [0, 0.01, 0.02, 0.05].flatMap((noveltyMargin) =>
  (noveltyMargin === 0 ? [1000] : [300, 1000]).flatMap((noveltyWarmupReadings) =>
    [32, 64].map((windowSize) => ({
      label:
        noveltyMargin === 0
          ? `novelty off, window ${windowSize}`
          : `novelty ${noveltyMargin * 100} % after ${noveltyWarmupReadings}, window ${windowSize}`,
      detect: { noveltyMargin, noveltyWarmupReadings, windowSize },
    })),
  ),
);

export interface NabCvFold {
  heldOut: string;
  files: number;
  windows: number;
  /** Candidate chosen on the other categories. */
  chosen: string;
  /** Its standard score on the other categories (threshold optimised there). */
  trainStandard: number;
  threshold: number;
  /** Held-out standard score at that threshold; null when the category has no windows. */
  heldOutStandard: number | null;
  heldOutRaw: number;
  heldOutFalsePositives: number;
  heldOutWindowsDetected: number;
}

export interface NabCvResult {
  candidates: { label: string; detect: Partial<DetectConfig>; standard: number; threshold: number }[];
  /** The candidate the procedure picks on all categories, and whether it equals the defaults. */
  selected: string;
  selectedIsDefault: boolean;
  wholeStandard: number;
  folds: NabCvFold[];
  /** Mean held-out standard score over the folds that have one. */
  meanHeldOut: number;
  /** Per category at the whole-subset threshold of the selected candidate. */
  perCategory: {
    category: string;
    standard: number | null;
    raw: number;
    windowsDetected: number;
    windowsMissed: number;
    falsePositives: number;
  }[];
  seconds: number;
}

const categoryOf = (name: string): string => name.split('/')[0];

function isDefault(detect: Partial<DetectConfig>): boolean {
  return Object.entries(detect).every(([k, v]) => DEFAULT_DETECT_CONFIG[k as keyof DetectConfig] === v);
}

async function scoreFile(
  path: string,
  detect: Partial<DetectConfig>,
): Promise<{ tsMs: number[]; scores: number[] }> {
  const recording = await Recording.open(path, { format: 'nab' });
  const tsMs: number[] = [];
  const scores: number[] = [];
  for await (const batch of scoreRecording(recording.rows(), { detect, batchSize: 1024 })) {
    for (const { row, detection } of batch) {
      tsMs.push(row.tsMs);
      scores.push(detection.score.score);
    }
  }
  return { tsMs, scores };
}

function best(
  runs: NabFileInput[][],
  pick: (name: string) => boolean,
): { index: number; standard: number; threshold: number } {
  let out = { index: -1, standard: -Infinity, threshold: 1.1 };
  runs.forEach((files, index) => {
    const s = scoreNabCorpus(
      files.filter((f) => pick(f.name)),
      NAB_PROFILES.standard,
    );
    if (s.normalized > out.standard) out = { index, standard: s.normalized, threshold: s.threshold };
  });
  return out;
}

/**
 * Runs the leave-one-category-out cross-validation (see the file header) over the NAB files the
 * label file lists under `nabRoot`.
 * @param grid - candidates; default {@link NAB_CV_GRID}.
 * @returns per-candidate whole-subset scores, the folds, their mean and the per-category losses.
 * @throws InputError when a file cannot be read (as `lucid score`).
 */
export async function runNabCv(
  nabRoot: string,
  log: (s: string) => void,
  grid: readonly NabCvCandidate[] = NAB_CV_GRID,
): Promise<NabCvResult> {
  const t0 = Date.now();
  const files = nabFiles(nabRoot);
  const runs: NabFileInput[][] = [];
  for (const candidate of grid) {
    const run: NabFileInput[] = [];
    for (const file of files)
      run.push({ name: file.name, windows: file.windows, ...(await scoreFile(file.path, candidate.detect)) });
    runs.push(run);
    log(
      `  NAB CV candidate ${candidate.label}: ${scoreNabCorpus(run, NAB_PROFILES.standard).normalized.toFixed(1)}`,
    );
  }
  const candidates = grid.map((c, i) => {
    const s = scoreNabCorpus(runs[i], NAB_PROFILES.standard);
    return { label: c.label, detect: c.detect, standard: s.normalized, threshold: s.threshold };
  });
  const whole = best(runs, () => true);
  const categories = [...new Set(files.map((f) => categoryOf(f.name)))];
  const folds: NabCvFold[] = categories.map((heldOut) => {
    const chosen = best(runs, (name) => categoryOf(name) !== heldOut);
    const test = runs[chosen.index].filter((f) => categoryOf(f.name) === heldOut);
    const s = scoreNabCorpus(test, NAB_PROFILES.standard, chosen.threshold);
    const windows = test.reduce((a, f) => a + f.windows.length, 0);
    return {
      heldOut,
      files: test.length,
      windows,
      chosen: grid[chosen.index].label,
      trainStandard: chosen.standard,
      threshold: chosen.threshold,
      heldOutStandard: windows > 0 ? s.normalized : null,
      heldOutRaw: s.rawScore,
      heldOutFalsePositives: s.falsePositives,
      heldOutWindowsDetected: s.windowsDetected,
    };
  });
  const scored = folds.filter((f) => f.heldOutStandard !== null);
  const perCategory = categories.map((category) => {
    const test = runs[whole.index].filter((f) => categoryOf(f.name) === category);
    const s = scoreNabCorpus(test, NAB_PROFILES.standard, whole.threshold);
    const windows = test.reduce((a, f) => a + f.windows.length, 0);
    return {
      category,
      standard: windows > 0 ? s.normalized : null,
      raw: s.rawScore,
      windowsDetected: s.windowsDetected,
      windowsMissed: s.windowsMissed,
      falsePositives: s.falsePositives,
    };
  });
  return {
    candidates,
    selected: grid[whole.index].label,
    selectedIsDefault: isDefault(grid[whole.index].detect),
    wholeStandard: whole.standard,
    folds,
    meanHeldOut: scored.reduce((a, f) => a + (f.heldOutStandard ?? 0), 0) / Math.max(1, scored.length),
    perCategory,
    seconds: (Date.now() - t0) / 1000,
  };
}
