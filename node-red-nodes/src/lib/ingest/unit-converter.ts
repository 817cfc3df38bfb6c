import { ConfigError } from '../contracts/errors';

/** One unit: `base = value × scale + offset` in its dimension's base unit. */
interface UnitDef {
  dimension: string;
  scale: number;
  offset: number;
}

const u = (dimension: string, scale: number, offset = 0): UnitDef => ({ dimension, scale, offset });

/**
 * Units `lucid-ingest` converts between (symbol → definition; aliases share a definition).
 * Only affine units (value × scale + offset); logarithmic ones such as dBm are not converted.
 * Factors: NIST SP 811 (2008), Appendix B.
 */
export const UNIT_TABLE: Readonly<Record<string, UnitDef>> = Object.freeze({
  // temperature, base °C
  '°C': u('temperature', 1),
  C: u('temperature', 1),
  degC: u('temperature', 1),
  '°F': u('temperature', 5 / 9, -32 * (5 / 9)),
  F: u('temperature', 5 / 9, -32 * (5 / 9)),
  degF: u('temperature', 5 / 9, -32 * (5 / 9)),
  K: u('temperature', 1, -273.15),
  // electric potential, base V
  V: u('voltage', 1),
  mV: u('voltage', 1e-3),
  µV: u('voltage', 1e-6),
  uV: u('voltage', 1e-6),
  kV: u('voltage', 1e3),
  // electric current, base A
  A: u('current', 1),
  mA: u('current', 1e-3),
  µA: u('current', 1e-6),
  uA: u('current', 1e-6),
  // power, base W
  W: u('power', 1),
  mW: u('power', 1e-3),
  kW: u('power', 1e3),
  // pressure, base Pa
  Pa: u('pressure', 1),
  hPa: u('pressure', 100),
  kPa: u('pressure', 1e3),
  MPa: u('pressure', 1e6),
  mbar: u('pressure', 100),
  bar: u('pressure', 1e5),
  psi: u('pressure', 6894.757293168),
  // velocity (vibration), base mm/s
  'mm/s': u('velocity', 1),
  'm/s': u('velocity', 1e3),
  'in/s': u('velocity', 25.4),
  // acceleration, base m/s²
  'm/s²': u('acceleration', 1),
  'm/s2': u('acceleration', 1),
  g: u('acceleration', 9.80665),
  // length, base m
  m: u('length', 1),
  cm: u('length', 1e-2),
  mm: u('length', 1e-3),
  in: u('length', 0.0254),
  ft: u('length', 0.3048),
  // ratio, base %
  '%': u('ratio', 1),
  '%RH': u('ratio', 1),
  fraction: u('ratio', 100),
  // frequency, base Hz
  Hz: u('frequency', 1),
  kHz: u('frequency', 1e3),
  rpm: u('frequency', 1 / 60),
  // duration, base s
  s: u('duration', 1),
  ms: u('duration', 1e-3),
  min: u('duration', 60),
  h: u('duration', 3600),
});

/**
 * A function converting values from unit `from` to unit `to` (symbols of {@link UNIT_TABLE}).
 * Same symbols give the identity. Exact up to float rounding (relative error ~1e-15).
 *
 * @throws ConfigError when a unit is unknown or the two units measure different things.
 * @example unitConverter('°F', '°C')(212) // 100
 */
export function unitConverter(from: string, to: string): (value: number) => number {
  if (from === to) return (v) => v;
  const a = UNIT_TABLE[from];
  const b = UNIT_TABLE[to];
  if (!a || !b) {
    const missing = !a ? from : to;
    throw new ConfigError(
      `unit "${missing}" cannot be converted; known units: ${Object.keys(UNIT_TABLE).join(', ')}`,
    );
  }
  if (a.dimension !== b.dimension) {
    throw new ConfigError(`cannot convert "${from}" (${a.dimension}) to "${to}" (${b.dimension})`);
  }
  if (a.scale === b.scale && a.offset === b.offset) return (v) => v;
  return (v) => (v * a.scale + a.offset - b.offset) / b.scale;
}
