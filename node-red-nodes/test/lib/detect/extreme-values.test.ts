/**
 * Readings at the largest magnitude ingest accepts (±MAX_ABS_READING_VALUE) keep every number the
 * detectors produce finite, and their saved state restores whole (issue 15: a value of 1.8e308
 * once overflowed a window sum and cost every device its learned state at the next restart).
 */
import { MAX_ABS_READING_VALUE, type Reading } from '../../../src/lib/contracts';
import { CombinedDetector, type CombinedDetectorSnapshot } from '../../../src/lib/detect/combined-detector';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { MINUTE, T0, gaussian } from './fixtures';

/** Every number anywhere in `value`, with its path, that is not finite. */
function nonFinite(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

describe('readings at the absolute bound', () => {
  const config = resolveDetectConfig({});
  const noise = gaussian(7);
  const reading = (i: number, deviceId: string, extreme: number | undefined): Reading => ({
    deviceId,
    tsMs: T0 + i * MINUTE,
    metrics: {
      temperature: extreme ?? 20 + noise(),
      pressure: 3 + 0.1 * noise(),
    },
  });

  it('score, evidence and snapshot stay finite, and the snapshot restores every series', () => {
    const detector = new CombinedDetector(config);
    const extremes = [MAX_ABS_READING_VALUE, -MAX_ABS_READING_VALUE];
    const problems: string[] = [];
    for (let i = 0; i < 400; i++) {
      // dev-x: normal, then alternating ±1e15 runs, then normal again; dev-ok stays normal.
      const extreme = i >= 200 && i < 260 ? extremes[i % 2] : i >= 260 && i < 280 ? extremes[0] : undefined;
      for (const score of detector.detectBatch([
        reading(i, 'dev-x', extreme),
        reading(i, 'dev-ok', undefined),
      ]))
        problems.push(
          ...nonFinite(score, `reading ${i} ${score.deviceId}`).filter((p) => !/-Infinity$/.test(p)),
        );
    }
    expect(problems).toEqual([]);
    const snapshot = JSON.parse(JSON.stringify(detector.snapshot())) as CombinedDetectorSnapshot;
    const skipped: string[] = [];
    const restored = CombinedDetector.restore(snapshot, config, undefined, (reason) => skipped.push(reason));
    expect(skipped).toEqual([]);
    const next = [reading(400, 'dev-x', undefined), reading(400, 'dev-ok', undefined)];
    expect(restored.detectBatch(next)).toEqual(detector.detectBatch(next));
  });
});
