import type { Reading } from '../../../src/lib/contracts';

/** Deterministic PRNG (mulberry32) so every test stream is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a seeded PRNG. */
export function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export const T0 = Date.UTC(2024, 0, 1);
export const MINUTE = 60_000;

/** `n` readings of one metric every `intervalMs`, value = mean + sd × N(0, 1). */
export function noisy(
  n: number,
  opts: {
    deviceId?: string;
    metric?: string;
    mean?: number;
    sd?: number;
    seed?: number;
    intervalMs?: number;
    startMs?: number;
  } = {},
): Reading[] {
  const g = gaussian(opts.seed ?? 1);
  const out: Reading[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      deviceId: opts.deviceId ?? 'dev-1',
      tsMs: (opts.startMs ?? T0) + i * (opts.intervalMs ?? MINUTE),
      metrics: { [opts.metric ?? 'temperature']: (opts.mean ?? 20) + (opts.sd ?? 1) * g() },
    });
  }
  return out;
}
