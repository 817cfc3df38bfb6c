import { ConfigError } from '../contracts/errors';
import { SEVERITIES, type Severity } from '../contracts/types';

/** Notification channels `lucid-route` renders payloads for. */
export type ChannelName = 'slack' | 'webhook';

/** The channels, in the order their notifications are emitted. */
export const CHANNELS: readonly ChannelName[] = ['slack', 'webhook'];

/** One notification channel's settings. */
export interface ChannelOptions {
  /** Whether notifications are rendered for this channel. */
  enabled: boolean;
  /** Endpoint the adapter copies to `msg.url` (for the core `http request` node); optional. */
  url?: string;
  /** Only alerts at or above this severity notify. */
  minSeverity: Severity;
  /** At most this many notifications per `rateWindowMs` (≥ 1); the excess is summarised later. */
  maxPerWindow: number;
  /** Rate-limit window, ms of event time (≥ 1000). */
  rateWindowMs: number;
  /**
   * Also notify this channel when a notified alert resolves (with `notifyResolved` on). Defaults
   * follow Prometheus Alertmanager's `send_resolved`: off for Slack (a chat channel would get two
   * messages per alert), on for webhooks (machines track state).
   */
  sendResolved: boolean;
}

/**
 * Weights of the priority factors (see `computePriority`). Each ≥ 0, not all 0; they are
 * normalised to sum 1.
 */
export interface PriorityWeights {
  deviation: number;
  criticality: number;
  confidence: number;
  blastRadius: number;
  recurrence: number;
}

