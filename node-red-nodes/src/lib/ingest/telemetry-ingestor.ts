import { ConfigError } from '../contracts/errors';
import type { Reading } from '../contracts/types';
import type { FleetRegistry } from '../fleet/fleet-registry';
import { MAX_ABS_READING_VALUE, PLANNED_OFFLINE_REASON } from '../contracts/types';
import { BoundedCache } from './bounded-cache';
import { parseDeviceStatus } from './device-status';
import { HeartbeatWatchdog } from './heartbeat-watchdog';
import { resolveIngestOptions, type IngestOptions } from './ingest-options';
import { parseTimestamp } from './parse-timestamp';
import { verifyPayloadSignature } from './payload-signature';
import type { Reject, RejectCode } from './reject-codes';
import { RESERVED_FIELDS, checkEnvelope, checkTelemetryItem } from './telemetry-schema';
import { jsonTextDepth, MAX_JSON_DEPTH, valueDepth } from './json-depth';
import { parseDeviceStatusTopic, parseTelemetryTopic, readDeviceTopic } from './telemetry-topic';
import { TokenBucketLimiter } from './token-bucket-limiter';
import { unitConverter } from './unit-converter';

/** What one call to {@link TelemetryIngestor.ingest} produced. */
export interface IngestResult {
  /** Accepted readings in input order, each preceded by its device's `connectivity_restored` reading when it had been lost. */
  readings: Reading[];
  /** Refused inputs: the whole message (no `index`) or batch items (with `index`). */
  rejects: Reject[];
  /** Whether the message was a batch (an array or `{readings: [...]}`), so output stays a batch. */
  batch: boolean;
}

/** Counters since the ingestor was created. */
export interface IngestStats {
  messages: number;
  accepted: number;
  rejected: number;
  byReason: Partial<Record<RejectCode, number>>;
  connectivityLost: number;
  connectivityRestored: number;
  /** Device status messages accepted (on `…/status`; see {@link TelemetryIngestor.ingest}). */
  statuses: number;
}

type Json = Record<string, unknown>;
type Outcome = Reading | { code: RejectCode; detail: string };

/** Largest |epoch ms| a JS Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;
const NON_FINITE_TEXT = /^\s*[+-]?(nan|inf|infinity)\s*$/i;
const BARE_NON_FINITE = /[:[,]\s*-?(NaN|Infinity)\s*[,}\]]/;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);

/**
 * Turns raw telemetry (MQTT payloads on `tenants/{tenant}/devices/{deviceId}/telemetry`, or
 * already-built readings) into validated {@link Reading}s in the fleet's units, and says why
 * anything else is refused (stable {@link RejectCode}s).
 *
 * Pipeline per message: size → JSON parse → batch split → signature (when required) → per item:
 * non-finite values → JSON Schema (ajv, compiled once) → device identity → timestamp
 * normalisation and skew window → unit conversion → physical range (optional) → duplicate →
 * per-device rate limit → heartbeat. O(metrics) per reading, with bounded caches.
 *
 * Wall-clock behaviour (receive time, skew windows, rate limit, signature window, heartbeat)
 * uses the injected `nowMs`, so tests and replays are deterministic.
 *
 * @example
 * const ingestor = new TelemetryIngestor({}, new FleetRegistry({}));
 * ingestor.ingest('{"ts": 1714564800, "temperature": 21.5}', 'tenants/acme/devices/t-101/telemetry');
 * // → {readings: [{deviceId: 't-101', tenant: 'acme', tsMs: 1714564800000, metrics: {temperature: 21.5}}], rejects: [], batch: false}
 */
export class TelemetryIngestor {
  readonly options: IngestOptions;
  private readonly duplicates?: BoundedCache<true>;
  private readonly limiter?: TokenBucketLimiter;
  private readonly nonces: BoundedCache<number>;
  /** Per device: the last accepted signed `seq` and the newest signed `ts` accepted with one, ms. */
  private readonly lastSeq: BoundedCache<{ seq: number; tsMs: number }>;
  private readonly watchdog?: HeartbeatWatchdog;
  private readonly converters = new Map<string, (v: number) => number>();
  private readonly counters: IngestStats = {
    messages: 0,
    accepted: 0,
    rejected: 0,
    byReason: {},
    connectivityLost: 0,
    connectivityRestored: 0,
    statuses: 0,
  };

