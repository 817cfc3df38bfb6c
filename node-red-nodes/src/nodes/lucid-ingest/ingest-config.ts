import type { NodeDef } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import type { IngestOptions } from '../../lib/ingest/ingest-options';

/** What the `lucid-ingest` editor stores (numbers may arrive as strings; durations in seconds). */
export interface IngestNodeDef extends NodeDef {
  fleet?: string;
  maxBytes?: number | string;
  missingTimestamp?: string;
  maxFutureSec?: number | string;
  maxPastSec?: number | string;
  acceptUnknownDevices?: boolean | string;
  duplicateCacheSize?: number | string;
  rateLimitPerSec?: number | string;
  rateLimitBurst?: number | string;
  rejectOutOfRange?: boolean | string;
  requireSignature?: boolean | string;
  signatureWindowSec?: number | string;
  heartbeatFactor?: number | string;
  watchDeclaredDevices?: boolean | string;
  heartbeatMinReadings?: number | string;
}

function secondsToMs(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new ConfigError(`ingest: ${name} is ${JSON.stringify(value)}; expected a number of seconds ≥ 0`);
  }
  return n * 1000;
}

/**
 * Ingest options from the node's editor fields (durations in seconds there, ms in the lib).
 * Validation of everything else is `resolveIngestOptions`'.
 * @throws ConfigError naming the field and value.
 */
export function optionsFromConfig(config: IngestNodeDef): Partial<Record<keyof IngestOptions, unknown>> {
  return {
    maxBytes: config.maxBytes,
    missingTimestamp: config.missingTimestamp,
    maxFutureMs: secondsToMs('maxFutureSec', config.maxFutureSec),
    maxPastMs: secondsToMs('maxPastSec', config.maxPastSec),
    acceptUnknownDevices: config.acceptUnknownDevices,
    duplicateCacheSize: config.duplicateCacheSize,
    rateLimitPerSec: config.rateLimitPerSec,
    rateLimitBurst: config.rateLimitBurst,
    rejectOutOfRange: config.rejectOutOfRange,
    requireSignature: config.requireSignature,
    signatureWindowMs: secondsToMs('signatureWindowSec', config.signatureWindowSec),
    heartbeatFactor: config.heartbeatFactor,
    watchDeclaredDevices: config.watchDeclaredDevices,
    heartbeatMinReadings: config.heartbeatMinReadings,
  };
}
