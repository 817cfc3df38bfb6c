import type { Severity } from '../contracts/types';
import type { ChannelName, ChannelOptions } from './route-options';

/** A notification the rate limit held back. */
export interface DroppedNotification {
  alertId: string;
  incidentId: string;
  deviceId: string;
  severity: Severity;
  title: string;
}

/** What a window's excess amounted to, for the summary notification that replaces it. */
export interface DroppedSummary {
  channel: ChannelName;
  /** Event-time window the excess happened in, ms. */
  fromMs: number;
  toMs: number;
  count: number;
  bySeverity: Partial<Record<Severity, number>>;
  /** The first {@link MAX_LISTED} dropped notifications' alerts. */
  alerts: DroppedNotification[];
}

/** How many dropped alerts a summary lists by name. */
export const MAX_LISTED = 10;

interface ChannelWindow {
  windowStartMs: number | null;
  sent: number;
  dropped: number;
  bySeverity: Partial<Record<Severity, number>>;
  alerts: DroppedNotification[];
}

/** Serializable state of a {@link NotificationRateLimiter}. */
export interface RateLimiterState {
  windows: Partial<Record<ChannelName, ChannelWindow>>;
  totalDropped: number;
  totalSummaries: number;
}

/**
 * Per-channel fixed-window rate limit in event time: at most `maxPerWindow` notifications per
 * `rateWindowMs`, the window starting at the first notification after the previous one ended.
 * The excess is never lost silently: it is counted (by severity, with the first alerts named)
 * and {@link roll} hands it back as a {@link DroppedSummary} once the window has ended, which
 * the router sends as one summary notification (counted in the new window). O(1) per call.
 */
export class NotificationRateLimiter {
  private readonly state: RateLimiterState;

  /**
   * @param limits - per channel `maxPerWindow` (≥ 1) and `rateWindowMs`, from `resolveRouteOptions`.
   * @param state - a {@link snapshot} to continue from.
   */
  constructor(
    private readonly limits: Record<ChannelName, Pick<ChannelOptions, 'maxPerWindow' | 'rateWindowMs'>>,
    state?: RateLimiterState,
  ) {
    this.state = state
      ? (JSON.parse(JSON.stringify(state)) as RateLimiterState)
      : { windows: {}, totalDropped: 0, totalSummaries: 0 };
  }

  private window(channel: ChannelName): ChannelWindow {
    let w = this.state.windows[channel];
    if (!w) {
      w = { windowStartMs: null, sent: 0, dropped: 0, bySeverity: {}, alerts: [] };
      this.state.windows[channel] = w;
    }
    return w;
  }

  /**
   * Ends the channel's window if `tsMs` is past it. Returns the ended window's excess, when
   * there was any, exactly once.
   */
  roll(channel: ChannelName, tsMs: number): DroppedSummary | undefined {
    const w = this.window(channel);
    const { rateWindowMs } = this.limits[channel];
    if (w.windowStartMs === null || tsMs < w.windowStartMs + rateWindowMs) return undefined;
    const ended = w.windowStartMs;
    const summary: DroppedSummary | undefined =
      w.dropped > 0
        ? {
            channel,
            fromMs: ended,
            toMs: ended + rateWindowMs,
            count: w.dropped,
            bySeverity: w.bySeverity,
            alerts: w.alerts,
          }
        : undefined;
    this.state.windows[channel] = { windowStartMs: null, sent: 0, dropped: 0, bySeverity: {}, alerts: [] };
    if (summary) this.state.totalSummaries += 1;
    return summary;
  }

  /** Takes one slot of the channel's current window (starting one if needed); false when full. */
  tryAcquire(channel: ChannelName, tsMs: number): boolean {
    this.roll(channel, tsMs);
    const w = this.window(channel);
    if (w.windowStartMs === null) w.windowStartMs = tsMs;
    if (w.sent >= this.limits[channel].maxPerWindow) return false;
    w.sent += 1;
    return true;
  }

  /** Counts a notification {@link tryAcquire} refused. */
  recordDropped(channel: ChannelName, dropped: DroppedNotification): void {
    const w = this.window(channel);
    w.dropped += 1;
    w.bySeverity[dropped.severity] = (w.bySeverity[dropped.severity] ?? 0) + 1;
    if (w.alerts.length < MAX_LISTED) w.alerts.push(dropped);
    this.state.totalDropped += 1;
  }

  /** Notifications dropped so far (all channels, since the state began) and summaries emitted. */
  totals(): { dropped: number; summaries: number; pending: number } {
    const pending = Object.values(this.state.windows).reduce((n, w) => n + (w?.dropped ?? 0), 0);
    return { dropped: this.state.totalDropped, summaries: this.state.totalSummaries, pending };
  }

  /** A JSON-serializable copy of the state. */
  snapshot(): RateLimiterState {
    return JSON.parse(JSON.stringify(this.state)) as RateLimiterState;
  }
}
