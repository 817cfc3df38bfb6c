import { ConfigError } from '../contracts/errors';

/** Where a device sits; fields are undefined when unknown. */
export interface Topology {
  site?: string;
  zone?: string;
  line?: string;
}

/** One remembered anomaly of one device. */
export interface RecentAnomaly {
  deviceId: string;
  metric: string;
  /** The anomaly type the device's own evidence gave. */
  type: string;
  direction: 'up' | 'down' | 'none';
  /** Movement strength 0..1 of the metric (see `metricMovement`). */
  strength: number;
  /** Event time, epoch ms. */
  tsMs: number;
  topology: Topology;
}

/** A device that moved together with the current one. */
export interface RelatedDevice {
  deviceId: string;
  /** `same zone` or `same line`. */
  relation: string;
  /** 0..1, two decimals: 0.5 · direction agreement + 0.3 · time proximity + 0.2 · magnitude ratio. */
  similarity: number;
  /** The zone or line they share. */
  place: string;
}

/** Options of {@link RelatedAnomalyMemory}. */
export interface RelatedAnomalyMemoryOptions {
  /** Correlation window, ms (> 0): anomalies further apart in event time are unrelated. */
  windowMs: number;
  /** Anomalies kept per device (newest), default 16. */
  maxPerDevice?: number;
  /** Devices kept (least recently updated evicted first), default 10 000. */
  maxDevices?: number;
}

/** Related devices below this similarity are not reported. */
export const MIN_SIMILARITY = 0.5;
const MAX_RELATED = 10;

/**
 * A bounded, event-time-windowed memory of recent anomalies per device, answering "which devices
 * of the same zone (or line) had an anomaly on the same metric within the window?".
 *
 * Memory: at most `maxDevices × maxPerDevice` entries; entries older than the newest event time
 * seen minus `windowMs` are dropped. `record` is O(maxPerDevice); `related` is O(devices
 * remembered × maxPerDevice), which the window keeps small. State is JSON-serializable
 * ({@link RelatedAnomalyMemory.entries}).
 */
export class RelatedAnomalyMemory {
  readonly windowMs: number;
  private readonly maxPerDevice: number;
  private readonly maxDevices: number;
  private readonly byDevice = new Map<string, RecentAnomaly[]>();
  private watermarkMs = -Infinity;
  private prunedAtMs = -Infinity;

  /** @throws ConfigError when `windowMs`, `maxPerDevice` or `maxDevices` is not a positive number. */
  constructor(options: RelatedAnomalyMemoryOptions) {
    const { windowMs, maxPerDevice = 16, maxDevices = 10_000 } = options;
    if (!(Number.isFinite(windowMs) && windowMs > 0))
      throw new ConfigError(`correlation windowMs: expected a positive number of ms, got ${windowMs}`);
    if (!(Number.isInteger(maxPerDevice) && maxPerDevice > 0))
      throw new ConfigError(`maxPerDevice: expected a positive integer, got ${maxPerDevice}`);
    if (!(Number.isInteger(maxDevices) && maxDevices > 0))
      throw new ConfigError(`maxDevices: expected a positive integer, got ${maxDevices}`);
    this.windowMs = windowMs;
    this.maxPerDevice = maxPerDevice;
    this.maxDevices = maxDevices;
  }

  /** Number of remembered anomalies. */
  get size(): number {
    let n = 0;
    for (const list of this.byDevice.values()) n += list.length;
    return n;
  }

  /** Remembers an anomaly and forgets what fell out of the window. */
  record(anomaly: RecentAnomaly): void {
    this.watermarkMs = Math.max(this.watermarkMs, anomaly.tsMs);
    const list = this.byDevice.get(anomaly.deviceId) ?? [];
    this.byDevice.delete(anomaly.deviceId);
    list.push({ ...anomaly, topology: { ...anomaly.topology } });
    if (list.length > this.maxPerDevice) list.splice(0, list.length - this.maxPerDevice);
    this.byDevice.set(anomaly.deviceId, list);
    while (this.byDevice.size > this.maxDevices) {
      const oldest = this.byDevice.keys().next().value as string;
      this.byDevice.delete(oldest);
    }
    this.prune();
  }

  /**
   * Devices whose remembered anomalies share the metric and the zone (or, failing that, the
   * line) of `current`, within `windowMs` of its event time, not moving the opposite way, with
   * similarity ≥ {@link MIN_SIMILARITY}: at most 10, most similar first (ties by device id).
   */
  related(current: Omit<RecentAnomaly, 'type'>): RelatedDevice[] {
    const best = new Map<string, RelatedDevice>();
    for (const [deviceId, list] of this.byDevice) {
      if (deviceId === current.deviceId) continue;
      for (const other of list) {
        if (other.metric !== current.metric) continue;
        const dt = Math.abs(current.tsMs - other.tsMs);
        if (dt > this.windowMs) continue;
        const shared = sharedPlace(current.topology, other.topology);
        if (!shared) continue;
        if (
          current.direction !== 'none' &&
          other.direction !== 'none' &&
          current.direction !== other.direction
        )
          continue;
        const agreement = current.direction === other.direction ? 1 : 0.5;
        const time = 1 - dt / this.windowMs;
        const hi = Math.max(current.strength, other.strength);
        const magnitude = hi > 0 ? Math.min(current.strength, other.strength) / hi : 1;
        const similarity = Math.round((0.5 * agreement + 0.3 * time + 0.2 * magnitude) * 100) / 100;
        if (similarity < MIN_SIMILARITY) continue;
        const previous = best.get(deviceId);
        if (!previous || similarity > previous.similarity)
          best.set(deviceId, { deviceId, relation: shared.relation, similarity, place: shared.place });
      }
    }
    return [...best.values()]
      .sort(
        (a, b) =>
          b.similarity - a.similarity || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0),
      )
      .slice(0, MAX_RELATED);
  }

  /** The remembered anomalies (JSON-serializable), oldest device first. */
  entries(): RecentAnomaly[] {
    return [...this.byDevice.values()].flat();
  }

  /** Forgets everything. */
  clear(): void {
    this.byDevice.clear();
    this.watermarkMs = -Infinity;
    this.prunedAtMs = -Infinity;
  }

  /** Drops expired entries; runs at most once per tenth of a window of event time (entries in between are filtered by `related`). */
  private prune(): void {
    if (this.watermarkMs - this.prunedAtMs < this.windowMs / 10) return;
    this.prunedAtMs = this.watermarkMs;
    const cutoff = this.watermarkMs - this.windowMs;
    for (const [deviceId, list] of this.byDevice) {
      const kept = list.filter((a) => a.tsMs >= cutoff);
      if (kept.length === 0) this.byDevice.delete(deviceId);
      else if (kept.length !== list.length) this.byDevice.set(deviceId, kept);
    }
  }
}

function sharedPlace(a: Topology, b: Topology): { relation: string; place: string } | undefined {
  if (a.site === undefined || a.site !== b.site) return undefined;
  if (a.zone !== undefined && a.zone === b.zone) return { relation: 'same zone', place: a.zone };
  if (a.line !== undefined && a.line === b.line) return { relation: 'same line', place: a.line };
  return undefined;
}
