/**
 * `lucid score`: runs a recorded file through the library code the nodes run (ingest → detect,
 * optionally an ONNX model) as fast as possible and writes one CSV row per input row:
 * `timestamp,anomaly_score,<contribution per metric>`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, InputError, ModelError } from '../lib/contracts/errors';
import { scoreCsvHeader, scoreCsvLines } from '../lib/bench/score-csv';
import {
  scoreRecording,
  type ReadingScorer,
  type ScoreRecordingOptions,
} from '../lib/bench/recording-scorer';
import { modelReadingScorer } from '../lib/bench/model-reading-scorer';
import { resolveDetectConfig, type DetectConfig } from '../lib/detect';
import { FleetRegistry } from '../lib/fleet/fleet-registry';
import { RECORDING_FORMATS, type RecordingFormat } from '../lib/replay/recording-format';
import { Recording } from '../lib/replay/recording';

export const SCORE_USAGE = `usage: lucid score --format nab|skab|smd|csv --in FILE --out FILE [--config FILE.json] [--model NAME] [--fit-rows N]

  --format     input format: nab (timestamp,value), skab (';', datetime + sensors; label
               columns ignored), smd (no header, one column per dimension; .gz read as is),
               csv (a timestamp column + numeric columns)
  --in         the recorded file
  --out        the CSV to write: timestamp,anomaly_score,<one contribution column per metric>
               (one row per input row; a cell that is not a finite number, e.g. NaN or
               Infinity, is left out of its row and counted on stderr; a row left with no
               metric scores 0)
  --config     JSON: the lucid-detect node's settings ({"sensitivity": 0.5, ...}), or
               {"detect": {...}, "ingest": {...}, "fleet": {...}}
  --model      score with a packaged ONNX model (e.g. pump-ae) instead of the streaming detector
  --fit-rows   the first N rows may be used to fit (SKAB's protocol: 400); default: online only
`;

/** Parsed `lucid score` options. */
export interface ScoreCommandOptions {
  format: RecordingFormat;
  inPath: string;
  outPath: string;
  configPath?: string;
  model?: string;
  fitRows: number;
}

/** Where `lucid score` reports progress; the process's stderr by default. */
export interface ScoreIo {
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Wall clock for progress updates only (never for scores). */
  nowMs?: () => number;
}

/**
 * Builds a model-backed scorer for `--model NAME` (default: {@link modelReadingScorer}, the
 * streaming detectors merged with the ONNX model, as lucid-detect with a lucid-model node).
 */
export type ModelScorerFactory = (
  name: string,
  options: { fleet: FleetRegistry; detect: DetectConfig },
) => Promise<ReadingScorer & { close?(): Promise<void> }>;

const defaultModelFactory: ModelScorerFactory = (name, { fleet, detect }) =>
  modelReadingScorer(name, detect, fleet);

class UsageError extends Error {}

/**
 * Parses `lucid score` arguments.
 * @throws UsageError (exit code 2) naming the bad or missing option.
 */
export function parseScoreArgs(args: string[]): ScoreCommandOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        format: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        model: { type: 'string' },
        'fit-rows': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const format = values.format as string | undefined;
  if (!format || !RECORDING_FORMATS.includes(format as RecordingFormat)) {
    throw new UsageError(
      `--format is ${format === undefined ? 'missing' : `"${format}"`}; expected one of ${RECORDING_FORMATS.join(', ')}`,
    );
  }
  if (!values.in) throw new UsageError('--in FILE is missing');
  if (!values.out) throw new UsageError('--out FILE is missing');
  let fitRows = 0;
  if (values['fit-rows'] !== undefined) {
    const text = values['fit-rows'] as string;
    fitRows = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(fitRows))
      throw new UsageError(`--fit-rows is "${text}"; expected a non-negative integer`);
  }
  return {
    format: format as RecordingFormat,
    inPath: values.in as string,
    outPath: values.out as string,
    configPath: values.config as string | undefined,
    model: values.model as string | undefined,
    fitRows,
  };
}

/** Reads `--config`: the detect settings, or `{detect, ingest, fleet}`. */
async function readConfig(
  path: string | undefined,
): Promise<Pick<ScoreRecordingOptions, 'detect' | 'ingest' | 'fleet'>> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--config ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(
      `--config ${path}: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`,
    );
  }
  const o = parsed as Record<string, unknown>;
  if ('detect' in o || 'ingest' in o || 'fleet' in o) {
    return {
      detect: o.detect as ScoreRecordingOptions['detect'],
      ingest: o.ingest as ScoreRecordingOptions['ingest'],
      fleet:
        o.fleet === undefined
          ? undefined
          : new FleetRegistry(o.fleet as ConstructorParameters<typeof FleetRegistry>[0]),
    };
  }
  return { detect: o as ScoreRecordingOptions['detect'] };
}

