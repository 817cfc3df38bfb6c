/**
 * Canonical JSON: the byte-exact form that Lucid signs and hashes.
 *
 * Follows the JSON Canonicalization Scheme (RFC 8785) for the values Lucid stores: object keys
 * sorted by UTF-16 code units, no insignificant whitespace, numbers and strings as ECMAScript's
 * `JSON.stringify` writes them (which is what RFC 8785 specifies). Properties whose value is
 * `undefined` are omitted, as `JSON.stringify` does, so an optional field that is absent and one
 * that is `undefined` sign the same.
 *
 * @param value - any JSON value (objects, arrays, strings, finite numbers, booleans, null).
 * @returns the canonical JSON text.
 * @throws TypeError when `value` contains a non-finite number, a bigint, a function or a symbol.
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      }
      const obj = value as Record<string, unknown>;
      if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
        return canonicalJson((obj as { toJSON: () => unknown }).toJSON());
      }
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}
