import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Canonical JSON of a value, as RFC 8785 (JSON Canonicalization Scheme) defines it for the
 * values JSON carries: object keys sorted by UTF-16 code units at every level, no whitespace,
 * strings and numbers serialised as ECMAScript's `JSON.stringify` does (e.g. `21.50` → `21.5`,
 * `1e3` → `1000`); `undefined` members are left out.
 *
 * @example canonicalJson({b: 1, a: {d: 2.50, c: 'x'}}) // '{"a":{"c":"x","d":2.5},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** The signed bytes of a payload object: {@link canonicalJson} of it without its `sig` member. */
export function signedText(payload: Record<string, unknown>): string {
  const unsigned = { ...payload };
  delete unsigned.sig;
  return canonicalJson(unsigned);
}

/**
 * HMAC-SHA256 (RFC 2104, FIPS 198-1) of a payload object's signed text ({@link signedText}),
 * keyed with the UTF-8 bytes of `key`, as 64 lowercase hex digits: what a device puts in `sig`.
 *
 * @example signPayload({deviceId: 'd1', ts: 1714564800, nonce: 'a1b2c3d4', metrics: {t: 21.5}}, 'key-of-at-least-16-chars')
 */
export function signPayload(payload: Record<string, unknown>, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(signedText(payload), 'utf8').digest('hex');
}

/**
 * Whether `payload.sig` is the HMAC-SHA256 of the payload under `key`. Compares in constant time
 * (`crypto.timingSafeEqual`); a `sig` that is not 64 hex digits is simply invalid.
 */
export function verifyPayloadSignature(payload: Record<string, unknown>, key: string): boolean {
  const sig = payload.sig;
  if (typeof sig !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sig)) return false;
  const expected = Buffer.from(signPayload(payload, key), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
}