  /**
   * @param options - partial options, completed by {@link resolveIngestOptions}.
   * @param fleet - device registry: units, physical ranges, expected intervals, known devices.
   * @param keyFor - HMAC key of a device (from `lucid-fleet` credentials); required when
   *   `requireSignature` is on.
   * @param nowMs - wall clock, epoch ms.
   * @throws ConfigError on invalid options, a fleet unit conversion that is not supported, or
   *   `requireSignature` without `keyFor`.
   */
  constructor(
    options: Partial<Record<keyof IngestOptions, unknown>>,
    private readonly fleet: FleetRegistry,
    private readonly keyFor?: (deviceId: string) => string | undefined,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.options = resolveIngestOptions(options);
    const o = this.options;
    if (o.requireSignature && !keyFor) {
      throw new ConfigError(
        'ingest: payload authentication is on but no lucid-fleet node provides device keys',
      );
    }
    if (o.duplicateCacheSize > 0) this.duplicates = new BoundedCache(o.duplicateCacheSize);
    if (o.rateLimitPerSec > 0) this.limiter = new TokenBucketLimiter(o.rateLimitPerSec, o.rateLimitBurst);
    this.nonces = new BoundedCache(o.nonceCacheSize);
    this.lastSeq = new BoundedCache(100_000);
    this.checkFleetUnits();
    if (o.heartbeatFactor > 0) {
      this.watchdog = new HeartbeatWatchdog(o.heartbeatFactor, fleet, o.heartbeatMinReadings);
      if (o.watchDeclaredDevices) {
        const now = this.nowMs();
        for (const d of fleet.devices()) this.watchdog.watch(d.deviceId, now);
      }
    }
  }

  /**
   * Ingests one message.
   *
   * @param payload - a Buffer or string of JSON, or a parsed value: one reading (`{ts, metrics}`,
   *   flat `{ts, temperature, …}`, or a built `Reading`), an array of them, or `{readings: […]}`.
   * @param topic - the MQTT topic; when it is `tenants/{tenant}/devices/{deviceId}/telemetry`
   *   it names the device (items may repeat that `deviceId` but not name another one). On
   *   `tenants/{tenant}/devices/{deviceId}/status` the payload is the device's `DeviceStatus`
   *   (see `parseDeviceStatus`): `offline` with reason `planned` ends the watch of its silence
   *   until it sends again, any other `offline` makes it lost at once (when it has the history),
   *   `online` is a sign of life. A status yields no reading except that `connectivity_lost` one.
   * @returns accepted readings and rejects; never throws on bad input.
   */
  ingest(payload: unknown, topic?: unknown): IngestResult {
    const now = this.nowMs();
    this.counters.messages++;
    const result: IngestResult = { readings: [], rejects: [], batch: false };
    const wholeReject = (code: RejectCode, detail: string): IngestResult => {
      this.countReject(code);
      result.rejects.push({ code, detail, item: payload });
      return result;
    };
    const topicRead = readDeviceTopic(topic);
    if (topicRead && 'problem' in topicRead) return wholeReject('schema', topicRead.problem);
    const statusOf = parseDeviceStatusTopic(topic);
    if (statusOf) {
      const status = parseDeviceStatus(payload);
      if (typeof status === 'string') return wholeReject('schema', status);
      if (!this.options.acceptUnknownDevices && !this.fleet.has(statusOf.deviceId)) {
        return wholeReject(
          'unknown_device',
          `device "${statusOf.deviceId}" is not declared in the fleet; declare it in lucid-fleet or turn on "accept unknown devices"`,
        );
      }
      this.counters.statuses++;
      if (status.state === 'online') {
        this.watchdog?.online(statusOf.deviceId, now);
      } else {
        const lost = this.watchdog?.offline(statusOf.deviceId, status.reason === PLANNED_OFFLINE_REASON, now);
        if (lost) {
          this.counters.connectivityLost++;
          result.readings.push(lost);
        }
      }
      return result;
    }

    let value: unknown = payload;
    const maxBytes = this.options.maxBytes;
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      const bytes = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
      if (maxBytes > 0 && bytes > maxBytes) {
        return wholeReject(
          'oversized',
          `the payload is ${bytes} bytes; the limit is ${maxBytes} bytes (option maxBytes): split it into smaller batches`,
        );
      }
      const text =
        typeof payload === 'string'
          ? payload
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      if (jsonTextDepth(text) > MAX_JSON_DEPTH) {
        return wholeReject(
          'schema',
          `the payload is nested more than ${MAX_JSON_DEPTH} levels deep; a telemetry message needs at most 4`,
        );
      }
      try {
        value = JSON.parse(text);
      } catch (err) {
        if (BARE_NON_FINITE.test(text)) {
          return wholeReject(
            'not_finite',
            'the payload contains a bare NaN or Infinity, which JSON does not allow; send finite numbers or leave the metric out',
          );
        }
        const preview = text.length > 40 ? `${text.slice(0, 40)}…` : text;
        return wholeReject(
          'malformed_json',
          `the payload is not valid JSON (${(err as Error).message}); it starts with ${JSON.stringify(preview)}`,
        );
      }
    } else if (value !== null && typeof value === 'object' && valueDepth(value) > MAX_JSON_DEPTH) {
      return wholeReject(
        'schema',
        `the payload is nested more than ${MAX_JSON_DEPTH} levels deep; a telemetry message needs at most 4`,
      );
    } else if (maxBytes > 0 && value !== null && typeof value === 'object') {
      let bytes: number;
      try {
        bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
      } catch (err) {
        return wholeReject(
          'schema',
          `the payload object cannot be serialised as JSON (${(err as Error).message})`,
        );
      }
      if (bytes > maxBytes) {
        return wholeReject(
          'oversized',
          `the payload is ${bytes} bytes as JSON; the limit is ${maxBytes} bytes (option maxBytes): split it into smaller batches`,
        );
      }
    }

