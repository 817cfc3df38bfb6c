import { ConfigError } from '../../../src/lib/contracts/errors';
import { MicroBatcher } from '../../../src/lib/model/micro-batcher';

interface Item {
  deviceId: string;
  seq: number;
}

/** A run function that records batch sizes and answers asynchronously, after a random delay. */
function recorder() {
  const batches: number[] = [];
  let calls = 0;
  const run = async (items: Item[]) => {
    batches.push(items.length);
    calls++;
    await new Promise((r) => setTimeout(r, (calls * 7) % 3));
    return items.map((i) => `${i.deviceId}#${i.seq}`);
  };
  return { run, batches };
}

describe('MicroBatcher', () => {
  it('keeps every device in order with concurrent devices submitting interleaved', async () => {
    const { run, batches } = recorder();
    const batcher = new MicroBatcher(run, { maxBatchSize: 7, maxWaitMs: 1 });
    const resolved: string[] = [];
    const all: Promise<string>[] = [];
    const devices = ['a', 'b', 'c', 'd'];
    for (let seq = 0; seq < 40; seq++) {
      for (const deviceId of devices) {
        if ((seq + deviceId.charCodeAt(0)) % 3 === 0) continue; // devices at different rates
        all.push(batcher.submit({ deviceId, seq }).then((r) => (resolved.push(r), r)));
      }
      if (seq % 9 === 0) await new Promise((r) => setTimeout(r, 2)); // let partial batches run
    }
    const results = await Promise.all(all);
    await batcher.close();
    for (const d of devices) {
      const seqs = resolved.filter((r) => r.startsWith(`${d}#`)).map((r) => Number(r.split('#')[1]));
      expect(seqs.length).toBeGreaterThan(20);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    expect(resolved).toEqual(results); // resolution order = submission order
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    expect(batches.some((b) => b > 1)).toBe(true); // it did batch across devices
  });

  it('runs a partial batch after maxWaitMs', async () => {
    const { run, batches } = recorder();
    const batcher = new MicroBatcher(run, { maxBatchSize: 100, maxWaitMs: 5 });
    await expect(batcher.submit({ deviceId: 'a', seq: 1 })).resolves.toBe('a#1');
    expect(batches).toEqual([1]);
    await batcher.close();
  });

  it('submitMany runs at once in batches of at most maxBatchSize, results in order', async () => {
    const { run, batches } = recorder();
    const batcher = new MicroBatcher(run, { maxBatchSize: 4, maxWaitMs: 10_000 });
    const items = Array.from({ length: 10 }, (_, seq) => ({ deviceId: 'x', seq }));
    await expect(batcher.submitMany(items)).resolves.toEqual(items.map((i) => `x#${i.seq}`));
    expect(batches).toEqual([4, 4, 2]);
    await batcher.close();
  });

  it('rejects the items of a failing batch and keeps serving later ones', async () => {
    let fail = true;
    const batcher = new MicroBatcher(
      async (xs: number[]) => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return xs;
      },
      { maxBatchSize: 2, maxWaitMs: 1 },
    );
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow('boom');
    await expect(batcher.submit(3)).resolves.toBe(3);
    await batcher.close();
  });

  it('close() finishes queued work, then refuses new items', async () => {
    const batcher = new MicroBatcher(async (xs: number[]) => xs.map((x) => -x), {
      maxBatchSize: 50,
      maxWaitMs: 60_000,
    });
    const p = batcher.submit(5);
    await batcher.close();
    await expect(p).resolves.toBe(-5);
    await expect(batcher.submit(6)).rejects.toThrow('closed');
    expect(batcher.pending).toBe(0);
  });

  it.each([[{ maxBatchSize: 0 }], [{ maxBatchSize: 1.5 }], [{ maxWaitMs: -1 }], [{ maxWaitMs: Number.NaN }]])(
    'refuses bad options %j',
    (opts) => {
      expect(() => new MicroBatcher(async (x: number[]) => x, opts)).toThrow(ConfigError);
    },
  );
});
