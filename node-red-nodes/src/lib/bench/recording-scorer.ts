import { InputError } from '../contracts/errors';
import type { AnomalyScore, Detection, Reading } from '../contracts/types';
import { CombinedDetector, resolveDetectConfig, type DetectConfig } from '../detect';
import { FleetRegistry } from '../fleet/fleet-registry';
import { TelemetryIngestor, type IngestOptions } from '../ingest';
import type { RecordedRow } from '../replay/recording';

export type { RecordedRow };

/** Scores a batch of readings: the streaming detector, or a model-backed scorer. */
export interface ReadingScorer {
  /** Scores readings in order, learning from them; one score per reading. */
  scoreBatch(readings: Reading[]): AnomalyScore[] | Promise<AnomalyScore[]>;
  /** Optional offline fit on the first rows a protocol allows (e.g. SKAB's 400). */
  fit?(readings: Reading[]): void | Promise<void>;
}

/** Options of {@link scoreRecording}. */
export interface ScoreRecordingOptions {
  /** Device id given to every reading. Default `recording`. */
  deviceId?: string;
  /** Detector settings, as in the `lucid-detect` node (completed by `resolveDetectConfig`). */
  detect?: Partial<DetectConfig>;
  /** Extra ingest options; the replay defaults below always apply unless overridden. */
  ingest?: Partial<Record<keyof IngestOptions, unknown>>;
  /** Fleet (units, ranges, device types). Default: an empty fleet (documented defaults). */
  fleet?: FleetRegistry;
  /**
   * Rows that may be used to fit before scoring (a protocol's training part). Default 0. With the
   * default detector, a positive value is also its joint-state commissioning window
   * (`jointFitReadings`) unless `detect.jointFitReadings` is set.
   */
  fitRows?: number;
  /** Readings per detector call. Default 256. */
  batchSize?: number;
  /** Replaces the streaming detector (e.g. a model-backed scorer). */
  scorer?: ReadingScorer;
}

/** One scored row: the input row and the detection the pipeline made of it. */
export interface ScoredRow {
  row: RecordedRow;
  detection: Detection;
}

/**
 * Ingest options for a recorded file: there is no wall clock, so every check bound to the
 * receive time (skew windows, rate limit, heartbeat) is off, as are size limits and duplicate
 * refusal (each row of the file must come out scored).
 */
export const REPLAY_INGEST_OPTIONS: Readonly<Partial<IngestOptions>> = Object.freeze({
  maxBytes: 0,
  maxFutureMs: 0,
  maxPastMs: 0,
  duplicateCacheSize: 0,
  rateLimitPerSec: 0,
  heartbeatFactor: 0,
  missingTimestamp: 'reject',
});

function hasMetric(row: RecordedRow): boolean {
  for (const name in row.metrics) if (hasOwn.call(row.metrics, name)) return true;
  return false;
}
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The detection written for a row that has no finite metric: score 0, no decision, no
 * contributions (so `lucid score` still writes one row per input row).
 */
export function unscored(deviceId: string, tsMs: number): Detection {
  return {
    reading: { deviceId, tsMs, metrics: {} },
    score: {
      deviceId,
      tsMs,
      score: 0,
      isAnomaly: false,
      detector: 'none',
      contributions: {},
      expected: {},
      evidence: { metrics: {}, warmingUp: false, combined: { method: 'none', anomalousMetrics: [] } },
    },
  };
}

/** Metric names lucid-ingest accepts (its telemetry schema): inner spaces allowed, 1..64 characters. */
const INGEST_NAME = /^[A-Za-z_](?:[A-Za-z0-9_.: -]{0,62}[A-Za-z0-9_.:-])?$/;

/**
 * The metric name a recorded column gets inside the pipeline. Names lucid-ingest accepts (SKAB's
 * `Volume Flow RateRMS` included) are unchanged; otherwise other characters become `_`, a
 * leading non-letter gets a `_` prefix, the name is cut to 64 characters and a trailing space
 * becomes `_`. Output files keep the original names.
 */
export function ingestMetricName(column: string): string {
  if (INGEST_NAME.test(column)) return column;
  let name = column.replace(/[^A-Za-z0-9_.: -]/g, '_');
  if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
  return name.slice(0, 64).replace(/ $/, '_');
}

