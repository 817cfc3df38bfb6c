import { ConfigError } from '../contracts/errors';

/** What to do with a reading that carries no timestamp. */
export type MissingTimestampPolicy = 'receive_time' | 'reject';

/**
 * Options of the telemetry ingestor. Every duration is in ms; `0` disables the check it bounds
 * (noted per field).
 */
export interface IngestOptions {
  /** Largest accepted message, bytes (UTF-8 body, or JSON size of an object payload). 0: no limit. */
  maxBytes: number;
  /** `receive_time`: a reading without `ts` gets the time it was received; `reject`: code `schema`. */
  missingTimestamp: MissingTimestampPolicy;
  /** How far ahead of the receive time a timestamp may be, ms. 0: no limit. */
  maxFutureMs: number;
  /** How far behind the receive time a timestamp may be, ms. 0: no limit (replays of old datasets). */
  maxPastMs: number;
  /** Accept devices the fleet does not declare (they get the fleet defaults). */
  acceptUnknownDevices: boolean;
  /** Readings remembered to detect duplicates (same device, tsMs and metric names). 0: no check. */
  duplicateCacheSize: number;
  /** Per-device token bucket refill rate, readings per second. 0: no rate limit. */
  rateLimitPerSec: number;
  /** Per-device token bucket capacity, readings (≥ 1). */
  rateLimitBurst: number;
  /** Reject readings with a value outside the fleet's physical min/max (else detect flags them). */
  rejectOutOfRange: boolean;
  /** Require an HMAC-SHA256 signature per message (see `verifyPayloadSignature`). */
  requireSignature: boolean;
  /** A signed message's `ts` must be within ± this of the receive time, ms (> 0). */
  signatureWindowMs: number;
  /** Nonces remembered to refuse replays (across devices; oldest evicted first). */
  nonceCacheSize: number;
  /**
   * Largest step of a signed `seq` above the device's last accepted one (≥ 1): a larger jump is
   * refused (`seq_jump`) and does not move the device's sequence, so one wrong or forged-but-signed
   * `seq` cannot lock the device out.
   */
  maxSeqJump: number;
  /** A device is lost when silent for more than this × its expected interval. 0: no watchdog. */
  heartbeatFactor: number;
  /** Also watch declared fleet devices never seen (silent since the ingestor started). */
  watchDeclaredDevices: boolean;
  /**
   * Accepted readings an undeclared-or-unwatched device must have sent before its silence is a
   * connectivity loss (≥ 1): a device seen once says nothing about when to expect it.
   */
  heartbeatMinReadings: number;
}

/** Defaults of {@link IngestOptions}. */
export const DEFAULT_INGEST_OPTIONS: Readonly<IngestOptions> = Object.freeze({
  maxBytes: 65_536,
  missingTimestamp: 'receive_time',
  maxFutureMs: 5 * 60_000,
  maxPastMs: 24 * 3_600_000,
  acceptUnknownDevices: true,
  duplicateCacheSize: 10_000,
  rateLimitPerSec: 100,
  rateLimitBurst: 1_000,
  rejectOutOfRange: false,
  requireSignature: false,
  signatureWindowMs: 5 * 60_000,
  nonceCacheSize: 100_000,
  maxSeqJump: 100_000,
  heartbeatFactor: 3,
  watchDeclaredDevices: false,
  heartbeatMinReadings: 10,
});

const NUMBER_BOUNDS: Partial<
  Record<keyof IngestOptions, { min: number; integer?: boolean; positive?: boolean }>
> = {
  maxBytes: { min: 0, integer: true },
  maxFutureMs: { min: 0 },
  maxPastMs: { min: 0 },
  duplicateCacheSize: { min: 0, integer: true },
  rateLimitPerSec: { min: 0 },
  rateLimitBurst: { min: 1 },
  signatureWindowMs: { min: 0, positive: true },
  nonceCacheSize: { min: 1, integer: true },
  maxSeqJump: { min: 1, integer: true },
  heartbeatFactor: { min: 0 },
  heartbeatMinReadings: { min: 1, integer: true },
};

/**
 * Completes and validates ingest options. Accepts what the Node-RED editor stores: numbers may
 * be numeric strings, booleans may be `"true"`/`"false"`; `''`, `null` and `undefined` mean the
 * default. Unknown keys are ignored.
 *
 * @throws ConfigError naming the option, its value and what was expected.
 * @example resolveIngestOptions({ maxPastMs: '0', rateLimitPerSec: 0 }) // replay of an old dataset
 */
export function resolveIngestOptions(
  partial: Partial<Record<keyof IngestOptions, unknown>> = {},
): IngestOptions {
  const out = { ...DEFAULT_INGEST_OPTIONS } as IngestOptions;
  for (const key of Object.keys(DEFAULT_INGEST_OPTIONS) as (keyof IngestOptions)[]) {
    const raw = partial[key];
    if (raw === undefined || raw === null || raw === '') continue;
    const def = DEFAULT_INGEST_OPTIONS[key];
    if (typeof def === 'boolean') {
      if (raw === true || raw === 'true') (out as unknown as Record<string, unknown>)[key] = true;
      else if (raw === false || raw === 'false') (out as unknown as Record<string, unknown>)[key] = false;
      else throw new ConfigError(`ingest: option ${key} is ${JSON.stringify(raw)}; expected true or false`);
    } else if (typeof def === 'number') {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      const bounds = NUMBER_BOUNDS[key] ?? { min: 0 };
      const bad =
        !Number.isFinite(n) ||
        n < bounds.min ||
        (bounds.integer && !Number.isInteger(n)) ||
        (bounds.positive && n <= 0);
      if (bad) {
        const expected = `${bounds.integer ? 'an integer' : 'a number'} ${bounds.positive ? '> 0' : `≥ ${bounds.min}`}`;
        throw new ConfigError(`ingest: option ${key} is ${JSON.stringify(raw)}; expected ${expected}`);
      }
      (out as unknown as Record<string, unknown>)[key] = n;
    } else if (key === 'missingTimestamp') {
      if (raw !== 'receive_time' && raw !== 'reject') {
        throw new ConfigError(
          `ingest: option missingTimestamp is ${JSON.stringify(raw)}; expected "receive_time" or "reject"`,
        );
      }
      out.missingTimestamp = raw;
    }
  }
  return out;
}
