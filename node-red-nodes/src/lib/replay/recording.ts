import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { ConfigError, InputError } from '../contracts/errors';
import { MAX_ABS_READING_VALUE } from '../contracts/types';
import { looksLikeDateTime, parseRecordedTimestamp } from './recorded-timestamp';
import {
  detectFormat,
  fileError,
  isGzipFile,
  RECORDING_FORMATS,
  readFirstLine,
  type RecordingFormat,
} from './recording-format';

/** One row of a recorded file. */
export interface RecordedRow {
  /** 0-based data row index (header excluded). */
  index: number;
  /** 1-based line number in the (decompressed) file. */
  line: number;
  /** Event time, epoch ms (SMD: `smdStartMs + index × smdStepMs`). */
  tsMs: number;
  /** The timestamp cell as written in the file (SMD: the row index as text). */
  timestamp: string;
  /** Metric (column) name → value. Empty cells are omitted. Never contains label columns. */
  metrics: Record<string, number>;
  /** Label columns (SKAB `anomaly`, `changepoint`; generic: see `labelColumns`), for scorers only. */
  labels?: Record<string, number>;
}

/** How to read a recorded file; every field optional. */
export interface RecordingOptions {
  /** Force a format; default `auto` ({@link detectFormat}). */
  format?: 'auto' | RecordingFormat;
  /** Generic CSV: the timestamp column's name; default: a column named timestamp / datetime / time / date / ts (any case), else the first column whose first value is a date-time. */
  timestampColumn?: string;
  /** Generic CSV: columns that are labels, not metrics. Default {@link DEFAULT_LABEL_COLUMNS}. SKAB always uses `anomaly`, `changepoint`. */
  labelColumns?: string[];
  /** Generic CSV: the delimiter; default: whichever of `,` `;` tab occurs most in the header. */
  delimiter?: string;
  /** SMD: epoch ms of row 0. Default {@link SMD_START_MS} (2020-01-01T00:00:00Z). */
  smdStartMs?: number;
  /** SMD: ms between rows. Default 60 000 (SMD samples once a minute). */
  smdStepMs?: number;
  /**
   * A metric cell that is not a finite number (`NaN`, `±Infinity`, `1e400`, text): `reject`
   * (default) throws `csv_malformed` naming the line; `skip` omits the cell from the row, as an
   * empty cell, and counts it in {@link Recording.skippedCells}. `skip` also omits values beyond
   * ±{@link MAX_ABS_READING_VALUE}, which ingest would refuse (with `reject` ingest refuses them).
   */
  nonFiniteCells?: 'reject' | 'skip';
}

/** The columns a recording resolved, known once the first data row has been read. */
export interface RecordingColumns {
  timestamp?: string;
  metrics: string[];
  labels: string[];
  /** Generic CSV columns that were neither timestamp, label nor numeric (not replayed). */
  ignored: string[];
}

/** Fixed epoch of SMD row 0 (SMD has no timestamps). */
export const SMD_START_MS = Date.UTC(2020, 0, 1);
/** Generic-CSV column names treated as labels (case-insensitive). */
export const DEFAULT_LABEL_COLUMNS: readonly string[] = [
  'anomaly',
  'changepoint',
  'label',
  'is_anomaly',
  'anomaly_label',
];
const SKAB_LABEL_COLUMNS = ['anomaly', 'changepoint'];
const TIMESTAMP_NAMES = ['timestamp', 'datetime', 'date_time', 'time', 'date', 'ts', 'time_stamp'];
const NUMBER_CELL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity)$/;

/**
 * A recorded CSV file read as a stream of {@link RecordedRow}s: NAB (`timestamp,value`), SKAB
 * (`;`, `datetime` + sensors + labels `anomaly`, `changepoint`), SMD (no header, `d1..dN`, one row
 * per minute) or a generic CSV (a timestamp column + numeric columns). Gzip files are
 * decompressed transparently. Memory stays bounded: the file is parsed with `csv-parse` as a
 * stream, never loaded whole.
 *
 * Labels are never in `metrics`, so a detector fed `row.metrics` cannot see them.
 *
 * @example
 * const rec = await Recording.open('SKAB/data/valve1/1.csv');
 * for await (const row of rec.rows()) console.log(row.tsMs, row.metrics.Temperature, row.labels?.anomaly);
 */
export class Recording {
  private bytes = 0;
  private decoder: RowDecoder | undefined;
  private resolved: RecordingColumns | undefined;

  private constructor(
    readonly path: string,
    readonly format: RecordingFormat,
    /** File size on disk, bytes (compressed size for gzip). */
    readonly sizeBytes: number,
    private readonly gzip: boolean,
    private readonly delimiter: string,
    private readonly options: RecordingOptions,
  ) {}

