/**
 * Stable, machine-readable reasons why `lucid-ingest` refuses an input. They appear in
 * `msg.error.code` on the reject output, in the node status and in {@link IngestStats}.
 * New codes may be added; existing ones never change meaning.
 */
export const REJECT_CODES = [
  'malformed_json',
  'schema',
  'not_finite',
  'oversized',
  'timestamp_future',
  'timestamp_past',
  'unknown_device',
  'duplicate',
  'rate_limited',
  'signature_missing',
  'signature_invalid',
  'replayed',
  'seq_jump',
  'out_of_range',
  'out_of_bounds',
] as const;

/** One of {@link REJECT_CODES}. */
export type RejectCode = (typeof REJECT_CODES)[number];

/**
 * One refused input: a whole message (`index` undefined) or one item of a batch.
 * `item` is what was refused, as received (a Buffer or string for a message that could not be
 * parsed, the parsed object otherwise); `detail` says what the sender can fix.
 */
export interface Reject {
  code: RejectCode;
  detail: string;
  item: unknown;
  /** Position of the item in its batch, when the message was a batch. */
  index?: number;
}
