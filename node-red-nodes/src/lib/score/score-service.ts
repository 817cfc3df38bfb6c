import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTIVITY_METRIC, InputError, type AnomalyScore, type Reading } from '../contracts';
import type { CombinedDetector } from '../detect/combined-detector';
import type { DetectionEvidence } from '../contracts';
import type { FleetRegistry } from '../fleet/fleet-registry';
import { TelemetryIngestor } from '../ingest/telemetry-ingestor';
import type { DetectorBank, DetectorRegistry } from './detector-registry';

/** Most readings in one `POST score/batch` request. */
export const MAX_SCORE_BATCH = 1000;

/**
 * Why a scoring request was refused (the `error` of the 4xx body and the `reason` label of
 * `lucid_score_rejects_total`): the validator's own reject codes (`schema`, `not_finite`,
 * `timestamp_future`, `timestamp_past`, `out_of_range`, …) plus these.
 */
export type ScoreRejectReason =
  | 'invalid_body'
  | 'unknown_device'
  | 'unknown_metric'
  | 'missing_metrics'
  | 'batch_too_large'
  | 'empty_batch'
  | 'no_detector'
  | 'rate_limited'
  | string;

/** A refused scoring request: the HTTP status, the stable reason and what the caller can fix. */
export class ScoreError extends InputError {
  constructor(
    readonly status: number,
    readonly reason: ScoreRejectReason,
    message: string,
  ) {
    super(reason, message);
  }
}

/** The result for one reading (snake_case `anomaly_score` as the issue and OpenAPI name it). */
export interface ReadingScore {
  deviceId: string;
  /** Event time of the reading, epoch ms (after timestamp normalisation). */
  tsMs: number;
  /** Calibrated anomaly score, 0..1 (see `StreamingDetector`). */
  anomaly_score: number;
  /** The device's decision cut-off at `tsMs`, adaptations included; above 1 means never anomalous. */
  threshold: number;
  isAnomaly: boolean;
  /** Metric → share of the anomaly (≥ 0, summing to 1, all 0 when nothing contributes). */
  contributions: Record<string, number>;
  /** Detector that gave the score (`lucid-streaming` or `lucid-joint`). */
  detector: string;
  /** Detector version: package version and a hash of the detector's configuration. */
  version: string;
  /** The `lucid-detect` node whose state scored the reading. */
  detectorNode: string;
  /** True while one of the reading's series is still in its warm-up. */
  warmingUp: boolean;
  /** Validation plus scoring of this reading, milliseconds. */
  processingMs: number;
}

/** The package version, read once (the detectors' version is the package's). */
const PACKAGE_VERSION: string = (() => {
  try {
    return (
      (
        JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
          version?: string;
        }
      ).version ?? '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
})();

/**
 * Validation options of the scoring API: the checks of `lucid-ingest` that judge one reading
 * (schema, non-finite values, timestamp normalisation and skew window, unit conversion) with the
 * defaults of `lucid-ingest`; the ones that keep per-device state (duplicates, rate limit,
 * signatures and nonces, heartbeat) are off, since they belong to the device's own transport and
 * would otherwise count the scored reading as if the device had sent it.
 */
const STATELESS_INGEST = {
  duplicateCacheSize: 0,
  rateLimitPerSec: 0,
  heartbeatFactor: 0,
  requireSignature: false,
  acceptUnknownDevices: true,
  maxBytes: 0,
} as const;

const now = (): number => performance.now();
const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Synchronous scoring of readings against the live state of the running `lucid-detect` nodes
 * (their {@link DetectorBank}s in a {@link DetectorRegistry}), for `POST /lucid/api/score` and
 * `POST /lucid/api/score/batch`.
 *
 * **Read-only rule**: scoring never changes a device's state. Each request scores on a copy of
 * its devices' state (`CombinedDetector.copyOf`), so a reading that is both scored here and
 * received by the flow is learned once, by the flow; scoring the same reading twice gives the
 * same answer. A batch is scored in order on one copy, so consecutive readings of a device score
 * as the flow would score them next; the copy is then dropped.
 *
 * **Validation** is the flow's: each item goes through a {@link TelemetryIngestor} (the
 * `lucid-ingest` validator, with the bank's fleet for units; stateless checks only, see
 * `STATELESS_INGEST`), then:
 * - the device must be known to a running detector (its state holds the device): else 404
 *   `unknown_device`;
 * - every metric must be one the device's state tracks (422 `unknown_metric`), and every metric
 *   it tracks must be present (422 `missing_metrics`), `connectivity` aside: a partial reading
 *   would be scored without its joint model, so its score would not be comparable.
 * - a batch holds 1..{@link MAX_SCORE_BATCH} readings (413 `batch_too_large`, 400 `empty_batch`);
 *   one bad reading refuses the whole batch, naming its index.
 * Errors are {@link ScoreError}s; the method never changes state before it throws.
 *
 * Model scores (`lucid-model`) are not merged here: the result is the streaming and joint
 * detectors' (`detector` says which), as `lucid-detect` sends it without a model.
 */
