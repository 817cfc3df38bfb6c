import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

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
