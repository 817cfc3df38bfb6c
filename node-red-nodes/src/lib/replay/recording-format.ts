import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../contracts/errors';

/** Recorded file formats `lucid-replay` and `lucid score` read. */
export type RecordingFormat = 'nab' | 'skab' | 'smd' | 'csv';

/** Every format, for validation of options. */
export const RECORDING_FORMATS: readonly RecordingFormat[] = ['nab', 'skab', 'smd', 'csv'];

const NUMBER_CELL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The format a file's first line says it is:
 * - `nab`: the header is exactly `timestamp,value` (NAB, Lavin & Ahmad 2015);
 * - `skab`: `;`-separated with a `datetime` column (SKAB, Katser & Kozitsin 2020);
 * - `smd`: no header, every comma-separated cell numeric (Server Machine Dataset, Su et al. 2019);
 * - `csv`: anything else (a generic CSV with a header).
 *
 * @param firstLine - the first line of the file, without its line break.
 */
export function formatFromFirstLine(firstLine: string): RecordingFormat {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  if (line.toLowerCase().replace(/\s/g, '') === 'timestamp,value') return 'nab';
  if (line.includes(';') && line.split(';').some((c) => c.trim().toLowerCase() === 'datetime')) return 'skab';
  if (line.split(',').every((c) => NUMBER_CELL.test(c))) return 'smd';
  return 'csv';
}

/** Whether the file starts with the gzip magic bytes (RFC 1952: 1f 8b). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buffer, 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The first line of a file (gzip-compressed files are decompressed transparently), reading at
 * most 1 MB.
 * @throws InputError `file_not_found` / `file_unreadable`.
 */
export async function readFirstLine(path: string): Promise<string> {
  let gzip: boolean;
  try {
    gzip = await isGzipFile(path);
  } catch (err) {
    throw fileError(path, err);
  }
  const raw = createReadStream(path, { end: gzip ? undefined : 1024 * 1024 - 1 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8');
      const nl = text.search(/\r?\n/);
      if (nl >= 0) return text.slice(0, nl);
      if (text.length >= 1024 * 1024) break;
    }
    return text;
  } catch (err) {
    throw fileError(path, err);
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
}

/**
 * Detects the format of a recorded file from its first line (see {@link formatFromFirstLine}).
 *
 * @example await detectFormat('NAB/data/realKnownCause/machine_temperature_system_failure.csv') // 'nab'
 * @throws InputError `csv_empty` for an empty file, `file_not_found` / `file_unreadable`.
 */
export async function detectFormat(path: string): Promise<RecordingFormat> {
  const first = await readFirstLine(path);
  if (first.replace(/^\uFEFF/, '').trim() === '')
    throw new InputError('csv_empty', `${path}: the file is empty (no header or data on line 1)`);
  return formatFromFirstLine(first);
}

/** Maps a file-system error to an InputError naming the file. */
export function fileError(path: string, err: unknown): InputError {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return new InputError('file_not_found', `${path}: no such file`);
  if (e && e.code === 'EISDIR')
    return new InputError('file_unreadable', `${path}: is a directory, expected a CSV file`);
  if (e && e.code === 'Z_DATA_ERROR')
    return new InputError('file_unreadable', `${path}: corrupt gzip data (${e.message})`);
  return new InputError('file_unreadable', `${path}: cannot read (${e?.message ?? String(err)})`);
}
