import { ConfigError } from '../contracts/errors';
import type { Reading } from '../contracts/types';
import { NODE_TIMERS, type RunnerTimers } from '../simulate/simulation-runner';
import { Recording, type RecordedRow, type RecordingOptions } from './recording';

/** How far a replay has got. */
export interface ReplayProgress {
  rows: number;
  bytesRead: number;
  sizeBytes: number;
  /** 0..100, from bytes consumed (approximate while reading ahead; 100 at the end). */
  percent: number;
}

/** One emitted group of readings, with the file rows they came from (same order). */
export interface ReplayBatch {
  readings: Reading[];
  rows: RecordedRow[];
  progress: ReplayProgress;
}

/** Settings of a {@link ReplayRunner}. */
export interface ReplayRunnerOptions {
  path: string;
  recording?: RecordingOptions;
  /** Device id of every reading. */
  deviceId: string;
  tenant?: string;
  /**
   * File ms per wall-clock ms, relative to the file's own timestamps (1 = as recorded,
   * 60 = a minute per second); 0 = as fast as possible (chunks separated by `setImmediate`).
   */
  speed: number;
  /** Readings per emitted batch, 1..10 000. */
  batchSize: number;
  /**
   * `file`: readings keep the file's timestamps. `now`: timestamps are shifted so the replay is
   * wall-clock-plausible: at a speed > 0 the first row is stamped with the start time; as fast
   * as possible the last row is stamped now (a quick first pass finds it), so nothing is in the
   * future. Default `file`.
   */
  timestamps?: 'file' | 'now';
  /** Rows per event-loop turn as fast as possible. Default 500. */
  chunkRows?: number;
  onBatch: (batch: ReplayBatch) => void;
  /** Called once after the last row; `rows` = rows replayed in this run. */
  onEnd?: (summary: { rows: number; path: string; deviceId: string }) => void;
  /** A malformed row or a read error mid-replay (the replay stops). */
  onError?: (err: Error) => void;
  timers?: RunnerTimers;
}

/**
 * Replays a recorded file as readings, paced by its own timestamps at a speed factor or as fast
 * as possible, in batches, with progress. `stop()` pauses and releases the timer; `start()`
 * resumes; after the end `start()` replays from the beginning; `dispose()` closes the file.
 *
 * @example
 * const runner = new ReplayRunner({ path: 'machine_temperature_system_failure.csv', deviceId: 'machine-1',
 *   speed: 0, batchSize: 100, onBatch: (b) => send(b.readings) });
 * await runner.start();
 */
export class ReplayRunner {
  private readonly timers: RunnerTimers;
  private readonly chunkRows: number;
  private recording: Recording | undefined;
  private iterator: AsyncIterator<RecordedRow> | undefined;
  private pending: RecordedRow | undefined;
  private offsetMs = 0;
  private rowsDone = 0;
  private active = false;
  private generation = 0;
  private loopDone: Promise<void> = Promise.resolve();
  private timer: unknown;
  private wake: (() => void) | undefined;

  /** @throws ConfigError for a speed < 0, a batch size outside 1..10 000 or an empty path. */
  constructor(private readonly options: ReplayRunnerOptions) {
    if (!options.path || typeof options.path !== 'string')
      throw new ConfigError('file: a path to a CSV file is required');
    if (!Number.isFinite(options.speed) || options.speed < 0) {
      throw new ConfigError(`speed: expected a number ≥ 0 (0 = as fast as possible), got ${options.speed}`);
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000) {
      throw new ConfigError(`batchSize: expected an integer in 1..10000, got ${options.batchSize}`);
    }
    if (!options.deviceId) throw new ConfigError('deviceId: expected a non-empty device id');
    this.chunkRows = options.chunkRows ?? 500;
    this.timers = options.timers ?? NODE_TIMERS;
  }

  /** Whether rows are being emitted. */
  get running(): boolean {
    return this.active;
  }

  /** Current progress of this run. */
  get progress(): ReplayProgress {
    const bytesRead = this.recording?.bytesRead ?? 0;
    const sizeBytes = this.recording?.sizeBytes ?? 0;
    return {
      rows: this.rowsDone,
      bytesRead,
      sizeBytes,
      percent: sizeBytes > 0 ? Math.min(100, (100 * bytesRead) / sizeBytes) : 0,
    };
  }