/** Lucid's default detector (streaming per metric + joint state per device) as a {@link ReadingScorer}. */
export function streamingScorer(config: DetectConfig, fleet: FleetRegistry): ReadingScorer {
  const detector = new CombinedDetector(config, fleet);
  return { scoreBatch: (readings) => detector.detectBatch(readings) };
}

/**
 * Runs recorded rows through the same library code the nodes run: `TelemetryIngestor` (the
 * lucid-ingest node's validation and unit normalisation) then `CombinedDetector` (lucid-detect)
 * with the node's configuration object, or a model-backed scorer. Yields one
 * {@link ScoredRow} per input row, in input order, in batches. Metric names inside the
 * detection are {@link ingestMetricName}s of the columns.
 *
 * The first `fitRows` rows are given to the scorer's `fit` when it has one; they are always
 * scored too (so the output has one row per input row), and evaluation protocols drop them.
 *
 * @param rows - rows of one recording (one device), ascending in time.
 * @throws InputError when ingest refuses a row (naming its line), or `ConfigError` for bad settings.
 * @example
 * for await (const batch of scoreRecording(readRecordedRows('nyc_taxi.csv', { format: 'nab' }))) {
 *   for (const { row, detection } of batch) console.log(row.timestamp, detection.score.score);
 * }
 */
export async function* scoreRecording(
  rows: AsyncIterable<RecordedRow> | Iterable<RecordedRow>,
  options: ScoreRecordingOptions = {},
): AsyncGenerator<ScoredRow[]> {
  const deviceId = options.deviceId ?? 'recording';
  const fleet = options.fleet ?? new FleetRegistry({});
  const batchSize = options.batchSize ?? 256;
  const fitRows = options.fitRows ?? 0;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(fitRows) || fitRows < 0)
    throw new RangeError(`fitRows must be a non-negative integer, got ${fitRows}`);
  const detect = { ...options.detect };
  if (fitRows > 0 && detect.jointFitReadings === undefined) detect.jointFitReadings = fitRows;
  const scorer = options.scorer ?? streamingScorer(resolveDetectConfig(detect), fleet);
  const ingestor = new TelemetryIngestor(
    { ...REPLAY_INGEST_OPTIONS, ...options.ingest },
    fleet,
    undefined,
    () => 0,
  );

  const names = new Map<string, string>();
  const renamed = (metrics: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [column, value] of Object.entries(metrics)) {
      let name = names.get(column);
      if (name === undefined) {
        name = ingestMetricName(column);
        for (const [other, otherName] of names) {
          if (otherName === name)
            throw new InputError(
              'csv_malformed',
              `columns "${other}" and "${column}" both map to the metric name "${name}"; rename one`,
            );
        }
        names.set(column, name);
      }
      out[name] = value;
    }
    return out;
  };
  const toReadings = (batch: RecordedRow[]): Reading[] => {
    const result = ingestor.ingest(
      batch.map((row) => ({ deviceId, tsMs: row.tsMs, metrics: renamed(row.metrics) })),
    );
    if (result.rejects.length > 0) {
      const reject = result.rejects[0];
      const row = batch[reject.index ?? 0];
      throw new InputError(reject.code, `line ${row.line ?? row.index + 1}: ${reject.detail}`);
    }
    return result.readings;
  };
  const score = async (batch: RecordedRow[]): Promise<ScoredRow[]> => {
    // A row without any finite metric (every cell empty or skipped) is not a reading: it is
    // written unscored (score 0) and the detectors never see it.
    const measured = batch.filter(hasMetric);
    const readings = measured.length > 0 ? toReadings(measured) : [];
    const scores = readings.length > 0 ? await scorer.scoreBatch(readings) : [];
    let j = 0;
    return batch.map((row) => {
      if (!hasMetric(row)) return { row, detection: unscored(deviceId, row.tsMs) };
      const detection = { reading: readings[j], score: scores[j] };
      j++;
      return { row, detection };
    });
  };

  // Rows wait here until the fit is done (when there is one), then go out in batches.
  let pending: RecordedRow[] = [];
  let fitted = fitRows === 0 || !scorer.fit;
  for await (const row of rows) {
    pending.push(row);
    if (!fitted) {
      if (pending.length < fitRows) continue;
      await scorer.fit!(toReadings(pending));
      fitted = true;
    }
    while (pending.length >= batchSize) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      yield await score(batch);
    }
  }
  if (!fitted && pending.length > 0) await scorer.fit!(toReadings(pending));
  if (pending.length > 0) yield await score(pending);
}
