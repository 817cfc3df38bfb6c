import { join } from 'node:path';
import { ConfigError } from '../../../src/lib/contracts/errors';
import {
  ReplayRunner,
  type ReplayBatch,
  type ReplayRunnerOptions,
} from '../../../src/lib/replay/replay-runner';
import { NODE_TIMERS } from '../../../src/lib/simulate/simulation-runner';

const FIX = join(__dirname, '..', '..', 'fixtures', 'replay');
const NAB = join(FIX, 'nab_machine_temperature.csv');
const T0 = Date.UTC(2013, 11, 2, 21, 15);

function runner(overrides: Partial<ReplayRunnerOptions> = {}) {
  const batches: ReplayBatch[] = [];
  let resolveEnd!: (s: { rows: number }) => void;
  let rejectEnd!: (e: Error) => void;
  const ended = new Promise<{ rows: number }>((res, rej) => {
    resolveEnd = res;
    rejectEnd = rej;
  });
  const r = new ReplayRunner({
    path: NAB,
    deviceId: 'machine-1',
    speed: 0,
    batchSize: 1,
    onBatch: (b) => batches.push(b),
    onEnd: (s) => resolveEnd(s),
    onError: (e) => rejectEnd(e),
    ...overrides,
  });
  return { r, batches, ended };
}

describe('ReplayRunner', () => {
  it('replays as fast as possible in batches, with file timestamps and progress to 100 %', async () => {
    const { r, batches, ended } = runner({ batchSize: 2, tenant: 'acme' });
    await r.start();
    expect(await ended).toEqual({ rows: 5, path: NAB, deviceId: 'machine-1' });
    expect(batches.map((b) => b.readings.length)).toEqual([2, 2, 1]);
    expect(batches[0].readings[0]).toEqual({
      deviceId: 'machine-1',
      tsMs: T0,
      metrics: { value: 70.5 },
      tenant: 'acme',
    });
    expect(batches[2].rows[0].timestamp).toBe('2013-12-02 21:35:00');
    expect(batches[2].progress).toMatchObject({ rows: 5, percent: 100 });
    expect(r.running).toBe(false);
  });

  it('replays again from the beginning after the end', async () => {
    const first = runner();
    await first.r.start();
    await first.ended;
    const again = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (first.batches.length === 10) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await first.r.start();
    await again;
    expect(first.batches.slice(5).map((b) => b.readings[0])).toEqual(
      first.batches.slice(0, 5).map((b) => b.readings[0]),
    );
  });

  it('timestamps "now" as fast as possible stamp the last row with now', async () => {
    const now = Date.UTC(2024, 5, 1, 12);
    const { r, batches, ended } = runner({ timestamps: 'now', timers: { ...NODE_TIMERS, nowMs: () => now } });
    await r.start();
    await ended;
    const ts = batches.map((b) => b.readings[0].tsMs);
    expect(ts[4]).toBe(now);
    expect(ts[0]).toBe(now - 20 * 60_000);
    expect(batches[0].rows[0].tsMs).toBe(T0); // the row keeps the file's time
  });

  it('paces by the file timestamps at a speed factor and stamps the first row with now', async () => {
    // 5 min between rows at speed 6 000 → 50 ms between rows
    const { r, batches, ended } = runner({ speed: 6_000, timestamps: 'now' });
    const started = Date.now();
    await r.start();
    await ended;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(Math.abs(batches[0].readings[0].tsMs - started)).toBeLessThan(1000);
    expect(batches[1].readings[0].tsMs - batches[0].readings[0].tsMs).toBe(5 * 60_000);
  });

  it('stop() pauses without losing a row and releases its timer; start() resumes', async () => {
    const { r, batches, ended } = runner({ speed: 3_000 }); // 100 ms between rows
    await r.start();
    await new Promise((res) => setTimeout(res, 30));
    r.stop();
    const atStop = batches.length;
    expect(atStop).toBe(1);
    await new Promise((res) => setTimeout(res, 250));
    expect(batches).toHaveLength(atStop);
    await r.start();
    await ended;
    expect(batches.map((b) => b.rows[0].index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects start() for a missing file and reports a malformed row through onError', async () => {
    await expect(runner({ path: join(FIX, 'missing.csv') }).r.start()).rejects.toMatchObject({
      code: 'file_not_found',
    });
    const bad = runner({ path: join(FIX, 'malformed_value.csv') });
    await bad.r.start();
    await expect(bad.ended).rejects.toMatchObject({ code: 'csv_malformed' });
    expect(bad.batches).toHaveLength(2);
    expect(bad.r.running).toBe(false);
  });

  it('dispose() closes a paused replay and restarts from the first row', async () => {
    const { r, batches } = runner({ speed: 3_000 });
    await r.start();
    await new Promise((res) => setTimeout(res, 30));
    await r.dispose();
    await r.start();
    await new Promise((res) => setTimeout(res, 30));
    await r.dispose();
    expect(batches.map((b) => b.rows[0].index)).toEqual([0, 0]);
  });

  it.each([
    [{ speed: -1 }, /speed/],
    [{ batchSize: 0 }, /batchSize/],
    [{ batchSize: 1.5 }, /batchSize/],
    [{ path: '' }, /file/],
    [{ deviceId: '' }, /deviceId/],
  ])('rejects %j', (overrides, message) => {
    expect(() => runner(overrides as Partial<ReplayRunnerOptions>)).toThrow(ConfigError);
    expect(() => runner(overrides as Partial<ReplayRunnerOptions>)).toThrow(message);
  });
});
