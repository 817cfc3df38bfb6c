import { ingestMetricName, type ScoredRow } from './recording-scorer';

/**
 * The CSV `lucid score` writes: header `timestamp,anomaly_score,<metric…>`, one row per input
 * row, with `anomaly_score` in [0, 1] and each metric's contribution (≥ 0, the detector's share
 * of the anomaly). Numbers carry at most 6 decimals, so output is byte-identical across runs
 * and platforms for identical scores.
 */

/** Quotes a CSV cell when it needs it (RFC 4180). */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A number with at most 6 decimals, no exponent, no trailing zeros, `-0` as `0`. */
export function formatScore(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write a non-finite score: ${value}`);
  const text = value.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

/** The header line (with its line break) for the given metric columns. */
export function scoreCsvHeader(metrics: readonly string[]): string {
  return ['timestamp', 'anomaly_score', ...metrics].map(csvCell).join(',') + '\n';
}

/**
 * CSV lines (with line breaks) for scored rows; `metrics` are the file's column names (looked up
 * under their {@link ingestMetricName}); a metric absent from a row's contributions writes 0.
 */
export function scoreCsvLines(rows: readonly ScoredRow[], metrics: readonly string[]): string {
  const keys = metrics.map(ingestMetricName);
  let out = '';
  for (const { row, detection } of rows) {
    const contributions = detection.score.contributions;
    out += csvCell(row.timestamp) + ',' + formatScore(detection.score.score);
    for (const k of keys) out += ',' + formatScore(Math.max(0, contributions[k] ?? 0));
    out += '\n';
  }
  return out;
}
