/**
 * The Numenta Anomaly Benchmark (NAB) score, implemented from Lavin & Ahmad, "Evaluating
 * Real-time Anomaly Detection Algorithms – the Numenta Anomaly Benchmark", IEEE ICMLA 2015
 * (arXiv:1510.03336), with the conventions of NAB v1.1's scorer (numenta/NAB `nab/sweeper.py`,
 * `config/profiles.json`, `nab/runner.py` normalisation), re-implemented here:
 *
 * - The first `min(floor(0.15·n), 750)` rows of each file are a probationary period: never scored.
 * - Inside a labelled window of width w rows (right edge at row r), a detection at row i has the
 *   relative position `-(r - i + 1) / w` (−1 at the window's first row) and is worth
 *   `A_TP · σ(position) / σ(−1)`, where σ is the scaled sigmoid `2/(1+e^{5x}) − 1`. Only the
 *   best (earliest) detection of a window counts; a window with none costs `−A_FN`.
 * - Outside windows each detection costs `A_FP · σ((i − r_prev) / (w_prev − 1))` after the
 *   preceding window (right edge r_prev, width w_prev; σ is −1 beyond 3 window widths) and
 *   `−A_FP` when no window precedes it.
 * - Detections are rows with `anomaly_score ≥ threshold`; one threshold per profile is chosen
 *   over the whole corpus to maximise the total raw score (a sweep over every distinct score).
 * - Normalised score `100 · (raw − null) / (perfect − null)`: null = the score of a detector
 *   that never fires, perfect = `A_TP ·` (number of windows).
 */

/** The weights of one NAB application profile. A_TN is 0 in effect (true negatives score 0). */
export interface NabCostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

/** NAB v1.1 profiles, as in numenta/NAB `config/profiles.json` (checked at ea702d7). */
export const NAB_PROFILES: Readonly<Record<NabProfileName, NabCostMatrix>> = {
  standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
};

/** Fraction of each file that is probationary, and the cap (0.15 · 5000 rows). */
export const NAB_PROBATION_FRACTION = 0.15;

/** One data file's detector output and its labelled windows. */
export interface NabFileInput {
  /** Relative path, e.g. `realKnownCause/nyc_taxi.csv`; names the file in per-file results. */
  name: string;
  /** Row timestamps, epoch ms, ascending. */
  tsMs: ArrayLike<number>;
  /** Anomaly score of each row, 0..1 (same length as `tsMs`). */
  scores: ArrayLike<number>;
  /** Labelled windows `[startMs, endMs]`, inclusive, ascending, non-overlapping. */
  windows: ReadonlyArray<readonly [number, number]>;
}

/** Result of one profile over a corpus. */
export interface NabCorpusScore {
  profile: NabCostMatrix;
  /** The threshold that maximised the raw score (1.1 when "never fire" is best). */
  threshold: number;
  rawScore: number;
  nullScore: number;
  perfectScore: number;
  /** 100 · (raw − null) / (perfect − null). */
  normalized: number;
  /** Windows detected / missed, and scored detections outside windows, at `threshold`. */
  windowsDetected: number;
  windowsMissed: number;
  falsePositives: number;
  /** Raw score of each file at `threshold`, by file name. */
  perFile: Record<string, number>;
}

/**
 * NAB's scaled sigmoid: `2 / (1 + e^{5x}) − 1`, and −1 for x > 3.
 * @param relativePosition - −1 at a window's left edge, 0 at its right edge, > 0 after it.
 * @returns a value in (−1, 1): ≈ 0.98661 at −1, 0 at 0, ≈ −0.98661 at 1.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** Rows at the start of a file of `rows` rows that NAB never scores. */
export function nabProbationLength(rows: number): number {
  return Math.min(Math.floor(NAB_PROBATION_FRACTION * rows), NAB_PROBATION_FRACTION * 5000);
}

/** One scorable row: its anomaly score, the window it lies in (or -1), and its weighted value. */
interface SweepRow {
  score: number;
  /** Corpus-wide window id, or -1 outside windows. */
  window: number;
  /** Weighted NAB value if this row is a detection (TP credit or FP cost). */
  value: number;
  file: number;
}

interface PreparedCorpus {
  rows: SweepRow[];
  /** Windows with at least one scorable row (the others are never counted, as in NAB). */
  countedWindows: number;
  /** File index of each counted window, by corpus-wide window id. */
  windowFile: Map<number, number>;
  /** All labelled windows (the "perfect" detector's count). */
  totalWindows: number;
}

/** Row range [first, last] of each window; windows that cover no row are dropped. */
function windowIndexRanges(file: NabFileInput): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const n = file.tsMs.length;
  let i = 0;
  for (const [startMs, endMs] of file.windows) {
    while (i < n && file.tsMs[i] < startMs) i++;
    let j = i;
    while (j < n && file.tsMs[j] <= endMs) j++;
    if (j > i) ranges.push([i, j - 1]);
    i = j;
  }
  return ranges;
}