/** Lower priority bounds (0..100) of each severity; a priority below `low` is `info`. */
export interface SeverityThresholds {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

/** Everything `AlertRouter` can be configured with. All durations are ms of event time. */
export interface RouteOptions {
  /** Anomalous detections of a fingerprint needed to open an alert (≥ 1). */
  openAfterCount: number;
  /** The `openAfterCount` detections must fall within this window from the first (≥ 0). */
  openWindowMs: number;
  /** An open alert resolves once its device + metric has been normal this long (≥ 0)... */
  resolveAfterMs: number;
  /** ...or after this many consecutive normal readings (0 = only `resolveAfterMs` counts). */
  resolveAfterCount: number;
  /** An open alert emits `updated` at most once per this interval (escalations excepted). */
  updateIntervalMs: number;
  /** Alerts of the same site + zone whose times are within this window join one incident. */
  incidentWindowMs: number;
  /** Earlier alerts of the same fingerprint within this window count as recurrences. */
  recurrenceWindowMs: number;
  /** Send a notification when a notified alert resolves. */
  notifyResolved: boolean;
  weights: PriorityWeights;
  severityThresholds: SeverityThresholds;
  channels: Record<ChannelName, ChannelOptions>;
}

/** Documented defaults. */
export const DEFAULT_ROUTE_OPTIONS: RouteOptions = {
  openAfterCount: 1,
  openWindowMs: 5 * 60_000,
  resolveAfterMs: 5 * 60_000,
  resolveAfterCount: 0,
  updateIntervalMs: 5 * 60_000,
  incidentWindowMs: 10 * 60_000,
  recurrenceWindowMs: 24 * 3_600_000,
  notifyResolved: true,
  weights: { deviation: 0.35, criticality: 0.25, confidence: 0.15, blastRadius: 0.15, recurrence: 0.1 },
  severityThresholds: { critical: 80, high: 60, medium: 40, low: 20 },
  channels: {
    slack: {
      enabled: true,
      minSeverity: 'medium',
      maxPerWindow: 10,
      rateWindowMs: 10 * 60_000,
      sendResolved: false,
    },
    webhook: {
      enabled: true,
      minSeverity: 'low',
      maxPerWindow: 60,
      rateWindowMs: 10 * 60_000,
      sendResolved: true,
    },
  },
};

/** A partial configuration: any field may be left out (nested ones too). */
export type RouteOptionsInput = Partial<Omit<RouteOptions, 'weights' | 'severityThresholds' | 'channels'>> & {
  weights?: Partial<PriorityWeights>;
  severityThresholds?: Partial<SeverityThresholds>;
  channels?: Partial<Record<ChannelName, Partial<ChannelOptions>>>;
};

function num(field: string, value: unknown, min: number, integer = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigError(
      `${field}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function severity(field: string, value: unknown): Severity {
  if (typeof value !== 'string' || !SEVERITIES.includes(value as Severity)) {
    throw new ConfigError(`${field}: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as Severity;
}

/**
 * Completes and validates a partial configuration against {@link DEFAULT_ROUTE_OPTIONS}.
 *
 * @param partial - any subset of {@link RouteOptions}; `undefined` fields take the defaults.
 * @returns complete options; priority weights are normalised to sum 1.
 * @throws ConfigError naming the field, its value and the expectation (negative durations,
 *   `openAfterCount` < 1, weights all 0, thresholds not strictly decreasing
 *   critical > high > medium > low, unknown severities, `maxPerWindow` < 1, non-http(s) URLs).
 * @example
 * const options = resolveRouteOptions({ resolveAfterMs: 120_000, channels: { slack: { minSeverity: 'high' } } });
 */
export function resolveRouteOptions(partial: RouteOptionsInput = {}): RouteOptions {
  const d = DEFAULT_ROUTE_OPTIONS;
  const pick = <K extends keyof RouteOptions>(k: K): unknown =>
    partial[k] === undefined ? d[k] : partial[k];
  const notifyResolved = pick('notifyResolved');
  if (typeof notifyResolved !== 'boolean') {
    throw new ConfigError(`notifyResolved: expected a boolean, got ${JSON.stringify(notifyResolved)}`);
  }
  const w = { ...d.weights, ...(partial.weights ?? {}) };
  const weights = {} as PriorityWeights;
  let total = 0;
  for (const key of Object.keys(d.weights) as (keyof PriorityWeights)[]) {
    weights[key] = num(`weights.${key}`, w[key], 0);
    total += weights[key];
  }
  if (total <= 0) throw new ConfigError('weights: expected at least one priority weight > 0, got all 0');
  for (const key of Object.keys(weights) as (keyof PriorityWeights)[]) weights[key] /= total;

  const t = { ...d.severityThresholds, ...(partial.severityThresholds ?? {}) };
  const severityThresholds: SeverityThresholds = {
    critical: num('severityThresholds.critical', t.critical, 0),
    high: num('severityThresholds.high', t.high, 0),
    medium: num('severityThresholds.medium', t.medium, 0),
    low: num('severityThresholds.low', t.low, 0),
  };
  const s = severityThresholds;
  if (!(s.critical <= 100 && s.critical > s.high && s.high > s.medium && s.medium > s.low)) {
    throw new ConfigError(
      `severityThresholds: expected 100 ≥ critical > high > medium > low ≥ 0, got ${JSON.stringify(severityThresholds)}`,
    );
  }

  const channels = {} as Record<ChannelName, ChannelOptions>;
  for (const name of CHANNELS) {
    const c = { ...d.channels[name], ...(partial.channels?.[name] ?? {}) };
    if (typeof c.enabled !== 'boolean') {
      throw new ConfigError(`channels.${name}.enabled: expected a boolean, got ${JSON.stringify(c.enabled)}`);
    }
    if (typeof c.sendResolved !== 'boolean') {
      throw new ConfigError(
        `channels.${name}.sendResolved: expected a boolean, got ${JSON.stringify(c.sendResolved)}`,
      );
    }
    let url: string | undefined;
    if (c.url !== undefined && c.url !== '') {
      if (typeof c.url !== 'string' || !/^https?:\/\/\S+$/i.test(c.url)) {
        throw new ConfigError(`channels.${name}.url: expected an http(s) URL, got ${JSON.stringify(c.url)}`);
      }
      url = c.url;
    }
    channels[name] = {
      enabled: c.enabled,
      ...(url ? { url } : {}),
      minSeverity: severity(`channels.${name}.minSeverity`, c.minSeverity),
      maxPerWindow: num(`channels.${name}.maxPerWindow`, c.maxPerWindow, 1, true),
      rateWindowMs: num(`channels.${name}.rateWindowMs`, c.rateWindowMs, 1000),
      sendResolved: c.sendResolved,
    };
  }

  return {
    openAfterCount: num('openAfterCount', pick('openAfterCount'), 1, true),
    openWindowMs: num('openWindowMs', pick('openWindowMs'), 0),
    resolveAfterMs: num('resolveAfterMs', pick('resolveAfterMs'), 0),
    resolveAfterCount: num('resolveAfterCount', pick('resolveAfterCount'), 0, true),
    updateIntervalMs: num('updateIntervalMs', pick('updateIntervalMs'), 0),
    incidentWindowMs: num('incidentWindowMs', pick('incidentWindowMs'), 0),
    recurrenceWindowMs: num('recurrenceWindowMs', pick('recurrenceWindowMs'), 0),
    notifyResolved,
    weights,
    severityThresholds,
    channels,
  };
}
