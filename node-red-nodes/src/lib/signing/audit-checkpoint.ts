import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { canonicalJson } from './canonical-json';
import type { SigningKeys } from './signing-keys';

/**
 * The audit chain's head, signed and kept outside the database: whoever can edit the database
 * but not this file cannot cut entries off the end of the chain unnoticed (a database whose
 * head is behind the checkpoint, or differs at its seq, was truncated or rewritten).
 */
export interface AuditCheckpoint {
  /** Seq of the head entry when the checkpoint was written. */
  seq: number;
  /** That entry's hash (SHA-256 hex). */
  hash: string;
  /** Wall-clock time of writing, epoch ms. */
  tsMs: number;
  /** Key that signed it. */
  keyId: string;
  /** Ed25519 signature (base64url) over the canonical JSON of the fields above. */
  signature: string;
}

/** Builds and signs the checkpoint of a head entry. */
export function makeAuditCheckpoint(
  keys: SigningKeys,
  head: { seq: number; hash: string },
  tsMs: number,
): AuditCheckpoint {
  const fields = { seq: head.seq, hash: head.hash, tsMs, keyId: keys.info.keyId };
  return { ...fields, signature: keys.sign(canonicalJson(fields)) };
}

/** Whether `checkpoint` carries a valid signature of `keys`. */
export function auditCheckpointSigned(
  keys: Pick<SigningKeys, 'verify'>,
  checkpoint: AuditCheckpoint,
): boolean {
  const { seq, hash, tsMs, keyId, signature } = checkpoint;
  return typeof signature === 'string' && keys.verify(canonicalJson({ seq, hash, tsMs, keyId }), signature);
}

/**
 * Reads a checkpoint file.
 * @returns the checkpoint, `undefined` when the file does not exist, or `'unreadable'` when it
 *   exists but is not a checkpoint (edited, cut short).
 */
export function readAuditCheckpoint(file: string): AuditCheckpoint | 'unreadable' | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as AuditCheckpoint;
    const ok =
      Number.isSafeInteger(value.seq) &&
      value.seq >= 0 &&
      typeof value.hash === 'string' &&
      Number.isFinite(value.tsMs) &&
      typeof value.keyId === 'string' &&
      typeof value.signature === 'string';
    return ok ? value : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Writes a checkpoint file atomically (a temporary file renamed over it), mode 0600.
 * @throws the file system's error (missing folder, no space, no permission).
 */
export function writeAuditCheckpoint(file: string, checkpoint: AuditCheckpoint): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
