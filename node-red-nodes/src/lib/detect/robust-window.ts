/**
 * A fixed-capacity window of the most recent readings of one series (value + event time) with
 * order statistics: median, MAD, quantiles and a time lookup.
 *
 * Layout: a ring buffer of values, a ring buffer of timestamps and a sorted copy of the values,
 * all `Float64Array`s of `capacity` (24 × capacity bytes; 1.5 KB at the default 64).
 *
 * Complexity per {@link push}: O(log w) comparisons (binary search) plus one contiguous
 * `copyWithin` of at most w doubles (a memmove of ≤ 4 KB at the maximum w = 512) to keep the sorted
 * copy sorted. Median and quantiles are O(1); the MAD is O(log w) by selecting the middle element
 * of two sorted distance sequences (below and above the median) without materialising them.
 */
export class RobustWindow {
  readonly capacity: number;
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private readonly sorted: Float64Array;
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  /** Number of readings held (≤ capacity). */
  get count(): number {
    return this.size;
  }

  /** An independent copy (its arrays copied): O(capacity), no re-sorting. */
  clone(): RobustWindow {
    const c = new RobustWindow(this.capacity);
    c.values.set(this.values);
    c.times.set(this.times);
    c.sorted.set(this.sorted);
    c.head = this.head;
    c.size = this.size;
    return c;
  }

  /** Appends a reading, evicting the oldest when full. */
  push(value: number, tsMs: number): void {
    if (this.size === this.capacity) {
      const old = this.values[this.head];
      this.removeSorted(old);
      this.values[this.head] = value;
      this.times[this.head] = tsMs;
      this.head = (this.head + 1) % this.capacity;
    } else {
      const slot = (this.head + this.size) % this.capacity;
      this.values[slot] = value;
      this.times[slot] = tsMs;
      this.size++;
    }
    this.insertSorted(value);
  }

  /** Value of the i-th reading, 0 = oldest. */
  valueAt(i: number): number {
    return this.values[(this.head + i) % this.capacity];
  }

  /** Event time of the i-th reading, 0 = oldest. */
  tsAt(i: number): number {
    return this.times[(this.head + i) % this.capacity];
  }

  /** Index of the oldest reading with `tsMs ≥ fromTsMs`, or `count` when none (O(log w)). */
  firstAtOrAfter(fromTsMs: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tsAt(mid) < fromTsMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Median of the window (NaN when empty). */
  median(): number {
    const n = this.size;
    if (n === 0) return NaN;
    const mid = n >>> 1;
    return n % 2 === 1 ? this.sorted[mid] : (this.sorted[mid - 1] + this.sorted[mid]) / 2;
  }

  /** Quantile by linear interpolation between order statistics (q in [0, 1]; NaN when empty). */
  quantile(q: number): number {
    const n = this.size;
    if (n === 0) return NaN;
    const pos = q * (n - 1);
    const i = Math.floor(pos);
    const frac = pos - i;
    return i + 1 < n ? this.sorted[i] + frac * (this.sorted[i + 1] - this.sorted[i]) : this.sorted[i];
  }

  /**
   * Median absolute deviation from the median (unscaled; multiply by 1.4826 for a consistent
   * estimate of the normal σ, Rousseeuw & Croux 1993). NaN when empty.
   */
  mad(): number {
    const n = this.size;
    if (n === 0) return NaN;
    const m = this.median();
    // Split: a = sorted[0..split-1] (≤ m), b = sorted[split..n-1] (> m).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] <= m) lo = mid + 1;
      else hi = mid;
    }
    const split = lo;
    const lenA = split;
    const lenB = n - split;
    // Distances in increasing order: A_i = m − sorted[split − 1 − i], B_j = sorted[split + j] − m.
    const mid = n >>> 1;
    return n % 2 === 1
      ? this.kthDistance(mid, m, split, lenA, lenB)
      : (this.kthDistance(mid - 1, m, split, lenA, lenB) + this.kthDistance(mid, m, split, lenA, lenB)) / 2;
  }

  /** k-th smallest (0-based) of the union of the two sorted distance sequences of {@link mad}, O(log n). */
  private kthDistance(k: number, m: number, split: number, lenA: number, lenB: number): number {
    const sorted = this.sorted;
    let low = Math.max(0, k + 1 - lenB);
    let high = Math.min(k + 1, lenA);
    while (low < high) {
      const i = (low + high) >>> 1; // take i from A, k + 1 − i from B
      const j = k + 1 - i;
      if (j > 0 && i < lenA && sorted[split + j - 1] - m > m - sorted[split - 1 - i]) low = i + 1;
      else high = i;
    }
    const i = low;
    const j = k + 1 - i;
    const lastA = i > 0 ? m - sorted[split - i] : -Infinity;
    const lastB = j > 0 ? sorted[split + j - 1] - m : -Infinity;
    return Math.max(lastA, lastB);
  }

  /** Values and times, oldest first (for snapshots). */
  toArrays(): { values: number[]; times: number[] } {
    const values: number[] = new Array(this.size);
    const times: number[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) {
      values[i] = this.valueAt(i);
      times[i] = this.tsAt(i);
    }
    return { values, times };
  }

  /** Rebuilds a window from {@link toArrays} output; keeps the newest `capacity` readings. */
  static fromArrays(capacity: number, values: readonly number[], times: readonly number[]): RobustWindow {
    const window = new RobustWindow(capacity);
    const start = Math.max(0, values.length - capacity);
    for (let i = start; i < values.length; i++) window.push(values[i], times[i]);
    return window;
  }

  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSorted(value: number): void {
    // Called after size already counts the new value (or the evicted one was removed).
    const filled = this.size - 1;
    let lo = 0;
    let hi = filled;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.copyWithin(lo + 1, lo, filled);
    this.sorted[lo] = value;
  }

  private removeSorted(value: number): void {
    const i = this.lowerBound(value);
    this.sorted.copyWithin(i, i + 1, this.size);
    // size stays; the freed last slot is overwritten by insertSorted, which sees size − 1 filled.
  }
}
