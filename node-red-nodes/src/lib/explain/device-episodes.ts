import { ConfigError } from '../contracts/errors';

/** What an episode remembers of one metric that was anomalous in it. */
export interface EpisodeMetric {
  metric: string;
  /** Way the metric first moved in the episode. */
  direction: 'up' | 'down';
  /** The expected value when the metric first went anomalous (its normal level), in its unit. */
  normalValue: number;
  /** The value furthest from `normalValue` seen in the episode. */
  peakValue: number;
  /** Half-width of the expected band and the baseline's MAD when the metric went anomalous: its normal noise scale. */
  halfBand: number;
  mad: number;
}

/** An ongoing anomaly episode of one device. */
export interface DeviceEpisode {
  /** Event time of the first anomalous reading, epoch ms. */
  startTsMs: number;
  /** Event time of the latest anomalous reading, epoch ms. */
  lastAnomalyTsMs: number;
  /** Metrics anomalous in the episode, in the order they went anomalous. */
  metrics: EpisodeMetric[];
  /** The anomaly type of the episode's first anomalous reading (see `classifyAnomaly`). */
  type: string;
  /** Event time at which every metric of the episode was back to normal, epoch ms; unset while it lasts. */
  settledTsMs?: number;
  /**
   * Every metric of the device at the episode's first reading: its expected value and noise scale
   * then (its level before the episode), so a metric that starts moving later in the episode is
   * still compared with where it was.
   */
  before: Record<string, { normalValue: number; halfBand: number; mad: number }>;
}

/** Options of {@link DeviceEpisodes}. */
export interface DeviceEpisodesOptions {
  /** An episode ends this long (event time, ms, > 0) after its latest anomalous reading. */
  idleMs: number;
  /** Devices kept (least recently updated evicted first), default 10 000. */
  maxDevices?: number;
}

/**
 * A settled episode (every metric back to normal) is kept this long (event time) to recognise the
 * detector's late flags of the return as a recovery, then forgotten.
 */
export const SETTLED_KEEP_MS = 15 * 60_000;

/** A metric counts as back to normal when it is within this fraction of its peak deviation from its normal level. */
export const RETURN_FRACTION = 0.35;

/**
 * The anomaly episode of each device: which metrics went anomalous, which way, and from what
 * normal level, so an explanation can speak about the whole episode (re-explaining an open
 * anomaly as evidence accumulates) and recognise a return to normal.
 *
 * Memory: O(maxDevices × metrics per device); every call is O(metrics of the device).
 */
export class DeviceEpisodes {
  readonly idleMs: number;
  private readonly maxDevices: number;
  private readonly byDevice = new Map<string, DeviceEpisode>();

  /** @throws ConfigError when `idleMs` or `maxDevices` is not positive. */
  constructor(options: DeviceEpisodesOptions) {
    const { idleMs, maxDevices = 10_000 } = options;
    if (!(Number.isFinite(idleMs) && idleMs > 0))
      throw new ConfigError(`episode idleMs: expected a positive number of ms, got ${idleMs}`);
    if (!(Number.isInteger(maxDevices) && maxDevices > 0))
      throw new ConfigError(`maxDevices: expected a positive integer, got ${maxDevices}`);
    this.idleMs = idleMs;
    this.maxDevices = maxDevices;
  }

  /**
   * The device's episode at `tsMs`, or undefined when it has none (or it went idle, or settled
   * more than {@link SETTLED_KEEP_MS} ago).
   */
  get(deviceId: string, tsMs: number): DeviceEpisode | undefined {
    const episode = this.byDevice.get(deviceId);
    if (!episode) return undefined;
    if (
      tsMs - episode.lastAnomalyTsMs > this.idleMs ||
      (episode.settledTsMs !== undefined && tsMs - episode.settledTsMs > SETTLED_KEEP_MS)
    ) {
      this.byDevice.delete(deviceId);
      return undefined;
    }
    return episode;
  }

  /**
   * Records an anomalous reading: its anomaly type (kept only when it starts the episode) and the
   * metrics that moved (name, direction, expected value, value now and the noise scale: band
   * half-width and MAD), and for a new episode every metric's level before it (`before`).
   * Starts an episode when the device has none.
   */
  record(
    deviceId: string,
    tsMs: number,
    type: string,
    moved: {
      metric: string;
      direction: 'up' | 'down';
      expected: number;
      value: number;
      halfBand: number;
      mad: number;
    }[],
    before: DeviceEpisode['before'] = {},
  ): DeviceEpisode {
    let episode = this.get(deviceId, tsMs);
    if (!episode) episode = { startTsMs: tsMs, lastAnomalyTsMs: tsMs, metrics: [], type, before };
    episode.lastAnomalyTsMs = Math.max(episode.lastAnomalyTsMs, tsMs);
    for (const m of moved) {
      const known = episode.metrics.find((e) => e.metric === m.metric);
      if (!known) {
        episode.metrics.push({
          metric: m.metric,
          direction: m.direction,
          normalValue: m.expected,
          peakValue: m.value,
          halfBand: m.halfBand,
          mad: m.mad,
        });
      } else if (Math.abs(m.value - known.normalValue) > Math.abs(known.peakValue - known.normalValue)) {
        known.peakValue = m.value;
      }
    }
    this.byDevice.delete(deviceId);
    this.byDevice.set(deviceId, episode);
    while (this.byDevice.size > this.maxDevices)
      this.byDevice.delete(this.byDevice.keys().next().value as string);
    return episode;
  }

  /** Ends the device's episode. */
  end(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }

  /** Forgets every episode. */
  clear(): void {
    this.byDevice.clear();
  }
}

/**
 * Whether `value` of an episode metric is back near its normal level: within
 * {@link RETURN_FRACTION} of the episode's peak deviation.
 */
export function isBackToNormal(m: EpisodeMetric, value: number): boolean {
  const peak = Math.abs(m.peakValue - m.normalValue);
  return peak > 0 && Math.abs(value - m.normalValue) <= RETURN_FRACTION * peak;
}

/** Whether `value` is on its way back: closer to the normal level than the episode's peak. */
export function isReturning(m: EpisodeMetric, value: number): boolean {
  return Math.abs(value - m.normalValue) < Math.abs(m.peakValue - m.normalValue);
}
