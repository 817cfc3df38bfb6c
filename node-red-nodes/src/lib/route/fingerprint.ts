import { createHash } from 'node:crypto';

/** The hex SHA-256 of the parts joined by NUL, truncated to `length` characters. */
export function shortHash(parts: readonly (string | number)[], length = 12): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, length);
}

/**
 * The de-duplication key of an alert: `{deviceId}/{metric}/{type}#{hash}` where `hash` is the
 * first 12 hex digits of SHA-256(`deviceId` NUL `metric` NUL `type`). The readable part is for
 * people; the hash keeps the key unambiguous when an id itself contains `/`. Stable across
 * releases and restarts: `lucid-store` and `lucid-feedback` (suppress adaptations) rely on it.
 *
 * @param deviceId - the reading's device.
 * @param metric - the explained metric (`_` when none is known).
 * @param type - the explanation's anomaly type (e.g. `spike`).
 * @example
 * alertFingerprint('dev-1', 'temperature', 'spike') // 'dev-1/temperature/spike#…12 hex…'
 */
export function alertFingerprint(deviceId: string, metric: string, type: string): string {
  return `${deviceId}/${metric}/${type}#${shortHash([deviceId, metric, type])}`;
}
