import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Lucid-Signature';
/** Header that repeats the timestamp (unix seconds) for receivers that log it. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Lucid-Timestamp';

/**
 * Signs an outgoing webhook body the way Stripe and Slack do: HMAC-SHA256 (RFC 2104) with the
 * shared secret over `"<t>.<body>"`, where `t` is the send time in unix seconds. The receiver
 * recomputes it over the raw body and rejects timestamps outside its tolerance (replay).
 *
 * @param body - the exact request body that will be sent (serialize once, sign, send the same string).
 * @param secret - shared secret, non-empty.
 * @param nowMs - send time, epoch ms.
 * @returns headers to merge into `msg.headers`.
 * @throws RangeError when the secret is empty.
 * @example
 * const body = JSON.stringify(payload);
 * msg.headers = { 'content-type': 'application/json', ...signWebhook(body, secret, Date.now()) };
 */
export function signWebhook(body: string, secret: string, nowMs: number): Record<string, string> {
  if (!secret) throw new RangeError('signWebhook: secret must be non-empty');
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return { [WEBHOOK_SIGNATURE_HEADER]: `t=${t},v1=${mac}`, [WEBHOOK_TIMESTAMP_HEADER]: String(t) };
}

/**
 * Checks a signature header made by {@link signWebhook}: the MAC (constant-time comparison) and
 * that the timestamp lies within `toleranceMs` of `nowMs` (default 5 min, as Stripe).
 * @returns `{ ok: true }` or `{ ok: false, reason }` with reason `malformed`, `stale` or `mismatch`.
 */
export function verifyWebhook(
  body: string,
  header: string | undefined,
  secret: string,
  nowMs: number,
  toleranceMs = 300_000,
): { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' } {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return { ok: false, reason: 'malformed' };
  const t = Number(match[1]);
  if (Math.abs(nowMs - t * 1000) > toleranceMs) return { ok: false, reason: 'stale' };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest();
  const given = Buffer.from(match[2], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
