/** bench/results.json holds both harnesses' results; each run replaces its own part and re-renders REPORT.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from './report';

export interface ResultsFile {
  quality?: unknown;
  speed?: unknown;
}

/** Repository root (bench/out/build/bench/src → five levels up). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..', '..');
export const BENCH_DIR = join(REPO_ROOT, 'bench');

export function updateResults(part: keyof ResultsFile, value: unknown): void {
  const path = join(BENCH_DIR, 'results.json');
  const current: ResultsFile = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as ResultsFile)
    : {};
  current[part] = value;
  writeFileSync(path, JSON.stringify(current, null, 2) + '\n');
  writeFileSync(join(BENCH_DIR, 'REPORT.md'), renderReport(current));
}

export function environment(): Record<string, string | number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('node:os') as typeof import('node:os');
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    totalMemGB: Math.round(os.totalmem() / 2 ** 30),
  };
}