    const fromTopic = parseTelemetryTopic(topic);
    let items: unknown[];
    let envelope: Json | undefined;
    if (Array.isArray(value)) {
      items = value;
      result.batch = true;
    } else if (isObject(value) && 'readings' in value) {
      const bad = checkEnvelope(value);
      if (bad) return wholeReject('schema', bad);
      envelope = value;
      items = value.readings as unknown[];
      result.batch = true;
    } else {
      items = [value];
    }

    if (items.length === 0) {
      return wholeReject('schema', 'the batch is empty; send at least one reading');
    }

    if (this.options.requireSignature && !Array.isArray(value) && isObject(value)) {
      const failed = this.checkSignature(value, fromTopic?.deviceId, now);
      if (failed) return wholeReject(failed.code, failed.detail);
    }

    items.forEach((item, i) => {
      let outcome: Outcome | null = null;
      if (this.options.requireSignature && Array.isArray(value) && isObject(item)) {
        outcome = this.checkSignature(item, fromTopic?.deviceId, now);
      }
      outcome ??= this.toReading(item, fromTopic, envelope, now);
      if ('code' in outcome) {
        this.countReject(outcome.code);
        result.rejects.push({
          code: outcome.code,
          detail: outcome.detail,
          item,
          ...(result.batch ? { index: i } : {}),
        });
        return;
      }
      const restored = this.watchdog?.seen(outcome, now);
      if (restored) {
        this.counters.connectivityRestored++;
        result.readings.push(restored);
      }
      this.counters.accepted++;
      result.readings.push(outcome);
    });
    return result;
  }

  /**
   * The `connectivity_lost` readings of devices silent for more than `heartbeatFactor` × their
   * expected interval since the last call (each loss is reported once). Call it periodically
   * (the node does, every second). Empty when the watchdog is off.
   */
  checkHeartbeats(): Reading[] {
    if (!this.watchdog) return [];
    const lost = this.watchdog.check(this.nowMs());
    this.counters.connectivityLost += lost.length;
    return lost;
  }

  /**
   * Whether the gateway's own broker connection is up. While it is down no device can be heard,
   * so the watchdog raises no loss; when it is back, every device's silence restarts then.
   */
  setBrokerConnected(connected: boolean): void {
    if (connected) this.watchdog?.resume(this.nowMs());
    else this.watchdog?.pause();
  }

  /** A copy of the counters. */
  stats(): IngestStats {
    return { ...this.counters, byReason: { ...this.counters.byReason } };
  }

  private countReject(code: RejectCode): void {
    this.counters.rejected++;
    this.counters.byReason[code] = (this.counters.byReason[code] ?? 0) + 1;
  }

  private checkFleetUnits(): void {
    const check = (
      where: string,
      metrics: Record<string, { unit?: string; inputUnit?: string }> | undefined,
    ) => {
      for (const [name, m] of Object.entries(metrics ?? {})) {
        if (!m.inputUnit || m.inputUnit === m.unit) continue;
        try {
          this.converter(m.inputUnit, m.unit ?? '');
        } catch (err) {
          throw new ConfigError(`ingest: ${where} metric "${name}": ${(err as Error).message}`);
        }
      }
    };
    for (const [type, spec] of Object.entries(this.fleet.definition.deviceTypes ?? {}))
      check(`device type "${type}"`, spec.metrics);
    for (const device of this.fleet.devices()) check(`device "${device.deviceId}"`, device.metrics);
  }

  private converter(from: string, to: string): (v: number) => number {
    const key = `${from}\u0000${to}`;
    let fn = this.converters.get(key);
    if (!fn) {
      fn = unitConverter(from, to);
      this.converters.set(key, fn);
    }
    return fn;
  }

  private checkSignature(
    signed: Json,
    topicDeviceId: string | undefined,
    now: number,
  ): { code: RejectCode; detail: string } | null {
    if (signed.sig === undefined) {
      return {
        code: 'signature_missing',
        detail:
          'sig is missing; payload authentication is on: add "sig", the HMAC-SHA256 of the canonical payload (see the node help)',
      };
    }
    const deviceId = topicDeviceId ?? (typeof signed.deviceId === 'string' ? signed.deviceId : undefined);
    if (!deviceId) {
      return {
        code: 'signature_invalid',
        detail:
          'cannot tell whose key signs this payload: publish on tenants/{tenant}/devices/{deviceId}/telemetry or include deviceId',
      };
    }
    const key = this.keyFor?.(deviceId);
    if (!key) {
      return {
        code: 'signature_invalid',
        detail: `no key is configured for device "${deviceId}" in the lucid-fleet credentials`,
      };
    }
    if (!verifyPayloadSignature(signed, key)) {
      return {
        code: 'signature_invalid',
        detail: `sig does not match the HMAC-SHA256 of the canonical payload under the key of device "${deviceId}": check the key, and sign the JSON without "sig" with keys sorted and no spaces`,
      };
    }
    const tsMs = signed.ts === undefined ? undefined : parseTimestamp(signed.ts);
    if (typeof tsMs !== 'number') {
      return {
        code: 'signature_missing',
        detail: 'a signed payload needs a valid "ts" (and a "nonce" or "seq") so that replays can be refused',
      };
    }
    const window = this.options.signatureWindowMs;
    if (Math.abs(tsMs - now) > window) {
      return {
        code: 'replayed',
        detail: `the signed ts is ${Math.round((now - tsMs) / 1000)} s from the receive time, outside the ±${window / 1000} s signature window: a replay, or the device clock is off`,
      };
    }
    if (typeof signed.nonce === 'string') {
      const cacheKey = `${deviceId}\u0000${signed.nonce}`;
      const expiresMs = this.nonces.get(cacheKey);
      if (expiresMs !== undefined && expiresMs >= now) {
        return {
          code: 'replayed',
          detail: `nonce ${JSON.stringify(signed.nonce)} of device "${deviceId}" was already used; use a fresh random nonce per message`,
        };
      }
      this.nonces.set(cacheKey, tsMs + window);
      return null;
    }
    if (typeof signed.seq === 'number' && !(Number.isSafeInteger(signed.seq) && signed.seq >= 0)) {
      return {
        code: 'schema',
        detail: `seq ${signed.seq} of device "${deviceId}": expected an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
      };
    }
    if (typeof signed.seq === 'number') {
      // Once every accepted message's ts is outside the window, the window alone refuses their
      // replays: the sequence is forgotten, and a device whose counter was reset (or pushed
      // too far) starts again, at most one window after its last accepted message.
      const stored = this.lastSeq.get(deviceId);
      const last = stored && now - stored.tsMs <= window ? stored : undefined;
      if (last && signed.seq <= last.seq) {
        return {
          code: 'replayed',
          detail: `seq ${signed.seq} of device "${deviceId}" is not above the last accepted seq ${last.seq}; a device that restarted its count is accepted again ${window / 1000} s after its last accepted message`,
        };
      }
      if (last && signed.seq - last.seq > this.options.maxSeqJump) {
        return {
          code: 'seq_jump',
          detail: `seq ${signed.seq} of device "${deviceId}" is more than ${this.options.maxSeqJump} above the last accepted seq ${last.seq}; the sequence stays at ${last.seq}`,
        };
      }
      this.lastSeq.set(deviceId, { seq: signed.seq, tsMs: Math.max(tsMs, last?.tsMs ?? tsMs) });
      return null;
    }
    return {
      code: 'signature_missing',
      detail:
        'a signed payload needs a "nonce" (8-128 characters) or an increasing integer "seq" so that replays can be refused',
    };
  }

  private toReading(
    item: unknown,
    fromTopic: { tenant: string; deviceId: string } | null,
    envelope: Json | undefined,
    now: number,
  ): Outcome {
    const o = this.options;
    if (isObject(item)) {
      const nonFinite = findNonFinite(item);
      if (nonFinite) return { code: 'not_finite', detail: nonFinite };
    }
    const bad = checkTelemetryItem(item);
    if (bad) return { code: 'schema', detail: bad };
    const it = item as Json;

    const ownId = it.deviceId as string | undefined;
    if (fromTopic && ownId !== undefined && ownId !== fromTopic.deviceId) {
      return {
        code: 'schema',
        detail: `deviceId "${ownId}" differs from the topic's device "${fromTopic.deviceId}"; publish each device on its own topic`,
      };
    }
    const deviceId = fromTopic?.deviceId ?? ownId ?? (envelope?.deviceId as string | undefined);
    if (!deviceId) {
      return {
        code: 'schema',
        detail:
          'deviceId is missing: publish on tenants/{tenant}/devices/{deviceId}/telemetry or include "deviceId"',
      };
    }
    if (!o.acceptUnknownDevices && !this.fleet.has(deviceId)) {
      return {
        code: 'unknown_device',
        detail: `device "${deviceId}" is not declared in the fleet; declare it in lucid-fleet or turn on "accept unknown devices"`,
      };
    }

    let tsMs: number;
    const rawTs = it.tsMs ?? it.ts ?? envelope?.ts;
    if (rawTs === undefined) {
      if (o.missingTimestamp === 'reject')
        return { code: 'schema', detail: 'ts is missing; send "ts" as ISO-8601 or epoch s/ms' };
      tsMs = now;
    } else if (it.tsMs !== undefined) {
      tsMs = it.tsMs as number;
    } else {
      const parsed = parseTimestamp(rawTs);
      if (typeof parsed === 'string') return { code: 'schema', detail: `ts ${parsed}` };
      tsMs = parsed;
    }
    if (!Number.isFinite(tsMs))
      return {
        code: 'not_finite',
        detail: `the timestamp is ${tsMs}; send a finite epoch time or an ISO-8601 string`,
      };
    if (Math.abs(tsMs) > MAX_DATE_MS)
      return {
        code: 'schema',
        detail: `the timestamp ${rawTs} is beyond the year 275760; send epoch s or ms`,
      };
    tsMs = Math.round(tsMs);
    if (o.maxFutureMs > 0 && tsMs - now > o.maxFutureMs) {
      return {
        code: 'timestamp_future',
        detail: `ts ${isoTime(tsMs)} is ${formatDuration(tsMs - now)} ahead of the receive time (limit ${formatDuration(o.maxFutureMs)}): check the device clock, and that epoch times are s or ms`,
      };
    }
    if (o.maxPastMs > 0 && now - tsMs > o.maxPastMs) {
      return {
        code: 'timestamp_past',
        detail: `ts ${isoTime(tsMs)} is ${formatDuration(now - tsMs)} old (limit ${formatDuration(o.maxPastMs)}): check the device clock, or set the past limit to 0 to replay old data`,
      };
    }

    const raw = (it.metrics as Record<string, number> | undefined) ?? flatMetrics(it);
    const metrics: Record<string, number> = {};
    for (const [name, v] of Object.entries(raw)) {
      const spec = this.fleet.metric(deviceId, name);
      const value =
        spec.inputUnit && spec.inputUnit !== spec.unit ? this.converter(spec.inputUnit, spec.unit)(v) : v;
      if (!Number.isFinite(value)) {
        return {
          code: 'not_finite',
          detail: `metrics.${name} = ${v} ${spec.inputUnit} is not finite in ${spec.unit}; send a value the sensor can report`,
        };
      }
      if (Math.abs(value) > MAX_ABS_READING_VALUE) {
        const unitSuffix = spec.unit ? ` ${spec.unit}` : '';
        return {
          code: 'out_of_bounds',
          detail: `metrics.${name} = ${value}${unitSuffix} is beyond ±${MAX_ABS_READING_VALUE}${unitSuffix}, the largest magnitude Lucid accepts; check the sensor's scaling`,
        };
      }
      if (
        o.rejectOutOfRange &&
        ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
      ) {
        return {
          code: 'out_of_range',
          detail: `metrics.${name} = ${value} ${spec.unit} is outside the physical range ${spec.min ?? '-∞'}..${spec.max ?? '∞'} ${spec.unit} declared in the fleet`,
        };
      }
      metrics[name] = value;
    }

    if (this.duplicates) {
      const key = `${deviceId}\u0000${tsMs}\u0000${Object.keys(metrics).sort().join(',')}`;
      if (this.duplicates.has(key)) {
        return {
          code: 'duplicate',
          detail: `device "${deviceId}" already sent ${Object.keys(metrics).join(', ')} at ${isoTime(tsMs)} (tsMs ${tsMs})`,
        };
      }
      if (this.limiter && !this.limiter.tryTake(deviceId, now)) return this.rateLimited(deviceId);
      this.duplicates.set(key, true);
    } else if (this.limiter && !this.limiter.tryTake(deviceId, now)) {
      return this.rateLimited(deviceId);
    }

    const reading: Reading = { deviceId, tsMs, metrics };
    const tenant =
      fromTopic?.tenant ?? (it.tenant as string | undefined) ?? (envelope?.tenant as string | undefined);
    if (tenant) reading.tenant = tenant;
    const site =
      (it.site as string | undefined) ??
      (envelope?.site as string | undefined) ??
      (this.fleet.has(deviceId) ? this.fleet.device(deviceId).site : undefined);
    if (site) reading.site = site;
    if (it.tags) reading.tags = { ...(it.tags as Record<string, string>) };
    return reading;
  }

  private rateLimited(deviceId: string): { code: RejectCode; detail: string } {
    return {
      code: 'rate_limited',
      detail: `device "${deviceId}" sends more than ${this.options.rateLimitPerSec} readings/s (burst ${this.options.rateLimitBurst}); lower its sample rate or raise the limit`,
    };
  }
}

function flatMetrics(item: Json): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item)) {
    if (!(RESERVED_FIELDS as readonly string[]).includes(k)) out[k] = v as number;
  }
  return out;
}

function findNonFinite(item: Json): string | null {
  const nested = isObject(item.metrics);
  const entries = nested
    ? Object.entries(item.metrics as Json)
    : Object.entries(item).filter(([k]) => !(RESERVED_FIELDS as readonly string[]).includes(k));
  for (const [name, v] of entries) {
    const field = nested ? `metrics.${name}` : name;
    if (typeof v === 'number' && !Number.isFinite(v))
      return `${field} is ${v}; send a finite number or leave the metric out`;
    if (typeof v === 'string' && NON_FINITE_TEXT.test(v)) {
      return `${field} is the string ${JSON.stringify(v)}; send a finite number or leave the metric out`;
    }
  }
  return null;
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

function isoTime(tsMs: number): string {
  const d = new Date(tsMs);
  return Number.isNaN(d.getTime()) ? `tsMs ${tsMs}` : d.toISOString();
}
