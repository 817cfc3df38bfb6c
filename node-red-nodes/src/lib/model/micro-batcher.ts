import { ConfigError } from '../contracts/errors';

/** Options of {@link MicroBatcher}. */
export interface MicroBatcherOptions {
  /** Largest batch handed to `run`, ≥ 1. Default 256. */
  maxBatchSize?: number;
  /** Longest time an item waits for companions before a partial batch runs, ms, ≥ 0. Default 10. */
  maxWaitMs?: number;
}

interface Entry<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects items submitted by many callers (e.g. readings of many devices) into batches for one
 * expensive call (one ONNX inference per batch). A batch runs when it reaches `maxBatchSize`, when
 * its oldest item has waited `maxWaitMs`, or on `flush()`. Batches run one at a time, in
 * submission order, and results resolve in submission order: a device's readings are never
 * reordered. The technique is the dynamic batching of inference servers (e.g. NVIDIA Triton's
 * `max_queue_delay_microseconds` + `max_batch_size`).
 * @example
 * const batcher = new MicroBatcher((xs: number[]) => Promise.resolve(xs.map((x) => x * 2)), { maxBatchSize: 64, maxWaitMs: 5 });
 * const y = await batcher.submit(21); // 42
 */
export class MicroBatcher<I, O> {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  private queue: Entry<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private forceFlush = false;
  private closed = false;

  /**
   * @param run processes one batch; must return one result per item, in order
   * @throws ConfigError on a batch size < 1 or a negative/non-finite wait
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    opts: MicroBatcherOptions = {},
  ) {
    this.maxBatchSize = opts.maxBatchSize ?? 256;
    this.maxWaitMs = opts.maxWaitMs ?? 10;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new ConfigError(`maxBatchSize: ${this.maxBatchSize} is not an integer ≥ 1`);
    }
    if (!Number.isFinite(this.maxWaitMs) || this.maxWaitMs < 0) {
      throw new ConfigError(`maxWaitMs: ${this.maxWaitMs} is not a number of milliseconds ≥ 0`);
    }
  }

  /** Items waiting for a batch. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues one item; resolves with its result (rejects with the batch's error). */
  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('MicroBatcher is closed'));
    const p = new Promise<O>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.schedule();
    return p;
  }

  /** Queues items in order and runs them without waiting for `maxWaitMs`. */
  submitMany(items: I[]): Promise<O[]> {
    if (this.closed) return Promise.reject(new Error('MicroBatcher is closed'));
    const all = items.map(
      (item) => new Promise<O>((resolve, reject) => this.queue.push({ item, resolve, reject })),
    );
    this.flush();
    return Promise.all(all);
  }

  /** Runs everything queued now, in batches of at most `maxBatchSize`. */
  flush(): void {
    if (this.queue.length === 0) return;
    this.forceFlush = true;
    this.clearTimer();
    this.startDrain();
  }

  /** Runs what is queued, then refuses new items. Resolves once the last batch has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    while (this.draining) await this.draining;
    this.clearTimer();
  }

  private schedule(): void {
    if (this.queue.length >= this.maxBatchSize || this.forceFlush) {
      this.clearTimer();
      this.startDrain();
    } else if (!this.timer && this.queue.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.forceFlush = true;
        this.startDrain();
      }, this.maxWaitMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startDrain(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && (this.forceFlush || this.queue.length >= this.maxBatchSize)) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      try {
        const out = await this.run(batch.map((e) => e.item));
        if (out.length !== batch.length)
          throw new Error(`batch of ${batch.length} returned ${out.length} results`);
        batch.forEach((e, i) => e.resolve(out[i] as O));
      } catch (err) {
        batch.forEach((e) => e.reject(err));
      }
    }
    if (this.queue.length === 0) this.forceFlush = false;
  }
}