export class ScoreService {
  readonly maxBatch: number;
  private readonly validators = new WeakMap<FleetRegistry, TelemetryIngestor>();
  private readonly versions = new WeakMap<CombinedDetector, string>();

  /**
   * @param registry - where the running detectors are found.
   * @param options.maxBatch - most readings per batch [{@link MAX_SCORE_BATCH}], 1..100000.
   * @param options.nowMs - wall clock for the timestamp skew window [Date.now].
   */
  constructor(
    private readonly registry: DetectorRegistry,
    private readonly options: { maxBatch?: number; nowMs?: () => number } = {},
  ) {
    this.maxBatch = options.maxBatch ?? MAX_SCORE_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1 || this.maxBatch > 100_000)
      throw new InputError(
        'invalid_option',
        `maxBatch is ${this.maxBatch}; expected an integer in 1..100000`,
      );
  }

  /**
   * Scores one reading (`{deviceId, ts | tsMs, metrics}` or the flat form `lucid-ingest` accepts).
   * @throws ScoreError (400/404/422/503) with the reason.
   */
  score(item: unknown): ReadingScore {
    return this.scoreItems([item], undefined).results[0];
  }

  /**
   * Scores 1..maxBatch readings in order.
   * @returns the results in input order and the whole request's processing time, ms.
   * @throws ScoreError (400/404/413/422/503) naming the index of the first bad reading.
   */
  scoreBatch(items: unknown): { results: ReadingScore[]; processingMs: number } {
    if (!Array.isArray(items))
      throw new ScoreError(400, 'invalid_body', 'readings: expected an array of readings');
    if (items.length === 0) throw new ScoreError(400, 'empty_batch', 'readings: the batch is empty');
    if (items.length > this.maxBatch)
      throw new ScoreError(
        413,
        'batch_too_large',
        `readings: ${items.length} readings; at most ${this.maxBatch} per batch (split the batch)`,
      );
    return this.scoreItems(items, 'readings');
  }

  private scoreItems(
    items: unknown[],
    listName: string | undefined,
  ): { results: ReadingScore[]; processingMs: number } {
    const t0 = now();
    const where = (i: number): string => (listName ? `${listName}[${i}]` : 'reading');
    if (this.registry.size === 0)
      throw new ScoreError(503, 'no_detector', 'no lucid-detect node is running in this Node-RED');
    const readings: Reading[] = [];
    const owners: { bank: DetectorBank; detector: CombinedDetector }[] = [];
    const validMs: number[] = [];
    items.forEach((item, i) => {
      const ti = now();
      const deviceId = (item as { deviceId?: unknown } | null)?.deviceId;
      if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof deviceId !== 'string')
        throw new ScoreError(400, 'schema', `${where(i)}: expected an object with a "deviceId" string`);
      const owner = this.registry.bankFor(deviceId);
      if (!owner)
        throw new ScoreError(
          404,
          'unknown_device',
          `${where(i)}: device "${deviceId.slice(0, 128)}" is not known to a running lucid-detect node (it has sent no reading yet)`,
        );
      const { readings: accepted, rejects } = this.validator(owner.bank.fleet).ingest(item);
      if (rejects.length > 0 || accepted.length !== 1)
        throw new ScoreError(
          400,
          rejects[0]?.code ?? 'schema',
          `${where(i)}: ${rejects[0]?.detail ?? 'not a single reading'}`,
        );
      const reading = accepted[0];
      this.checkMetrics(owner.detector, reading, where(i));
      readings.push(reading);
      owners.push(owner);
      validMs.push(now() - ti);
    });

    // One copy per detector, holding the state of the devices it scores here.
    const copies = new Map<CombinedDetector, CombinedDetector>();
    for (const { detector } of owners) {
      if (copies.has(detector)) continue;
      const ids = readings.filter((_, i) => owners[i].detector === detector).map((r) => r.deviceId);
      copies.set(detector, detector.copyOf(ids));
    }
    const results = readings.map((reading, i) => {
      const { bank, detector } = owners[i];
      const ts = now();
      const s = copies.get(detector)!.detect(reading);
      return this.result(bank, detector, s, validMs[i] + now() - ts);
    });
    return { results, processingMs: round3(now() - t0) };
  }

  private checkMetrics(detector: CombinedDetector, reading: Reading, where: string): void {
    const tracked = detector.streaming
      .deviceMetrics(reading.deviceId)
      .filter((m) => m !== CONNECTIVITY_METRIC);
    const trackedSet = new Set(tracked);
    for (const m of Object.keys(reading.metrics)) {
      if (m !== CONNECTIVITY_METRIC && !trackedSet.has(m))
        throw new ScoreError(
          422,
          'unknown_metric',
          `${where}: metric "${m}" is not tracked for device "${reading.deviceId}" (tracked: ${tracked.join(', ')})`,
        );
    }
    const missing = tracked.filter((m) => !(m in reading.metrics));
    if (missing.length > 0)
      throw new ScoreError(
        422,
        'missing_metrics',
        `${where}: metrics ${missing.map((m) => `"${m}"`).join(', ')} of device "${reading.deviceId}" are missing; a scored reading carries every tracked metric`,
      );
  }

  private result(bank: DetectorBank, detector: CombinedDetector, s: AnomalyScore, ms: number): ReadingScore {
    return {
      deviceId: s.deviceId,
      tsMs: s.tsMs,
      anomaly_score: s.score,
      threshold: detector.cutoff(s.deviceId, undefined, s.tsMs),
      isAnomaly: s.isAnomaly,
      contributions: s.contributions,
      detector: s.detector,
      version: this.versionOf(detector),
      detectorNode: bank.name,
      warmingUp: (s.evidence as DetectionEvidence | undefined)?.warmingUp === true,
      processingMs: round3(ms),
    };
  }

  private validator(fleet: FleetRegistry): TelemetryIngestor {
    let v = this.validators.get(fleet);
    if (!v) {
      v = new TelemetryIngestor(STATELESS_INGEST, fleet, undefined, this.options.nowMs);
      this.validators.set(fleet, v);
    }
    return v;
  }

  /** `lucid-detect@<package version>+<first 8 hex of SHA-256 of the detector configuration>`. */
  private versionOf(detector: CombinedDetector): string {
    let v = this.versions.get(detector);
    if (!v) {
      const cfg = JSON.stringify(detector.config, Object.keys(detector.config).sort());
      v = `lucid-detect@${PACKAGE_VERSION}+${createHash('sha256').update(cfg).digest('hex').slice(0, 8)}`;
      this.versions.set(detector, v);
    }
    return v;
  }
}
