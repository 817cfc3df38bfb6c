import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ModelError } from '../contracts/errors';
import type { ModelCard } from './model-card';

/** Options of {@link verifyModelFile}. */
export interface VerifyOptions {
  /**
   * Ed25519 public key (PEM, or a KeyObject). When set, the card must carry a `signature`
   * (base64 Ed25519 over the ONNX file's bytes) that this key verifies.
   */
  publicKey?: string | KeyObject;
}

/**
 * Checks an ONNX file's bytes against its card before anything parses them: size (when the card
 * states it), SHA-256, and the Ed25519 signature when a public key is configured
 * (RFC 8032 via `node:crypto`).
 * @param bytes the file's content
 * @throws ModelError on any mismatch (truncated, tampered, unsigned or wrongly signed file)
 * @example verifyModelFile(readFileSync('pump-ae.onnx'), card, { publicKey: pem });
 */
export function verifyModelFile(bytes: Uint8Array, card: ModelCard, opts: VerifyOptions = {}): void {
  if (card.sizeBytes !== undefined && bytes.length !== card.sizeBytes) {
    throw new ModelError(
      `model "${card.name}": file "${card.file}" has ${bytes.length} bytes, the card says ${card.sizeBytes} (truncated or replaced?)`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== card.sha256) {
    throw new ModelError(
      `model "${card.name}": SHA-256 of "${card.file}" is ${sha256}, the card says ${card.sha256}: refusing a modified model`,
    );
  }
  if (opts.publicKey === undefined) return;
  if (!card.signature) {
    throw new ModelError(`model "${card.name}": a public key is configured but the card has no signature`);
  }
  let ok: boolean;
  try {
    const key = typeof opts.publicKey === 'string' ? createPublicKey(opts.publicKey) : opts.publicKey;
    ok = verify(null, bytes, key, Buffer.from(card.signature, 'base64'));
  } catch (err) {
    throw new ModelError(`model "${card.name}": signature check failed: ${(err as Error).message}`);
  }
  if (!ok)
    throw new ModelError(
      `model "${card.name}": the Ed25519 signature does not match the file and the configured key`,
    );
}
