/**
 * Batch handling shared by every stage: a message carries one item or an array of items, and a
 * stage answers in the same form it received (a batch stays a batch).
 */

/** The items of a payload: the array itself, or a one-element array. */
export function toItems<T>(payload: T | T[]): T[] {
  return Array.isArray(payload) ? payload : [payload];
}

/**
 * Shapes results like the input: an array for a batch, the single item otherwise.
 * Returns undefined when a single-item input produced nothing.
 */
export function likeInput<T>(input: unknown, results: T[]): T | T[] | undefined {
  if (Array.isArray(input)) return results;
  return results[0];
}
