import { canonicalJson } from './canonical-json';
import { sha256Hex } from './sha256-hex';
import type { SigningKeys } from './signing-keys';

/** `prevHash` of the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** One entry of the audit log: a hash chain (each entry carries the previous entry's hash). */
export interface AuditEntry {
  /** Position in the chain, 1-based, gap-free. */
  seq: number;
  tsMs: number;
  /** Who: an API token's name, `lucid-route`, `lucid-feedback`, … */
  actor: string;
  /** What: `alert.opened`, `alert.acknowledged`, `feedback`, `adaptation.created`, `adaptation.reverted`, … */
  action: string;
  /** Id of the record the action is about (alert id, adaptation id, …). */
  subject: string;
  /** SHA-256 hex of the canonical JSON payload stored with the entry. */
  payloadHash: string;
  prevHash: string;
  /** SHA-256 hex of the canonical JSON of every field above. */
  hash: string;
  /** Ed25519 signature (base64url) over `hash`. */
  signature: string;
}

/** Why an entry fails verification. */
export type AuditBreak = 'prev_link' | 'hash_mismatch' | 'payload_mismatch' | 'signature' | 'seq_gap';

/** The hash of an entry: SHA-256 over the canonical JSON of its fields except `hash` and `signature`. */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash' | 'signature'>): string {
  const { seq, tsMs, actor, action, subject, payloadHash, prevHash } = entry;
  return sha256Hex(canonicalJson({ seq, tsMs, actor, action, subject, payloadHash, prevHash }));
}

/** Builds and signs the entry that follows `prev` (or the anchor) for a payload. */
export function makeAuditEntry(
  keys: SigningKeys,
  prev: { seq: number; hash: string },
  fields: { tsMs: number; actor: string; action: string; subject: string; payload: string },
): AuditEntry {
  const base = {
    seq: prev.seq + 1,
    tsMs: fields.tsMs,
    actor: fields.actor,
    action: fields.action,
    subject: fields.subject,
    payloadHash: sha256Hex(fields.payload),
    prevHash: prev.hash,
  };
  const hash = auditEntryHash(base);
  return { ...base, hash, signature: keys.sign(hash) };
}

/**
 * Checks one entry against its predecessor and its stored payload: sequence continuity, the
 * link to the previous hash, the payload hash, the entry hash and the Ed25519 signature.
 * @returns the first failing check, or undefined when the entry is intact.
 */
export function checkAuditEntry(
  keys: Pick<SigningKeys, 'verify'>,
  prev: { seq: number; hash: string },
  entry: AuditEntry,
  payload: string,
): AuditBreak | undefined {
  if (entry.seq !== prev.seq + 1) return 'seq_gap';
  if (entry.prevHash !== prev.hash) return 'prev_link';
  if (sha256Hex(payload) !== entry.payloadHash) return 'payload_mismatch';
  if (auditEntryHash(entry) !== entry.hash) return 'hash_mismatch';
  if (!keys.verify(entry.hash, entry.signature)) return 'signature';
  return undefined;
}
