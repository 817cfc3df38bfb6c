import { CONNECTIVITY_METRIC, type Reading } from '../contracts/types';
import type { FleetRegistry } from '../fleet/fleet-registry';

interface Watched {
  /** Wall time of the last sign of life (or of the end of a broker outage), epoch ms. */
  lastSeenMs: number;
  /** The device's newest event time (`reading.tsMs`), or NaN before its first reading. */
  lastTsMs: number;
  expectedIntervalMs: number;
  /** Accepted readings so far (capped at the history needed). */
  readings: number;
  /** Declared in the fleet and watched from the start: needs no history. */
  declared: boolean;
  lost: boolean;
  /** The device said it goes offline as planned: its silence is no loss. */
  plannedOffline: boolean;
  tenant?: string;
  site?: string;
}

/**
 * Heartbeat watchdog: a device is *lost* when no accepted reading arrived for more than
 * `factor` × its expected interval (the smallest `intervalMs` over its fleet metrics, or the
 * fleet default interval when it declares none), measured on the injected wall clock.
 * Emits one `connectivity` = 0 reading when a device is lost and one `connectivity` = 1 reading
 * when it comes back; `tags.event` is `connectivity_lost` / `connectivity_restored`, and tags
 * `silentForMs` and `expectedIntervalMs` carry the numbers (as strings, since tags are strings).
 *
 * Not every silence is a loss:
 * - **History**: a device is watched only once it sent `minReadings` accepted readings (a device
 *   seen once, or a burst of one-message devices, says nothing about when to expect it), unless
 *   it is declared in the fleet and watched from the start ({@link watch}).
 * - **Planned departure**: after {@link offline} with `planned`, the device's silence raises
 *   nothing until it sends again. An unplanned offline (a broken link, as a last will says)
 *   makes a watched device lost at once.
 * - **Broker outage**: while {@link pause}d (the gateway itself lost the broker) nothing is lost;
 *   {@link resume} restarts every device's silence at that moment.
 *
 * Times: the connectivity readings are placed on the device's own clock, so that the alert's
 * durations agree with the device's other readings even when that clock is not the wall clock (a
 * replay, a simulator faster than real time): a loss at the device's newest event time plus the
 * wall silence, a restoration at the returning reading's event time.
 *
 * Cost: `seen` O(1); `check` O(watched devices). At most `maxDevices` devices are watched
 * (later ones are not), so memory stays bounded.
 */
export class HeartbeatWatchdog {
  private readonly devices = new Map<string, Watched>();
  private paused = false;

  /**
   * @param factor - silence threshold in expected intervals (> 0).
   * @param fleet - the registry giving each device's expected intervals.
   * @param minReadings - accepted readings a device needs before its silence is a loss (≥ 1).
   * @param maxDevices - most devices watched.
   */
  constructor(
    readonly factor: number,
    private readonly fleet: FleetRegistry,
    readonly minReadings = 1,
    private readonly maxDevices = 100_000,
  ) {}

  /** Number of watched devices. */
  get size(): number {
    return this.devices.size;
  }

  /** Whether loss detection is paused (see {@link pause}). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Expected sample interval of a device, ms: the minimum over its metrics' `intervalMs`. */
  expectedIntervalMs(deviceId: string): number {
    const intervals = Object.values(this.fleet.device(deviceId).metrics)
      .map((m) => m.intervalMs)
      .filter((v): v is number => typeof v === 'number' && v > 0);
    return intervals.length
      ? Math.min(...intervals)
      : (this.fleet.metric(deviceId, CONNECTIVITY_METRIC).intervalMs ?? 60_000);
  }

  /** Starts watching a declared device as if it had been seen at `nowMs`; it needs no history. */
  watch(deviceId: string, nowMs: number): void {
    if (this.devices.has(deviceId) || this.devices.size >= this.maxDevices) return;
    const w = this.newWatched(deviceId, nowMs);
    w.declared = true;
    this.devices.set(deviceId, w);
  }

