import { InputError } from '../contracts/errors';
import type { Silence } from '../contracts/types';
import { shortHash } from './fingerprint';

/** What a silence is matched against: an alert's identifying fields. */
export interface SilenceTarget {
  deviceId: string;
  site?: string;
  zone?: string;
  metric?: string;
  type?: string;
  fingerprint: string;
}

/** The matcher fields of a {@link Silence}; a silence needs at least one. */
export const SILENCE_MATCHERS = ['deviceId', 'site', 'zone', 'metric', 'type', 'fingerprint'] as const;

/** A silence as a message may carry it: `untilMs` (epoch ms) or `durationMs` (from `refMs`); `id` optional. */
export type SilenceInput = Partial<Silence> & { durationMs?: number };

/**
 * Validates a silence request and completes it.
 *
 * @param input - `{id?, deviceId?, site?, zone?, metric?, type?, fingerprint?, untilMs | durationMs, reason?, createdBy?}`.
 * @param refMs - the time `durationMs` counts from (the router's event time), epoch ms.
 * @returns the silence; a missing `id` becomes `sil-` + 12 hex digits of SHA-256 of its matchers and `untilMs`.
 * @throws InputError `invalid_silence` when it is not an object, has no matcher, a matcher is
 *   not a non-empty string, or neither a finite `untilMs` nor a `durationMs` > 0 is given.
 */
export function parseSilence(input: unknown, refMs: number): Silence {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new InputError('invalid_silence', `silence: expected an object, got ${JSON.stringify(input)}`);
  }
  const s = input as Record<string, unknown>;
  const out: Partial<Silence> = {};
  for (const key of SILENCE_MATCHERS) {
    const v = s[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '') {
      throw new InputError(
        'invalid_silence',
        `silence.${key}: expected a non-empty string, got ${JSON.stringify(v)}`,
      );
    }
    out[key] = v;
  }
  if (!SILENCE_MATCHERS.some((k) => out[k] !== undefined)) {
    throw new InputError(
      'invalid_silence',
      `silence: expected at least one matcher (${SILENCE_MATCHERS.join(', ')}), got none`,
    );
  }
  let untilMs: number;
  if (typeof s.untilMs === 'number' && Number.isFinite(s.untilMs)) {
    untilMs = s.untilMs;
  } else if (typeof s.durationMs === 'number' && Number.isFinite(s.durationMs) && s.durationMs > 0) {
    untilMs = refMs + s.durationMs;
  } else {
    throw new InputError(
      'invalid_silence',
      `silence: expected untilMs (epoch ms) or durationMs (> 0 ms), got untilMs ${JSON.stringify(s.untilMs)}, durationMs ${JSON.stringify(s.durationMs)}`,
    );
  }
  for (const key of ['reason', 'createdBy', 'id'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'string') {
      throw new InputError(
        'invalid_silence',
        `silence.${key}: expected a string, got ${JSON.stringify(s[key])}`,
      );
    }
  }
  const id = (s.id as string | undefined) || `sil-${shortHash([JSON.stringify(out), untilMs])}`;
  return {
    id,
    ...out,
    untilMs,
    ...(s.reason !== undefined ? { reason: s.reason as string } : {}),
    ...(s.createdBy !== undefined ? { createdBy: s.createdBy as string } : {}),
  };
}

/** Whether every matcher the silence sets equals the target's field (unset matchers match anything). */
export function silenceMatches(silence: Partial<Silence>, target: SilenceTarget): boolean {
  return SILENCE_MATCHERS.every((k) => silence[k] === undefined || silence[k] === target[k]);
}
