import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/**
 * Mixes a seed with a salt into a new 32-bit seed (the integer finaliser of MurmurHash3,
 * `fmix32`), so that each device and each incident draws from its own independent stream and
 * adding a device does not change the others' data.
 */
export function mixSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A 32-bit hash of a string (FNV-1a), used to derive seeds from ids. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * A small deterministic random source: the xoroshiro128+ generator of `pure-rand`
 * (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018), with uniform
 * and Gaussian draws. The same seed always gives the same sequence. Not for cryptography.
 *
 * @example
 * const rng = new SeededRandom(42);
 * rng.uniform();      // in [0, 1)
 * rng.normal(0, 0.5); // Gaussian, mean 0, standard deviation 0.5
 */
export class SeededRandom {
  private readonly generator: RandomGenerator;

  /** @param seed - any finite number; it is truncated to a 32-bit integer. */
  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return (this.generator.unsafeNext() >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.uniform() * (max - min + 1));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }

  /**
   * Gaussian draw by the Box–Muller transform (Box & Muller, 1958). Always consumes exactly
   * two uniforms, so sequences stay aligned across runs.
   */
  normal(mean = 0, stdDev = 1): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return mean + stdDev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