  /**
   * Records an accepted reading of `reading.deviceId` received at wall time `nowMs`.
   * @returns the `connectivity_restored` reading when the device had been lost, else null.
   */
  seen(reading: Reading, nowMs: number): Reading | null {
    let w = this.devices.get(reading.deviceId);
    if (!w) {
      if (this.devices.size >= this.maxDevices) return null;
      w = this.newWatched(reading.deviceId, nowMs);
      this.devices.set(reading.deviceId, w);
    }
    const silentForMs = nowMs - w.lastSeenMs;
    w.lastSeenMs = nowMs;
    if (!(reading.tsMs <= w.lastTsMs)) w.lastTsMs = reading.tsMs;
    if (w.readings < this.minReadings) w.readings++;
    w.plannedOffline = false;
    w.tenant = reading.tenant ?? w.tenant;
    w.site = reading.site ?? w.site;
    if (!w.lost) return null;
    w.lost = false;
    return this.connectivity(reading.deviceId, w, reading.tsMs, 1, 'connectivity_restored', silentForMs);
  }

  /**
   * The device says it goes offline. Planned: its silence raises nothing until it sends again.
   * Unplanned (its link broke): a watched device with enough history is lost at once.
   * @returns the `connectivity_lost` reading of an unplanned offline, else null.
   */
  offline(deviceId: string, planned: boolean, nowMs: number): Reading | null {
    const w = this.devices.get(deviceId);
    if (!w) return null;
    if (planned) {
      w.plannedOffline = true;
      return null;
    }
    if (w.lost || !this.eligible(w)) return null;
    w.lost = true;
    return this.connectivity(
      deviceId,
      w,
      this.deviceTsMs(w, nowMs),
      0,
      'connectivity_lost',
      nowMs - w.lastSeenMs,
    );
  }

  /** The device says it is online: a sign of life (not a reading), which ends a planned offline. */
  online(deviceId: string, nowMs: number): void {
    const w = this.devices.get(deviceId);
    if (!w) return;
    w.plannedOffline = false;
    w.lastSeenMs = Math.max(w.lastSeenMs, nowMs);
  }

  /** The gateway lost its broker: no device can be heard, so none is lost until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  /** The broker is back: every device's silence restarts at `nowMs`. */
  resume(nowMs: number): void {
    if (!this.paused) return;
    this.paused = false;
    for (const w of this.devices.values()) w.lastSeenMs = Math.max(w.lastSeenMs, nowMs);
  }

  /** The `connectivity_lost` readings of devices that fell silent since the last check. */
  check(nowMs: number): Reading[] {
    const out: Reading[] = [];
    if (this.paused) return out;
    for (const [deviceId, w] of this.devices) {
      const silentForMs = nowMs - w.lastSeenMs;
      if (w.lost || w.plannedOffline || silentForMs <= this.factor * w.expectedIntervalMs) continue;
      if (!this.eligible(w)) continue;
      w.lost = true;
      out.push(
        this.connectivity(deviceId, w, this.deviceTsMs(w, nowMs), 0, 'connectivity_lost', silentForMs),
      );
    }
    return out;
  }

  private newWatched(deviceId: string, nowMs: number): Watched {
    return {
      lastSeenMs: nowMs,
      lastTsMs: NaN,
      expectedIntervalMs: this.expectedIntervalMs(deviceId),
      readings: 0,
      declared: false,
      lost: false,
      plannedOffline: false,
    };
  }

  private eligible(w: Watched): boolean {
    return w.declared || w.readings >= this.minReadings;
  }

  /** Now on the device's clock: its newest event time plus the wall silence since (wall time before any reading). */
  private deviceTsMs(w: Watched, nowMs: number): number {
    return Number.isFinite(w.lastTsMs) ? w.lastTsMs + Math.max(0, nowMs - w.lastSeenMs) : nowMs;
  }

  private connectivity(
    deviceId: string,
    w: Watched,
    tsMs: number,
    value: 0 | 1,
    event: string,
    silentForMs: number,
  ): Reading {
    const reading: Reading = {
      deviceId,
      tsMs,
      metrics: { [CONNECTIVITY_METRIC]: value },
      tags: { event, silentForMs: String(silentForMs), expectedIntervalMs: String(w.expectedIntervalMs) },
    };
    if (w.tenant) reading.tenant = w.tenant;
    if (w.site) reading.site = w.site;
    return reading;
  }
}
