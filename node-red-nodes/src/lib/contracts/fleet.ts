/** The device registry shapes held by the `lucid-fleet` config node. */

/** What the fleet declares about one metric of a device type or device. */
export interface MetricSpec {
  /** Unit symbol readings are normalised to, e.g. `°C`, `%`, `mm/s`, `V`, `dBm`. */
  unit: string;
  /** Unit the device sends, when it differs from `unit` (ingest converts, e.g. `°F` → `°C`). */
  inputUnit?: string;
  /** Human label, e.g. `Temperature`; defaults to the metric name. */
  label?: string;
  /** Physical minimum and maximum the sensor can report, in `unit`. */
  min?: number;
  max?: number;
  /** Expected interval between samples, ms. */
  intervalMs?: number;
  /**
   * Sensor accuracy, ± in `unit`, from the datasheet (e.g. 0.3 for a ±0.3 °C sensor), > 0.
   * `lucid-detect` floors the metric's noise scale (level and rate) at it, so deviations within
   * the sensor's stated accuracy are never anomalous.
   */
  accuracy?: number;
}

/** One device of the fleet, with defaults already applied. */
export interface DeviceSpec {
  deviceId: string;
  site: string;
  zone: string;
  line: string;
  deviceType: string;
  /** Asset criticality, 1 (low) .. 5 (critical). */
  criticality: number;
  /** Per metric; merged from the device type and the device's own overrides. */
  metrics: Record<string, MetricSpec>;
  /** Whether the device was declared in the fleet (false: defaults were used). */
  known: boolean;
}
