import { BoundedCache } from './bounded-cache';

/**
 * Per-key token bucket rate limiter (the classic traffic-shaping token bucket, e.g. RFC 2697's
 * single-rate meter without colours): each key holds up to `burst` tokens, refilled at
 * `ratePerSec`; taking a reading costs one token. O(1) per call; at most `maxKeys` buckets are
 * kept (the least recently used key is forgotten, i.e. starts again with a full bucket).
 * Runs on the injected wall clock, since it bounds arrival rate, not event time.
 */
export class TokenBucketLimiter {
  private readonly buckets: BoundedCache<{ tokens: number; atMs: number }>;

  /**
   * @param ratePerSec - refill rate, tokens per second (> 0).
   * @param burst - capacity, tokens (≥ 1).
   */
  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    maxKeys = 100_000,
  ) {
    this.buckets = new BoundedCache(maxKeys);
  }

  /** Takes one token for `key` at wall time `nowMs`; false when the bucket is empty. */
  tryTake(key: string, nowMs: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    const elapsedMs = Math.max(0, nowMs - b.atMs);
    const tokens = Math.min(this.burst, b.tokens + (elapsedMs * this.ratePerSec) / 1000);
    const ok = tokens >= 1;
    this.buckets.set(key, { tokens: ok ? tokens - 1 : tokens, atMs: nowMs });
    return ok;
  }
}