  /**
   * Opens a recorded file and resolves its format (reads only the first line).
   * @throws InputError `file_not_found`, `file_unreadable`, `csv_empty`; ConfigError for a bad option.
   */
  static async open(path: string, options: RecordingOptions = {}): Promise<Recording> {
    const requested = options.format ?? 'auto';
    if (requested !== 'auto' && !RECORDING_FORMATS.includes(requested)) {
      throw new ConfigError(`format: expected auto, ${RECORDING_FORMATS.join(', ')}, got "${requested}"`);
    }
    const step = options.smdStepMs ?? 60_000;
    if (!Number.isFinite(step) || step <= 0)
      throw new ConfigError(`smdStepMs: expected a positive number of ms, got ${step}`);
    let size: number;
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
      size = info.size;
    } catch (err) {
      throw fileError(path, err);
    }
    const gzip = await isGzipFile(path).catch((err) => {
      throw fileError(path, err);
    });
    const first = size === 0 ? '' : await readFirstLine(path);
    if (first.replace(/^\uFEFF/, '').trim() === '') {
      throw new InputError('csv_empty', `${path}: the file is empty (no header or data on line 1)`);
    }
    const format = requested === 'auto' ? await detectFormat(path) : requested;
    let delimiter = ',';
    if (format === 'skab') delimiter = ';';
    else if (format === 'csv') delimiter = options.delimiter ?? guessDelimiter(first);
    return new Recording(path, format, size, gzip, delimiter, options);
  }

  /** Bytes of the file consumed so far (compressed bytes for gzip): progress = bytesRead / sizeBytes, approximate (read-ahead ≤ 64 KB). */
  get bytesRead(): number {
    return this.bytes;
  }

  /** The resolved columns; undefined until the first data row has been read. */
  get columns(): RecordingColumns | undefined {
    return this.resolved;
  }

  /**
   * The rows, in file order. Each call reads the file again from the start.
   * @throws InputError `csv_malformed` with `file:line` for a row with the wrong number of
   *   cells, a non-numeric metric cell or an unparseable timestamp; `csv_no_timestamp` for a
   *   generic CSV without a timestamp column; `csv_empty` for a file without a header.
   */
  /** Metric cells of the last {@link rows} pass left out because they were not finite numbers (`nonFiniteCells: 'skip'`). */
  get skippedCells(): number {
    return this.decoder?.skippedCells ?? 0;
  }

  async *rows(): AsyncGenerator<RecordedRow> {
    this.bytes = 0;
    const raw = createReadStream(this.path);
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const parser = parse({
      delimiter: this.delimiter,
      info: true,
      bom: true,
      skip_empty_lines: true,
      trim: true,
    });
    const streams: (Readable | Transform)[] = this.gzip
      ? [raw, counter, createGunzip(), parser]
      : [raw, counter, parser];
    (pipeline as (...args: unknown[]) => unknown)(...streams, () => undefined);
    const decoder = new RowDecoder(this.path, this.format, this.options);
    this.decoder = decoder;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        const row = decoder.decode(item.record, item.info.lines);
        this.resolved = decoder.columns;
        if (row) yield row;
      }
    } catch (err) {
      throw mapError(this.path, err);
    } finally {
      for (const s of streams) s.destroy();
    }
    if (!decoder.sawHeader)
      throw new InputError('csv_empty', `${this.path}: the file is empty (no header or data on line 1)`);
  }
}

/**
 * Streams the rows of a recorded file (see {@link Recording}).
 * @example for await (const row of readRecordedRows('machine_temperature_system_failure.csv')) score(row);
 */
export async function* readRecordedRows(
  path: string,
  options: RecordingOptions = {},
): AsyncGenerator<RecordedRow> {
  const recording = await Recording.open(path, options);
  yield* recording.rows();
}

/** Turns csv-parse records into rows, resolving the columns on the header and first data row. */
class RowDecoder {
  skippedCells = 0;
  sawHeader = false;
  columns: RecordingColumns | undefined;
  private header: string[] = [];
  private timestampIndex = -1;
  private metricIndexes: number[] = [];
  private labelIndexes: number[] = [];
  private index = 0;

  constructor(
    private readonly path: string,
    private readonly format: RecordingFormat,
    private readonly options: RecordingOptions,
  ) {}

  decode(record: string[], line: number): RecordedRow | undefined {
    if (!this.sawHeader) {
      this.sawHeader = true;
      if (this.format !== 'smd') {
        this.readHeader(record, line);
        return undefined;
      }
      this.header = record.map((_, i) => `d${i + 1}`);
      this.metricIndexes = record.map((_, i) => i);
      this.columns = { metrics: [...this.header], labels: [], ignored: [] };
    }
    if (!this.columns) this.resolveGenericColumns(record, line);
    const index = this.index++;
    let tsMs: number;
    let timestamp: string;
    if (this.format === 'smd') {
      tsMs = (this.options.smdStartMs ?? SMD_START_MS) + index * (this.options.smdStepMs ?? 60_000);
      timestamp = String(index);
    } else {
      timestamp = record[this.timestampIndex];
      const parsed = parseRecordedTimestamp(timestamp);
      if (parsed === undefined) {
        throw this.malformed(
          line,
          `column "${this.header[this.timestampIndex]}" value "${timestamp}" is not a timestamp (expected ISO 8601, YYYY-MM-DD HH:MM:SS or epoch s/ms)`,
        );
      }
      tsMs = parsed;
    }
    const metrics: Record<string, number> = {};
    const skip = this.options.nonFiniteCells === 'skip';
    for (const i of this.metricIndexes) {
      const value = skip ? this.finiteOrSkip(record[i]) : this.number(record[i], i, line);
      if (value !== undefined) metrics[this.header[i]] = value;
    }
    const row: RecordedRow = { index, line, tsMs, timestamp, metrics };
    if (this.labelIndexes.length > 0) {
      const labels: Record<string, number> = {};
      for (const i of this.labelIndexes) {
        const value = this.number(record[i], i, line);
        if (value !== undefined) labels[this.header[i]] = value;
      }
      row.labels = labels;
    }
    return row;
  }

