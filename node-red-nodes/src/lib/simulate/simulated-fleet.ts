import type { FleetDefinition } from '../fleet/fleet-registry';
import type { SimulatedDevice } from './simulation-types';

/** The device type every simulated device has. */
export const SIMULATED_DEVICE_TYPE = 'env-sensor';

/** Metric name → unit, label and physical range of the `env-sensor` device type. */
export const SIMULATED_METRICS = {
  temperature: { unit: '°C', label: 'Temperature', min: -40, max: 125 },
  humidity: { unit: '%', label: 'Relative humidity', min: 0, max: 100 },
  vibration: { unit: 'mm/s', label: 'Vibration velocity (RMS)', min: 0, max: 50 },
  supplyVoltage: { unit: 'V', label: 'Supply voltage', min: 0, max: 36 },
  rssi: { unit: 'dBm', label: 'Signal strength (RSSI)', min: -120, max: 0 },
  battery: { unit: 'V', label: 'Battery voltage', min: 0, max: 4.2 },
} as const;

/** Names of the simulated metrics. */
export type SimulatedMetric = keyof typeof SIMULATED_METRICS;

const SITES = ['plant-north', 'plant-south'] as const;
const ZONE_NAMES = ['zone-a', 'zone-b', 'zone-c', 'zone-d', 'zone-e', 'zone-f', 'zone-g', 'zone-h'];

/**
 * The layout of a simulated fleet: `deviceCount` devices `env-01`, `env-02`, … split into
 * consecutive groups of about three per zone (at most 8 zones), zones alternating between two
 * sites, two production lines per zone, criticality cycling 2..5.
 *
 * @param deviceCount - 1..1000.
 * @example simulatedDevices(12) // 4 zones (zone-a, zone-c in plant-north; zone-b, zone-d in plant-south), 3 devices each
 */
export function simulatedDevices(deviceCount: number): SimulatedDevice[] {
  const zoneCount = Math.max(1, Math.min(ZONE_NAMES.length, Math.floor(deviceCount / 3)));
  const width = Math.max(2, String(deviceCount).length);
  const devices: SimulatedDevice[] = [];
  for (let i = 0; i < deviceCount; i++) {
    const zoneIndex = Math.floor((i * zoneCount) / deviceCount);
    const zone = ZONE_NAMES[zoneIndex];
    devices.push({
      deviceId: `env-${String(i + 1).padStart(width, '0')}`,
      site: SITES[zoneIndex % SITES.length],
      zone,
      line: `${zone}-line-${(i % 2) + 1}`,
      criticality: 2 + (i % 4),
    });
  }
  return devices;
}

/**
 * The fleet JSON (see `lucid-fleet`) that declares exactly the simulated devices: device type
 * `env-sensor` with each metric's unit, physical range and expected interval.
 *
 * @param devices - from {@link simulatedDevices}.
 * @param intervalMs - the simulator's sample interval, ms.
 */
export function simulatedFleetDefinition(devices: SimulatedDevice[], intervalMs: number): FleetDefinition {
  const metrics: Record<
    string,
    { unit: string; label: string; min: number; max: number; intervalMs: number }
  > = {};
  for (const [name, spec] of Object.entries(SIMULATED_METRICS)) metrics[name] = { ...spec, intervalMs };
  return {
    version: 1,
    defaults: { deviceType: SIMULATED_DEVICE_TYPE, intervalMs },
    deviceTypes: {
      [SIMULATED_DEVICE_TYPE]: {
        description:
          'Simulated environmental sensor (lucid-simulate): temperature, humidity, vibration, supply, radio, battery',
        criticality: 3,
        metrics,
      },
    },
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      site: d.site,
      zone: d.zone,
      line: d.line,
      deviceType: SIMULATED_DEVICE_TYPE,
      criticality: d.criticality,
    })),
  };
}
