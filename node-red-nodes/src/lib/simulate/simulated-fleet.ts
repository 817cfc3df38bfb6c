import type { FleetDefinition } from '../fleet/fleet-registry';
import type { SimulatedDevice } from './simulation-types';

/** The device type every simulated device has. */
export const SIMULATED_DEVICE_TYPE = 'env-sensor';

/**
 * Metric name → unit, label, physical range and datasheet accuracy (± in the unit) of the
 * `env-sensor` device type. Accuracies are typical datasheet values of the kind of sensor:
 * temperature ±0.3 °C and humidity ±2 %RH (a digital temperature/humidity sensor of the
 * SHT3x/HDC class), vibration ±0.2 mm/s (an industrial piezo velocity transmitter, ±10 % of
 * a 2 mm/s reading), supply voltage ±0.1 V (a 1 % divider into a 12-bit ADC at 24 V), RSSI ±4 dB
 * (LoRa/BLE radio RSSI reporting), battery ±0.02 V (a microcontroller ADC on a Li-ion cell).
 */
export const SIMULATED_METRICS = {
  temperature: { unit: '°C', label: 'Temperature', min: -40, max: 125, accuracy: 0.3 },
  humidity: { unit: '%', label: 'Relative humidity', min: 0, max: 100, accuracy: 2 },
  vibration: { unit: 'mm/s', label: 'Vibration velocity (RMS)', min: 0, max: 50, accuracy: 0.2 },
  supplyVoltage: { unit: 'V', label: 'Supply voltage', min: 0, max: 36, accuracy: 0.1 },
  rssi: { unit: 'dBm', label: 'Signal strength (RSSI)', min: -120, max: 0, accuracy: 4 },
  battery: { unit: 'V', label: 'Battery voltage', min: 0, max: 4.2, accuracy: 0.02 },
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
 * `env-sensor` with each metric's unit, physical range, datasheet accuracy and expected interval.
 *
 * @param devices - from {@link simulatedDevices}.
 * @param intervalMs - the simulator's sample interval, ms.
 */
export function simulatedFleetDefinition(devices: SimulatedDevice[], intervalMs: number): FleetDefinition {
  const metrics: Record<
    string,
    { unit: string; label: string; min: number; max: number; accuracy: number; intervalMs: number }
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
