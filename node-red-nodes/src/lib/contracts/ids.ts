/**
 * The one rule for the ids Lucid receives (device ids and tenants, from MQTT topics, payloads and
 * the fleet): 1 to {@link ID_MAX_LENGTH} characters; no `/`, `+` or `#` (they would change MQTT
 * topics built from the id), no control characters (C0, DEL, C1: a tab breaks MQTT publishing),
 * not `.` or `..` (path-like), and no leading `$` (MQTT reserves `$SYS` and other `$` topics).
 */
export const ID_MAX_LENGTH = 128;

/** {@link ID_PATTERN}'s rule in words, for reject reasons and docs. */
export const ID_RULE = `1 to ${ID_MAX_LENGTH} characters without "/", "+", "#" or control characters, not "." or "..", not starting with "$"`;

/**
 * The id rule as a regular expression source (JSON Schema `pattern`, ECMAScript with the `u` flag).
 * @example new RegExp(ID_PATTERN, 'u').test('t-101') // true
 */
export const ID_PATTERN = `^(?!\\.{1,2}$)(?!\\$)[^/+#\\u0000-\\u001f\\u007f-\\u009f]{1,${ID_MAX_LENGTH}}$`;

const ID_REGEX = new RegExp(ID_PATTERN, 'u');

/**
 * Why `value` is not a valid id, or undefined when it is one (see {@link ID_RULE}).
 * @param field - the name used in the reason, e.g. `deviceId` or `the topic's tenant`.
 * @example idProblem('deviceId', 'a\tb') // 'deviceId "a\\tb" is not a valid id: …'
 */
export function idProblem(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string id (${ID_RULE})`;
  if (ID_REGEX.test(value)) return undefined;
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  const length = value.length > ID_MAX_LENGTH ? ` (${value.length} characters)` : '';
  return `${field} ${shown}${length} is not a valid id: use ${ID_RULE}`;
}
