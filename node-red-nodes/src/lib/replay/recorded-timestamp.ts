/** `YYYY-MM-DD HH:MM[:SS[.fff]]` or with a `T`, no zone: a naive date-time (NAB, SKAB). */
const NAIVE_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const NUMBER = /^[+-]?\d+(?:\.\d+)?$/;

/**
 * Parses a timestamp cell of a recorded file into epoch ms.
 *
 * Accepted forms: ISO 8601 with a zone (`2024-01-01T10:00:00Z`, `…+02:00`); naive
 * `YYYY-MM-DD HH:MM[:SS[.fff]]` (space or `T`), **read as UTC** (as NAB and SKAB publish them;
 * no local-time ambiguity); a date `YYYY-MM-DD` (UTC midnight); epoch seconds (< 10^11) or
 * epoch milliseconds as a number.
 *
 * @returns epoch ms, or undefined when the text is not a timestamp.
 * @example parseRecordedTimestamp('2013-12-02 21:15:00') // Date.UTC(2013, 11, 2, 21, 15)
 */
export function parseRecordedTimestamp(text: string): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  let ms: number;
  const naive = NAIVE_DATE_TIME.exec(value);
  if (naive) ms = Date.parse(`${naive[1]}T${naive[2]}Z`);
  else if (DATE_ONLY.test(value)) ms = Date.parse(`${value}T00:00:00Z`);
  else if (ISO_WITH_ZONE.test(value)) ms = Date.parse(value.replace(' ', 'T'));
  else if (NUMBER.test(value)) {
    const n = Number(value);
    ms = Math.abs(n) < 1e11 ? Math.round(n * 1000) : Math.round(n);
  } else return undefined;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Whether a cell looks like a date-time (not a bare number): used to auto-detect the timestamp column. */
export function looksLikeDateTime(text: string): boolean {
  const value = text.trim();
  return !NUMBER.test(value) && parseRecordedTimestamp(value) !== undefined;
}