function prepare(files: readonly NabFileInput[], cost: NabCostMatrix): PreparedCorpus {
  const rows: SweepRow[] = [];
  let windowBase = 0;
  let countedWindows = 0;
  let totalWindows = 0;
  const windowFile = new Map<number, number>();
  files.forEach((file, fileIndex) => {
    if (file.scores.length !== file.tsMs.length) {
      throw new RangeError(`${file.name}: ${file.scores.length} scores for ${file.tsMs.length} rows`);
    }
    totalWindows += file.windows.length;
    const ranges = windowIndexRanges(file);
    const probation = nabProbationLength(file.tsMs.length);
    const counted = new Set<number>();
    let w = 0;
    let prev: [number, number] | undefined;
    for (let i = 0; i < file.tsMs.length; i++) {
      while (w < ranges.length && ranges[w][1] < i) prev = ranges[w++];
      const inside = w < ranges.length && ranges[w][0] <= i;
      if (i < probation) continue;
      let value: number;
      let window = -1;
      if (inside) {
        const [first, last] = ranges[w];
        const width = last - first + 1;
        value = (scaledSigmoid(-(last - i + 1) / width) * cost.tpWeight) / scaledSigmoid(-1);
        window = windowBase + w;
        counted.add(w);
      } else if (prev === undefined || prev[1] === prev[0]) {
        value = -cost.fpWeight;
      } else {
        value = scaledSigmoid((i - prev[1]) / (prev[1] - prev[0])) * cost.fpWeight;
      }
      const score = file.scores[i];
      if (!Number.isFinite(score)) throw new RangeError(`${file.name}: row ${i} has a non-finite score`);
      rows.push({ score, window, value, file: fileIndex });
    }
    for (const w of counted) windowFile.set(windowBase + w, fileIndex);
    windowBase += ranges.length;
    countedWindows += counted.size;
  });
  return { rows, countedWindows, totalWindows, windowFile };
}

/** Raw score and counts when the rows with `score ≥ threshold` are detections. */
function evaluateAt(corpus: PreparedCorpus, cost: NabCostMatrix, threshold: number, fileCount: number) {
  const best = new Map<number, { value: number; file: number }>();
  const perFile = new Array<number>(fileCount).fill(0);
  let falsePositives = 0;
  let fpTotal = 0;
  for (const row of corpus.rows) {
    if (row.score < threshold) continue;
    if (row.window < 0) {
      falsePositives++;
      fpTotal += row.value;
      perFile[row.file] += row.value;
    } else {
      const seen = best.get(row.window);
      if (!seen || row.value > seen.value) best.set(row.window, { value: row.value, file: row.file });
    }
  }
  let tpTotal = 0;
  for (const { value, file } of best.values()) {
    tpTotal += value;
    perFile[file] += value;
  }
  const windowsMissed = corpus.countedWindows - best.size;
  for (const [window, file] of corpus.windowFile) if (!best.has(window)) perFile[file] -= cost.fnWeight;
  return {
    raw: tpTotal + fpTotal - windowsMissed * cost.fnWeight,
    windowsDetected: best.size,
    windowsMissed,
    falsePositives,
    perFile,
  };
}

/**
 * The threshold that maximises the corpus's raw NAB score: a sweep over every distinct
 * anomaly score (plus 1.1, "never fire"), highest first; ties keep the higher threshold.
 * O(n log n) in the number of scorable rows.
 */
function bestThreshold(corpus: PreparedCorpus, cost: NabCostMatrix): { threshold: number; raw: number } {
  const sorted = [...corpus.rows].sort((a, b) => b.score - a.score);
  const windowBest = new Map<number, number>();
  let raw = -corpus.countedWindows * cost.fnWeight;
  let best = { threshold: 1.1, raw };
  let k = 0;
  while (k < sorted.length) {
    const threshold = sorted[k].score;
    for (; k < sorted.length && sorted[k].score === threshold; k++) {
      const row = sorted[k];
      if (row.window < 0) {
        raw += row.value;
      } else {
        const previous = windowBest.get(row.window);
        if (previous === undefined) {
          raw += cost.fnWeight + row.value;
          windowBest.set(row.window, row.value);
        } else if (row.value > previous) {
          raw += row.value - previous;
          windowBest.set(row.window, row.value);
        }
      }
    }
    if (raw > best.raw) best = { threshold, raw };
  }
  return best;
}

/**
 * Scores a corpus the NAB way under one profile: optimises the threshold over all files
 * together, then normalises against the null and perfect detectors.
 *
 * @param files - every file's scores and windows (files without windows still count FPs).
 * @param cost - a profile, e.g. `NAB_PROFILES.standard`.
 * @param fixedThreshold - score at this threshold instead of optimising it (e.g. to compare
 *   with a published run at its threshold).
 * @returns the normalised score (null detector 0, perfect 100), the threshold and counts.
 * @throws RangeError when a file's scores and timestamps differ in length or a score is not finite.
 * @example
 * const s = scoreNabCorpus([{ name: 'a.csv', tsMs, scores, windows }], NAB_PROFILES.standard);
 * s.normalized; // 0 for a detector that never fires
 */
export function scoreNabCorpus(
  files: readonly NabFileInput[],
  cost: NabCostMatrix,
  fixedThreshold?: number,
): NabCorpusScore {
  const corpus = prepare(files, cost);
  const threshold = fixedThreshold ?? bestThreshold(corpus, cost).threshold;
  const at = evaluateAt(corpus, cost, threshold, files.length);
  const nullScore = -corpus.countedWindows * cost.fnWeight;
  const perfectScore = corpus.totalWindows * cost.tpWeight;
  const denominator = perfectScore - nullScore;
  const perFile: Record<string, number> = {};
  files.forEach((f, i) => (perFile[f.name] = at.perFile[i]));
  return {
    profile: cost,
    threshold,
    rawScore: at.raw,
    nullScore,
    perfectScore,
    normalized: denominator > 0 ? (100 * (at.raw - nullScore)) / denominator : 0,
    windowsDetected: at.windowsDetected,
    windowsMissed: at.windowsMissed,
    falsePositives: at.falsePositives,
    perFile,
  };
}