  /**
   * Starts (opening the file on the first run) or resumes. Resolves once the file is open and
   * streaming has begun; no effect while running.
   * @throws InputError `file_not_found`, `csv_empty`, … when the file cannot be opened; ConfigError for bad recording options.
   */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    const generation = ++this.generation;
    try {
      await this.loopDone;
      if (!this.iterator) await this.openRun();
    } catch (err) {
      this.active = false;
      throw err;
    }
    if (generation !== this.generation || !this.active) return;
    this.loopDone = this.loop(generation);
  }

  /** Pauses (the position is kept) and releases the pending timer. */
  stop(): void {
    this.active = false;
    this.generation++;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    this.wake = undefined;
  }

  /** Stops and closes the file; the next `start()` replays from the beginning. */
  async dispose(): Promise<void> {
    this.stop();
    await this.loopDone;
    await this.closeRun();
  }

  private async openRun(): Promise<void> {
    this.recording = await Recording.open(this.options.path, this.options.recording);
    this.rowsDone = 0;
    this.pending = undefined;
    this.offsetMs = 0;
    if (this.options.timestamps === 'now' && this.options.speed === 0) {
      let lastTsMs: number | undefined;
      for await (const row of this.recording.rows()) lastTsMs = row.tsMs;
      if (lastTsMs !== undefined) this.offsetMs = this.timers.nowMs() - lastTsMs;
    }
    this.iterator = this.recording.rows()[Symbol.asyncIterator]();
  }

  private async closeRun(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.pending = undefined;
    await iterator?.return?.();
  }

  private async loop(generation: number): Promise<void> {
    const speed = this.options.speed;
    let anchor: { wallMs: number; tsMs: number } | undefined;
    let batch: RecordedRow[] = [];
    let sinceYield = 0;
    const stale = () => generation !== this.generation || !this.active;
    try {
      for (;;) {
        let row = this.pending;
        this.pending = undefined;
        if (!row) {
          const next = await this.iterator!.next();
          if (next.done) break;
          row = next.value;
        }
        if (stale()) {
          this.pending = row;
          break;
        }
        if (this.rowsDone === 0 && batch.length === 0 && this.options.timestamps === 'now' && speed > 0) {
          this.offsetMs = this.timers.nowMs() - row.tsMs;
        }
        if (speed > 0) {
          anchor ??= { wallMs: this.timers.nowMs(), tsMs: row.tsMs };
          const waitMs = anchor.wallMs + (row.tsMs - anchor.tsMs) / speed - this.timers.nowMs();
          if (waitMs > 0 && batch.length > 0 && batch.length < this.options.batchSize) {
            // Emit what is due before waiting, so a slow file is not held back by batching.
            this.emit(batch);
            batch = [];
          }
          if (waitMs > 0) await this.sleep(waitMs);
          if (stale()) {
            this.pending = row;
            break;
          }
        }
        batch.push(row);
        if (batch.length >= this.options.batchSize) {
          this.emit(batch);
          batch = [];
        }
        if (speed === 0 && ++sinceYield >= this.chunkRows) {
          sinceYield = 0;
          await new Promise<void>((resolve) => this.timers.setImmediate(resolve));
          if (stale()) break;
        }
      }
      if (batch.length > 0) this.emit(batch);
      if (stale()) return;
      const rows = this.rowsDone;
      await this.closeRun();
      this.active = false;
      this.options.onEnd?.({ rows, path: this.options.path, deviceId: this.options.deviceId });
    } catch (err) {
      this.active = false;
      await this.closeRun().catch(() => undefined);
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private emit(rows: RecordedRow[]): void {
    this.rowsDone += rows.length;
    const readings = rows.map((row) => {
      const reading: Reading = {
        deviceId: this.options.deviceId,
        tsMs: row.tsMs + this.offsetMs,
        metrics: { ...row.metrics },
      };
      if (this.options.tenant) reading.tenant = this.options.tenant;
      return reading;
    });
    this.options.onBatch({ readings, rows, progress: this.progress });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }
}
