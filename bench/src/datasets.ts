/**
 * Where the labelled benchmark files are and what their labels say (../shared/datasets, see its
 * README.md). Nothing here reads a label into a detector: labels are only used to score.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseRecordedTimestamp } from '../../node-red-nodes/src/lib/replay/recorded-timestamp';

export interface DatasetRoots {
  nab: string;
  skab: string;
  smd: string;
}

/** Dataset folders under one root (default `../shared/datasets` from the repository root). */
export function datasetRoots(root: string): DatasetRoots {
  return { nab: join(root, 'NAB'), skab: join(root, 'SKAB'), smd: join(root, 'SMD') };
}

export interface NabFile {
  /** `category/name.csv`, the key of NAB's label files. */
  name: string;
  path: string;
  /** Labelled windows, epoch ms, inclusive. */
  windows: Array<[number, number]>;
}

const ts = (text: string): number => {
  const ms = parseRecordedTimestamp(text.slice(0, 19));
  if (ms === undefined) throw new Error(`unparseable label timestamp ${text}`);
  return ms;
};

/** The NAB files the label file lists (the corpus NAB scores), sorted by name. */
export function nabFiles(nabRoot: string): NabFile[] {
  const windows = JSON.parse(
    readFileSync(join(nabRoot, 'labels', 'combined_windows.json'), 'utf8'),
  ) as Record<string, [string, string][]>;
  return Object.keys(windows)
    .sort()
    .map((name) => ({
      name,
      path: join(nabRoot, 'data', name),
      windows: windows[name].map(([a, b]) => [ts(a), ts(b)] as [number, number]),
    }))
    .filter((f) => existsSync(f.path));
}

/** SKAB experiment and its documented cause (SKAB `data/README.md`), as pump playbook cause ids. */
export interface SkabExperiment {
  /** `valve1/3.csv`. */
  name: string;
  path: string;
  /** The documented physical cause, in the README's words. */
  documented: string;
  /** Playbook cause ids that name that cause (any of them counts as right). */
  causeIds: string[];
}

/**
 * SKAB's documented causes. valve1 (README files 1..16, here 0..15): the valve at the pump inlet
 * is closed. other/1..14 as listed in the README (same numbering here). Leak *and* addition
 * experiments (1-4) accept either cause; "increase in the amount of water in the circuit" (10, 11)
 * is fluid addition; "draining water from the tank until cavitation" and "two-phase flow supply"
 * (12, 13) are cavitation.
 */
const OTHER_CAUSES: Record<number, [string, string[]]> = {
  1: ['fluid leaks and fluid additions', ['pump.fluid_leak', 'pump.fluid_addition']],
  2: ['fluid leaks and fluid additions', ['pump.fluid_leak', 'pump.fluid_addition']],
  3: ['fluid leaks and fluid additions', ['pump.fluid_leak', 'pump.fluid_addition']],
  4: ['fluid leaks and fluid additions', ['pump.fluid_leak', 'pump.fluid_addition']],
  5: ['rotor imbalance, sharp', ['pump.rotor_imbalance']],
  6: ['rotor imbalance, linear', ['pump.rotor_imbalance']],
  7: ['rotor imbalance, step', ['pump.rotor_imbalance']],
  8: ['rotor imbalance, Dirac delta', ['pump.rotor_imbalance']],
  9: ['rotor imbalance, exponential', ['pump.rotor_imbalance']],
  10: ['slow increase in the amount of water in the circuit', ['pump.fluid_addition']],
  11: ['sudden increase in the amount of water in the circuit', ['pump.fluid_addition']],
  12: ['draining water from the tank until cavitation', ['pump.cavitation']],
  13: ['two-phase flow supply to the pump inlet (cavitation)', ['pump.cavitation']],
  14: ['water supply of increased temperature', ['pump.hot_water_supply']],
};

/** The anomalous SKAB experiments present (valve1, valve2, other), in a stable order. */
export function skabExperiments(skabRoot: string): SkabExperiment[] {
  const out: SkabExperiment[] = [];
  const numbered = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /^\d+\.csv$/.test(f))
          .map((f) => Number(f.slice(0, -4)))
          .sort((a, b) => a - b)
      : [];
  for (const n of numbered(join(skabRoot, 'data', 'valve1'))) {
    out.push({
      name: `valve1/${n}.csv`,
      path: join(skabRoot, 'data', 'valve1', `${n}.csv`),
      documented: 'valve closed at the pump inlet',
      causeIds: ['pump.inlet_valve_closure'],
    });
  }
  for (const n of numbered(join(skabRoot, 'data', 'valve2'))) {
    out.push({
      name: `valve2/${n}.csv`,
      path: join(skabRoot, 'data', 'valve2', `${n}.csv`),
      documented: 'valve closed at the pump outlet',
      causeIds: ['pump.outlet_valve_closure'],
    });
  }
  for (const n of numbered(join(skabRoot, 'data', 'other'))) {
    const [documented, causeIds] = OTHER_CAUSES[n] ?? ['undocumented', []];
    out.push({
      name: `other/${n}.csv`,
      path: join(skabRoot, 'data', 'other', `${n}.csv`),
      documented,
      causeIds,
    });
  }
  return out;
}

export interface SmdMachine {
  name: string;
  train: string;
  test: string;
  /** One 0/1 per test row. */
  labels: Uint8Array;
  /** Interpretation segments: [start, end) row range and the 1-based causing dimensions. */
  segments: { start: number; end: number; dims: number[] }[];
}

/** The SMD machines with train, test, test labels and interpretation labels present. */
export function smdMachines(smdRoot: string): SmdMachine[] {
  const base = join(smdRoot, 'ServerMachineDataset');
  const dir = join(base, 'interpretation_label');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => f.slice(0, -4))
    .filter(
      (name) =>
        existsSync(join(base, 'test', `${name}.txt.gz`)) &&
        existsSync(join(base, 'test_label', `${name}.txt`)),
    )
    .map((name) => {
      const labels = Uint8Array.from(
        readFileSync(join(base, 'test_label', `${name}.txt`), 'utf8')
          .trim()
          .split(/\r?\n/)
          .map(Number),
      );
      const segments = readFileSync(join(dir, `${name}.txt`), 'utf8')
        .trim()
        .split(/\r?\n/)
        .map((line) => {
          const [range, dims] = line.split(':');
          const [start, end] = range.split('-').map(Number);
          return { start, end, dims: dims.split(',').map(Number) };
        });
      return {
        name,
        train: join(base, 'train', `${name}.txt.gz`),
        test: join(base, 'test', `${name}.txt.gz`),
        labels,
        segments,
      };
    });
}

/** Row count of a (possibly gzip) text file without a header. */
export function countLines(path: string): number {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text.trim().split(/\r?\n/).length;
}