  private readHeader(record: string[], line: number): void {
    this.header = record.map((c) => c.trim());
    const lower = this.header.map((c) => c.toLowerCase());
    if (this.format === 'nab') {
      if (lower.length !== 2 || lower[0] !== 'timestamp' || lower[1] !== 'value') {
        throw this.malformed(line, `expected the NAB header "timestamp,value", got "${record.join(',')}"`);
      }
      this.setColumns(0, [1], []);
    } else if (this.format === 'skab') {
      const ts = lower.indexOf('datetime');
      if (ts < 0)
        throw this.malformed(
          line,
          `expected a SKAB header with a "datetime" column, got "${record.join(';')}"`,
        );
      const labels = lower.flatMap((c, i) => (SKAB_LABEL_COLUMNS.includes(c) ? [i] : []));
      this.setColumns(
        ts,
        this.header.map((_, i) => i).filter((i) => i !== ts && !labels.includes(i)),
        labels,
      );
    } else {
      const wanted = this.options.timestampColumn;
      if (wanted !== undefined) {
        this.timestampIndex = this.header.indexOf(wanted);
        if (this.timestampIndex < 0) {
          throw new ConfigError(
            `timestampColumn: "${wanted}" is not a column of ${this.path} (columns: ${this.header.join(', ')})`,
          );
        }
      } else {
        this.timestampIndex = lower.findIndex((c) => TIMESTAMP_NAMES.includes(c));
      }
    }
  }

  private resolveGenericColumns(record: string[], line: number): void {
    if (this.timestampIndex < 0) this.timestampIndex = record.findIndex((c) => looksLikeDateTime(c));
    if (this.timestampIndex < 0) {
      throw new InputError(
        'csv_no_timestamp',
        `${this.path}:${line}: no timestamp column (none named ${TIMESTAMP_NAMES.join('/')}, and no date-time value in the first data row); set timestampColumn`,
      );
    }
    const labelNames = (this.options.labelColumns ?? DEFAULT_LABEL_COLUMNS).map((c) => c.toLowerCase());
    const labels: number[] = [];
    const metrics: number[] = [];
    const ignored: number[] = [];
    this.header.forEach((name, i) => {
      if (i === this.timestampIndex) return;
      if (labelNames.includes(name.toLowerCase())) labels.push(i);
      else if ((record[i] ?? '') === '' || NUMBER_CELL.test(record[i])) metrics.push(i);
      else ignored.push(i);
    });
    this.setColumns(this.timestampIndex, metrics, labels, ignored);
  }

  private setColumns(
    timestampIndex: number,
    metrics: number[],
    labels: number[],
    ignored: number[] = [],
  ): void {
    this.timestampIndex = timestampIndex;
    this.metricIndexes = metrics;
    this.labelIndexes = labels;
    this.columns = {
      timestamp: this.header[timestampIndex],
      metrics: metrics.map((i) => this.header[i]),
      labels: labels.map((i) => this.header[i]),
      ignored: ignored.map((i) => this.header[i]),
    };
  }

  private number(cell: string | undefined, column: number, line: number): number | undefined {
    if (cell === undefined || cell === '') return undefined;
    const value = NUMBER_CELL.test(cell) ? Number(cell) : Number.NaN;
    if (!Number.isFinite(value)) {
      throw this.malformed(line, `column "${this.header[column]}" value "${cell}" is not a finite number`);
    }
    return value;
  }

  /**
   * A metric cell's value when finite and within ±{@link MAX_ABS_READING_VALUE} (what ingest
   * accepts), else undefined (counted in skippedCells when not empty).
   */
  private finiteOrSkip(cell: string | undefined): number | undefined {
    if (cell === undefined || cell === '') return undefined;
    const value = NUMBER_CELL.test(cell) ? Number(cell) : Number.NaN;
    if (Number.isFinite(value) && Math.abs(value) <= MAX_ABS_READING_VALUE) return value;
    this.skippedCells++;
    return undefined;
  }

  private malformed(line: number, detail: string): InputError {
    return new InputError('csv_malformed', `${this.path}:${line}: ${detail}`);
  }
}

function guessDelimiter(headerLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, headerLine.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

function mapError(path: string, err: unknown): Error {
  if (err instanceof InputError || err instanceof ConfigError) return err;
  const e = err as { code?: string; lines?: number; message?: string };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) {
    return new InputError('csv_malformed', `${path}:${e.lines ?? '?'}: ${e.message}`);
  }
  return fileError(path, err);
}
