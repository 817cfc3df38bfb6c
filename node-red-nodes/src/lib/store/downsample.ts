/** A point of a displayed series: `tsMs` on the x axis, `value` on the y axis. */
export interface XY {
  tsMs: number;
  value: number;
}

/**
 * Largest-Triangle-Three-Buckets down-sampling (S. Steinarsson, "Downsampling Time Series for
 * Visual Representation", MSc thesis, University of Iceland, 2013): keeps the first and last
 * points and, from each of `maxPoints - 2` equal buckets, the point forming the largest triangle
 * with the previously kept point and the next bucket's average. It preserves peaks and shape
 * far better than averaging, and returns original points (so their band and flags stay exact).
 *
 * O(n) time. Input must be sorted by `tsMs`.
 * @param points - sorted points; any extra fields travel with the kept points.
 * @param maxPoints - at least 3; inputs no longer than this are returned as they are.
 * @throws RangeError when maxPoints < 3.
 * @example
 * lttb(points, 500) // ≤ 500 points for a 500-px-wide sparkline
 */
export function lttb<T extends XY>(points: readonly T[], maxPoints: number): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 3)
    throw new RangeError(`lttb: maxPoints must be an integer ≥ 3, got ${maxPoints}`);
  const n = points.length;
  if (n <= maxPoints) return points.slice();
  const out: T[] = [points[0]];
  const every = (n - 2) / (maxPoints - 2);
  let a = 0;
  for (let i = 0; i < maxPoints - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += points[j].tsMs;
      avgY += points[j].value;
    }
    const len = Math.max(nextEnd - nextStart, 1);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = points[a].tsMs;
    const ay = points[a].value;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (points[j].value - ay) - (ax - points[j].tsMs) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(points[best]);
    a = best;
  }
  out.push(points[n - 1]);
  return out;
}
