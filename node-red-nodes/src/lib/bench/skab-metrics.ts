/**
 * SKAB's outlier-detection metrics (waico/SKAB README, "Proposed Leaderboard"; the counting is
 * that of `tsad`'s binary evaluation): point-wise confusion counts pooled over all files, then
 * F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN) · 100 %, MAR = FN / (FN + TP) · 100 %.
 */

/** One file's test part: the `anomaly` label (0/1) and the detector's decision, row for row. */
export interface SkabFileDecisions {
  labels: ArrayLike<number>;
  predictions: ArrayLike<boolean | number>;
}

export interface SkabMetrics {
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  /** 0..1; 0 when there is nothing to score. */
  f1: number;
  /** False alarm rate, % of normal rows flagged. */
  farPct: number;
  /** Missing alarm rate, % of anomalous rows not flagged. */
  marPct: number;
}

/**
 * Pools point-wise counts over files and derives F1, FAR % and MAR %.
 * @throws RangeError when a file's labels and predictions differ in length.
 * @example
 * skabOutlierMetrics([{ labels: [0, 1, 1, 0], predictions: [0, 1, 0, 1] }]);
 * // { tp: 1, tn: 1, fp: 1, fn: 1, f1: 0.5, farPct: 50, marPct: 50 }
 */
export function skabOutlierMetrics(files: readonly SkabFileDecisions[]): SkabMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  files.forEach((file, f) => {
    if (file.labels.length !== file.predictions.length) {
      throw new RangeError(
        `file ${f}: ${file.predictions.length} predictions for ${file.labels.length} labels`,
      );
    }
    for (let i = 0; i < file.labels.length; i++) {
      const truth = file.labels[i] === 1;
      const flagged = Boolean(file.predictions[i]);
      if (truth && flagged) tp++;
      else if (truth) fn++;
      else if (flagged) fp++;
      else tn++;
    }
  });
  const f1Denominator = tp + (fp + fn) / 2;
  return {
    tp,
    tn,
    fp,
    fn,
    f1: f1Denominator > 0 ? tp / f1Denominator : 0,
    farPct: fp + tn > 0 ? (100 * fp) / (fp + tn) : 0,
    marPct: fn + tp > 0 ? (100 * fn) / (fn + tp) : 0,
  };
}
