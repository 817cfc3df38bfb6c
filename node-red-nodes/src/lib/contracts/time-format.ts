/**
 * The one time format of explanations and alerts: UTC, to the second, e.g.
 * `2024-01-01 01:47:50 UTC`. Non-finite times print as `unknown time`.
 * @param tsMs - epoch ms.
 */
export function formatTimestamp(tsMs: number): string {
  if (!Number.isFinite(tsMs)) return 'unknown time';
  return new Date(tsMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}
