import type { DeviceStatus } from '../contracts/types';

/** Longest status payload accepted, bytes. */
export const MAX_STATUS_BYTES = 1024;
/** Longest {@link DeviceStatus.reason}, characters. */
const MAX_REASON_LENGTH = 64;

/**
 * Reads a {@link DeviceStatus} from an MQTT payload: the plain text `online` or `offline` (any
 * case, surrounding blanks ignored), or JSON `{"state": "online"|"offline", "reason"?: string}`
 * (a reason of at most 64 characters; other fields are ignored).
 * @param payload - a Buffer, string, or already-parsed value.
 * @returns the status, or a sentence saying what is wrong with the payload.
 * @example parseDeviceStatus('{"state":"offline","reason":"planned"}') // {state: 'offline', reason: 'planned'}
 */
export function parseDeviceStatus(payload: unknown): DeviceStatus | string {
  let value = payload;
  if (typeof payload === 'string' || payload instanceof Uint8Array) {
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
    if (bytes > MAX_STATUS_BYTES)
      return `the status payload is ${bytes} bytes; a status is at most ${MAX_STATUS_BYTES} bytes`;
    const text = (
      typeof payload === 'string'
        ? payload
        : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')
    ).trim();
    const plain = text.toLowerCase();
    if (plain === 'online' || plain === 'offline') return { state: plain };
    try {
      value = JSON.parse(text);
    } catch {
      return `the status payload ${JSON.stringify(text.slice(0, 40))} is neither "online", "offline" nor JSON {"state": "online"|"offline", "reason": "…"}`;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `the status is ${JSON.stringify(value)?.slice(0, 40)}; expected {"state": "online"|"offline", "reason": "…"}`;
  const { state, reason } = value as Record<string, unknown>;
  if (state !== 'online' && state !== 'offline')
    return `status.state is ${JSON.stringify(state)?.slice(0, 40)}; expected "online" or "offline"`;
  if (reason === undefined) return { state };
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON_LENGTH)
    return `status.reason is ${JSON.stringify(reason)?.slice(0, 80)}; expected a string of 1 to ${MAX_REASON_LENGTH} characters`;
  return { state, reason };
}
