/** Numbers below this are epoch seconds (1e11 s is the year 5138; 1e11 ms is 1973-03-03). */
export const EPOCH_SECONDS_BELOW = 1e11;
/** Numbers at or above this are epoch microseconds (1e14 ms is the year 5138). */
export const EPOCH_MICROS_FROM = 1e14;
/** Numbers at or above this are epoch nanoseconds. */
export const EPOCH_NANOS_FROM = 1e17;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Normalises a timestamp to epoch ms.
 *
 * - ISO-8601 / RFC 3339 string: `2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`,
 *   `2024-05-01 12:00:00` (a space is accepted for `T`), `2024-05-01`. Without a zone the time is
 *   read as **UTC** (not the gateway's local time, so results do not depend on the machine).
 * - Number (epoch, any sign, fractions kept): |n| < 1e11 → seconds; < 1e14 → ms; < 1e17 → µs;
 *   otherwise ns. So epoch-ms values before 1973-03-03 are misread as seconds (documented limit).
 *
 * @returns epoch ms, or a string saying why the value is not a timestamp.
 * @example parseTimestamp(1714564800) // 1714564800000
 */
export function parseTimestamp(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `is ${value}; send a finite epoch time or an ISO-8601 string`;
    const abs = Math.abs(value);
    if (abs < EPOCH_SECONDS_BELOW) return value * 1000;
    if (abs < EPOCH_MICROS_FROM) return value;
    if (abs < EPOCH_NANOS_FROM) return value / 1000;
    return value / 1e6;
  }
  if (typeof value === 'string') {
    const m = ISO.exec(value.trim());
    if (!m) {
      const hint = /^[+-]?\d+(\.\d+)?$/.test(value.trim())
        ? '; send epoch times as numbers, not strings'
        : '';
      return `is the string ${JSON.stringify(value.slice(0, 40))}, which is not ISO-8601 (e.g. "2024-05-01T12:00:00Z")${hint}`;
    }
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
    const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
    const utc = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
    const check = new Date(utc);
    if (
      check.getUTCFullYear() !== fields[0] ||
      check.getUTCMonth() !== fields[1] - 1 ||
      check.getUTCDate() !== fields[2] ||
      fields[3] > 23 ||
      fields[4] > 59 ||
      fields[5] > 59
    ) {
      return `is ${JSON.stringify(value)}, which is not a valid calendar date and time`;
    }
    let offsetMin = 0;
    if (zone && zone !== 'Z' && zone !== 'z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (oh > 23 || om > 59) return `is ${JSON.stringify(value)}, whose UTC offset ${zone} is invalid`;
      offsetMin = sign * (oh * 60 + om);
    }
    const fracMs = frac ? Number(`0.${frac}`) * 1000 : 0;
    return utc + fracMs - offsetMin * 60_000;
  }
  return `is ${describeValue(value)}; send an ISO-8601 string or an epoch time in s or ms`;
}

/** A short description of a JSON value for reject details: `the string "21.5"`, `null`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
