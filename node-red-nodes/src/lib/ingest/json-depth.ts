/**
 * Deepest nesting a telemetry payload may have: an envelope `{readings: [{metrics: {…}}]}` is 4
 * levels deep. Deeper payloads are refused before they are parsed or validated, whose recursion
 * would otherwise exhaust the stack (`RangeError: Maximum call stack size exceeded`).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Nesting depth of JSON text (objects and arrays), counted in one pass without parsing; stops
 * counting once `limit` is exceeded. Brackets inside strings are ignored. O(length).
 * @returns the depth, or `limit + 1` when it is deeper than `limit`.
 */
export function jsonTextDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return limit + 1;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * Nesting depth of an already-parsed value (objects and arrays), iteratively, so a value nested
 * far deeper than the stack allows is measured too; stops once `limit` is exceeded.
 * @returns the depth, or `limit + 1` when it is deeper than `limit`.
 */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return limit + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
  }
  return deepest;
}
