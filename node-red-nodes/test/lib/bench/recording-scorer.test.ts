import type { AnomalyScore, Reading } from '../../../src/lib/contracts/types';
import {
  ingestMetricName,
  scoreRecording,
  type RecordedRow,
  type ReadingScorer,
} from '../../../src/lib/bench/recording-scorer';

const rows = (n: number): RecordedRow[] =>
  Array.from({ length: n }, (_, i) => ({
    index: i,
    line: i + 2,
    tsMs: 1_600_000_000_000 + i * 1000,
    timestamp: String(i),
    metrics: { 'Flow/Rate': 10 + (i % 3) },
  }));

/** A scorer that records what it saw and scores each reading by its index. */
function recordingScorer(withFit: boolean) {
  const seen: Reading[] = [];
  const fitted: Reading[][] = [];
  const scorer: ReadingScorer = {
    scoreBatch: (readings) =>
      readings.map((r): AnomalyScore => {
        seen.push(r);
        return {
          deviceId: r.deviceId,
          tsMs: r.tsMs,
          score: seen.length / 1000,
          isAnomaly: false,
          detector: 'test',
          contributions: { Flow_Rate: 1 },
          evidence: {},
        };
      }),
    ...(withFit ? { fit: (readings: Reading[]) => void fitted.push(readings) } : {}),
  };
  return { scorer, seen, fitted };
}

async function collect(it: AsyncIterable<{ row: RecordedRow }[]>) {
  const batches: number[] = [];
  const out: RecordedRow[] = [];
  for await (const b of it) {
    batches.push(b.length);
    out.push(...b.map((s) => s.row));
  }
  return { batches, out };
}

describe('scoreRecording', () => {
  it.each([
    [10, 4, 0, [4, 4, 2]],
    [10, 4, 6, [4, 4, 2]],
    [3, 4, 6, [3]],
    [0, 4, 0, []],
  ])(
    '%p rows, batch %p, fit %p: every row once, in order, batches %p',
    async (n, batchSize, fitRows, expected) => {
      const { scorer, seen, fitted } = recordingScorer(true);
      const { batches, out } = await collect(scoreRecording(rows(n), { scorer, batchSize, fitRows }));
      expect(out.map((r) => r.index)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(seen).toHaveLength(n);
      expect(batches).toEqual(expected);
      if (fitRows > 0 && n > 0) expect(fitted[0]).toHaveLength(Math.min(n, fitRows));
      else expect(fitted).toHaveLength(0);
    },
  );

  it('renames columns to ingest-safe metric names and keeps the reading faithful', async () => {
    const { scorer, seen } = recordingScorer(false);
    for await (const batch of scoreRecording(rows(2), { scorer, deviceId: 'pump-1' })) {
      expect(batch[0].detection.reading).toEqual({
        deviceId: 'pump-1',
        tsMs: 1_600_000_000_000,
        metrics: { Flow_Rate: 10 },
      });
    }
    expect(seen).toHaveLength(2);
  });

  it('runs the real streaming detector by default', async () => {
    const { out } = await collect(scoreRecording(rows(50), { detect: { warmupReadings: 10 } }));
    expect(out).toHaveLength(50);
  });

  it('names the line of a row ingest refuses', async () => {
    const bad = rows(5);
    bad[3] = { ...bad[3], metrics: { 'Flow/Rate': NaN } };
    await expect(collect(scoreRecording(bad, { batchSize: 2 }))).rejects.toThrow(/^line 5: /);
  });

  it('writes a row without any metric unscored (score 0) and keeps scoring the others in order', async () => {
    const some = rows(5);
    some[3] = { ...some[3], metrics: {} };
    const scored: { line: number; score: number; detector: string }[] = [];
    for await (const batch of scoreRecording(some, { batchSize: 2 }))
      for (const { row, detection } of batch)
        scored.push({ line: row.line!, score: detection.score.score, detector: detection.score.detector });
    expect(scored.map((s) => s.line)).toEqual(some.map((r) => r.line));
    expect(scored[3]).toEqual({ line: some[3].line, score: 0, detector: 'none' });
    expect(scored.filter((s) => s.detector === 'none')).toHaveLength(1);
  });

  it('refuses two columns that map to the same metric name', async () => {
    const clash = rows(2).map((r) => ({ ...r, metrics: { 'a/b': 1, a_b: 2 } }));
    await expect(collect(scoreRecording(clash))).rejects.toThrow(/"a\/b" and "a_b" both map/);
  });
});

describe('ingestMetricName', () => {
  it.each([
    ['value', 'value'],
    ['Volume Flow RateRMS', 'Volume Flow RateRMS'],
    ['trailing ', 'trailing_'],
    ['d1', 'd1'],
    ['1st', '_1st'],
    ['temp (°C)', 'temp __C_'],
    ['x'.repeat(80), 'x'.repeat(64)],
  ])('%p → %p', (column, name) => expect(ingestMetricName(column)).toBe(name));
});
