/** Query-string values: arrays are sent comma-separated (the store splits them), undefined dropped. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

/** One request to the store API, relative to its root (e.g. `alerts/abc/ack`). */
export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  params?: QueryParams;
  /** JSON body (POST). */
  body?: unknown;
}

/**
 * Sends a request to the store API and resolves with the parsed JSON body of a 2xx answer, or
 * rejects with a `LucidApiError` for anything else. In Grafana this goes through the data
 * proxy (which adds the bearer token); in tests through a proxy that does the same.
 */
export type HttpTransport = <T>(request: HttpRequest) => Promise<T>;

/**
 * Encodes params as a query string (no leading `?`; empty when nothing is set). Arrays become
 * comma lists, empty strings and empty arrays are left out, keys keep their order.
 * @example encodeParams({ severity: ['critical', 'high'], limit: 10 }) // 'severity=critical%2Chigh&limit=10'
 */
export function encodeParams(params: QueryParams | undefined): string {
  if (!params) {
    return '';
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') {
      continue;
    }
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text === '') {
      continue;
    }
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.join('&');
}

/** `path` plus its encoded params. */
export function requestUrl(path: string, params?: QueryParams): string {
  const qs = encodeParams(params);
  return qs ? `${path}?${qs}` : path;
}
