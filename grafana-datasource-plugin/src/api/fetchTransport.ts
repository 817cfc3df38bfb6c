import { apiErrorFromResponse } from './LucidApiError';
import { type HttpTransport, requestUrl } from './HttpTransport';

/** The subset of WHATWG `fetch` the transport uses (browser `window.fetch` or Node's global). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * An {@link HttpTransport} over WHATWG fetch against `baseUrl` (the API root, or the Grafana
 * data-proxy route URL `/api/datasources/proxy/uid/<uid>/lucid`). Extra `headers` are sent on
 * every request (tests use them to stand in for a proxy; in Grafana the proxy adds the token).
 */
export function fetchTransport(
  baseUrl: string,
  fetchImpl: FetchLike,
  headers: Record<string, string> = {}
): HttpTransport {
  const root = baseUrl.replace(/\/+$/, '');
  return async <T>(req: Parameters<HttpTransport>[0]): Promise<T> => {
    let res: Response;
    try {
      res = await fetchImpl(`${root}/${requestUrl(req.path, req.params)}`, {
        method: req.method,
        headers: {
          Accept: 'application/json',
          ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        credentials: 'same-origin',
      });
    } catch (err) {
      throw apiErrorFromResponse(0, { message: err instanceof Error ? err.message : String(err) }, req.path);
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    if (!res.ok) {
      throw apiErrorFromResponse(res.status, body, req.path);
    }
    if (typeof body !== 'object' || body === null) {
      throw apiErrorFromResponse(
        res.status,
        { error: 'invalid_response', detail: `expected JSON, got "${text.slice(0, 80)}"` },
        req.path
      );
    }
    return body as T;
  };
}
