import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Reading } from '../../../src/lib/contracts/types';

/** The committed models (tests run against them, never against training). */
export const MODELS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'models');
export const cardPathOf = (name: string) => path.join(MODELS_DIR, name, `${name}.card.json`);

/**
 * Copies a committed model (card + ONNX) into a fresh temp dir, optionally editing the card or
 * the bytes, and returns the copy's card path and a cleanup function.
 */
export function copyModel(
  name: string,
  edit: { card?: (card: Record<string, unknown>) => void; bytes?: (bytes: Buffer) => Buffer } = {},
): { cardPath: string; onnxPath: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lucid-model-'));
  const card = JSON.parse(readFileSync(cardPathOf(name), 'utf8')) as Record<string, unknown>;
  const onnxPath = path.join(dir, card.file as string);
  const src = path.join(MODELS_DIR, name, card.file as string);
  if (edit.bytes) writeFileSync(onnxPath, edit.bytes(readFileSync(src)));
  else copyFileSync(src, onnxPath);
  edit.card?.(card);
  const cardPath = path.join(dir, `${name}.card.json`);
  writeFileSync(cardPath, JSON.stringify(card));
  return { cardPath, onnxPath, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Seeded pump-ae readings of one device, 1 s apart from `fromS` seconds: each feature at its card
 * mean plus uniform noise of ±2.5 % of its std (an LCG from `seed`, so runs are reproducible);
 * `edit` may change reading i's metrics (a step, a drop…).
 */
export function pumpReadings(
  n: number,
  seed: number,
  opts: { fromS?: number; deviceId?: string; edit?: (m: Record<string, number>, i: number) => void } = {},
): Reading[] {
  const { features } = JSON.parse(readFileSync(cardPathOf('pump-ae'), 'utf8')) as {
    features: { name: string; mean: number; std: number }[];
  };
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, (_, i) => {
    const metrics = Object.fromEntries(features.map((f) => [f.name, f.mean + rnd() * f.std * 0.05]));
    opts.edit?.(metrics, i);
    return { deviceId: opts.deviceId ?? 'p1', tsMs: ((opts.fromS ?? 0) + i) * 1000, metrics };
  });
}