/** A one-line progress bar on a TTY, redrawn at most 5 times a second. */
function progressBar(
  io: ScoreIo,
  recording: Recording,
): { update(rows: number): void; done(rows: number): void } {
  const now = io.nowMs ?? Date.now;
  const started = now();
  let last = 0;
  const enabled = io.stderr.isTTY === true;
  const draw = (rows: number, final: boolean) => {
    const share = recording.sizeBytes > 0 ? Math.min(1, recording.bytesRead / recording.sizeBytes) : 1;
    const width = 30;
    const filled = Math.round((final ? 1 : share) * width);
    const seconds = Math.max(1e-3, (now() - started) / 1000);
    io.stderr.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round((final ? 1 : share) * 100)}% ${rows} rows ${Math.round(rows / seconds)} rows/s${final ? '\n' : ''}`,
    );
  };
  return {
    update(rows) {
      if (!enabled || now() - last < 200) return;
      last = now();
      draw(rows, false);
    },
    done(rows) {
      if (enabled) draw(rows, true);
    },
  };
}

/**
 * Runs `lucid score` with parsed options: streams the file, scores it, writes the CSV atomically
 * (a temporary file renamed at the end, so a failed run leaves no half-written output).
 * @returns the number of rows written.
 * @throws InputError (malformed file, with file:line), ConfigError (bad --config), ModelError.
 */
export async function runScore(
  options: ScoreCommandOptions,
  io: ScoreIo = { stderr: process.stderr },
  modelFactory?: ModelScorerFactory,
): Promise<number> {
  const config = await readConfig(options.configPath);
  const recording = await Recording.open(options.inPath, {
    format: options.format,
    nonFiniteCells: 'skip',
  });
  const deviceId = 'recording';
  let scorer: (ReadingScorer & { close?(): Promise<void> }) | undefined;
  if (options.model) {
    const fleet = config.fleet ?? new FleetRegistry({});
    scorer = await (modelFactory ?? defaultModelFactory)(options.model, {
      fleet,
      detect: resolveDetectConfig(config.detect ?? {}),
    });
  }
  const tmpPath = `${options.outPath}.${process.pid}.partial`;
  const out = createWriteStream(tmpPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const bar = progressBar(io, recording);
  let rows = 0;
  let metrics: string[] | undefined;
  try {
    for await (const batch of scoreRecording(recording.rows(), {
      ...config,
      deviceId,
      fitRows: options.fitRows,
      scorer,
    })) {
      if (!metrics) {
        metrics = recording.columns?.metrics ?? Object.keys(batch[0].row.metrics);
        await write(scoreCsvHeader(metrics));
      }
      await write(scoreCsvLines(batch, metrics));
      rows += batch.length;
      bar.update(rows);
    }
    if (!metrics) await write(scoreCsvHeader(recording.columns?.metrics ?? []));
    out.end();
    await once(out, 'finish');
    await rename(tmpPath, options.outPath);
  } catch (err) {
    out.destroy();
    await rm(tmpPath, { force: true });
    throw err;
  } finally {
    await scorer?.close?.();
  }
  bar.done(rows);
  if (recording.skippedCells > 0)
    io.stderr.write(
      `lucid score: ${recording.skippedCells} cell(s) were not finite numbers (NaN, ±Infinity, text) or beyond ±1e15: left out of their rows; a row with no finite metric is written with anomaly_score 0\n`,
    );
  return rows;
}

/**
 * The `lucid score` command.
 * @returns 0 on success, 1 on bad input / configuration / model, 2 on bad usage.
 */
export async function score(
  args: string[],
  io: ScoreIo = { stderr: process.stderr },
  modelFactory?: ModelScorerFactory,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stderr.write(SCORE_USAGE);
    return 0;
  }
  let options: ScoreCommandOptions;
  try {
    options = parseScoreArgs(args);
  } catch (err) {
    io.stderr.write(`lucid score: ${(err as Error).message}\n\n${SCORE_USAGE}`);
    return 2;
  }
  try {
    await runScore(options, io, modelFactory);
    return 0;
  } catch (err) {
    if (
      err instanceof InputError ||
      err instanceof ConfigError ||
      err instanceof ModelError ||
      err instanceof RangeError
    ) {
      io.stderr.write(`lucid score: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
