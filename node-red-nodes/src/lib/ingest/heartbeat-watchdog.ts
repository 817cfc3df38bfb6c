import { CONNECTIVITY_METRIC, type Reading } from '../contracts/types';
import type { FleetRegistry } from '../fleet/fleet-registry';

interface Watched {
  lastSeenMs: number;
  expectedIntervalMs: number;
  lost: boolean;
  tenant?: string;
  site?: string;
}

/**
 * Heartbeat watchdog: a device is *lost* when no accepted reading arrived for more than
 * `factor` × its expected interval (the smallest `intervalMs` over its fleet metrics, or the
 * fleet default interval when it declares none), measured on the injected wall clock.
 * Emits one `connectivity` = 0 reading when a device is lost and one `connectivity` = 1 reading
 * when it comes back. Their `tsMs` is the wall-clock time of the event; `tags.event` is
 * `connectivity_lost` / `connectivity_restored`, and tags `silentForMs` and `expectedIntervalMs`
 * carry the numbers (as strings, since tags are strings).
 *
 * Cost: `seen` O(1); `check` O(watched devices). At most `maxDevices` devices are watched
 * (later ones are not), so memory stays bounded.
 */
export class HeartbeatWatchdog {
  private readonly devices = new Map<string, Watched>();

  /**
   * @param factor - silence threshold in expected intervals (> 0).
   * @param fleet - the registry giving each device's expected intervals.
   */
  constructor(
    readonly factor: number,
    private readonly fleet: FleetRegistry,
    private readonly maxDevices = 100_000,
  ) {}

  /** Number of watched devices. */
  get size(): number {
    return this.devices.size;
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

  /** Starts watching a device as if it had been seen at `nowMs` (used for declared devices). */
  watch(deviceId: string, nowMs: number): void {
    if (this.devices.has(deviceId) || this.devices.size >= this.maxDevices) return;
    this.devices.set(deviceId, {
      lastSeenMs: nowMs,
      expectedIntervalMs: this.expectedIntervalMs(deviceId),
      lost: false,
    });
  }

  /**
   * Records an accepted reading of `reading.deviceId` received at wall time `nowMs`.
   * @returns the `connectivity_restored` reading when the device had been lost, else null.
   */
  seen(reading: Reading, nowMs: number): Reading | null {
    const w = this.devices.get(reading.deviceId);
    if (!w) {
      if (this.devices.size < this.maxDevices) {
        this.devices.set(reading.deviceId, {
          lastSeenMs: nowMs,
          expectedIntervalMs: this.expectedIntervalMs(reading.deviceId),
          lost: false,
          tenant: reading.tenant,
          site: reading.site,
        });
      }
      return null;
    }
    const silentForMs = nowMs - w.lastSeenMs;
    w.lastSeenMs = nowMs;
    w.tenant = reading.tenant ?? w.tenant;
    w.site = reading.site ?? w.site;
    if (!w.lost) return null;
    w.lost = false;
    return this.connectivity(reading.deviceId, w, nowMs, 1, 'connectivity_restored', silentForMs);
  }

  /** The `connectivity_lost` readings of devices that fell silent since the last check. */
  check(nowMs: number): Reading[] {
    const out: Reading[] = [];
    for (const [deviceId, w] of this.devices) {
      const silentForMs = nowMs - w.lastSeenMs;
      if (!w.lost && silentForMs > this.factor * w.expectedIntervalMs) {
        w.lost = true;
        out.push(this.connectivity(deviceId, w, nowMs, 0, 'connectivity_lost', silentForMs));
      }
    }
    return out;
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
