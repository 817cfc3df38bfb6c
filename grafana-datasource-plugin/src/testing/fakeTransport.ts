import type { HttpRequest, HttpTransport } from '../api/HttpTransport';
import { LucidApiError } from '../api/LucidApiError';

/** A handler answers a request with a body, or throws (e.g. a LucidApiError). */
export type FakeHandler = (req: HttpRequest) => unknown;

/**
 * An in-memory transport for unit tests: answers by path (the first route whose key is a prefix
 * of `METHOD path`, longest first) and records every request. Unknown paths are a 404 like the
 * store's. The integration test uses a real store instead.
 */
export function fakeTransport(routes: Record<string, FakeHandler>): HttpTransport & { calls: HttpRequest[] } {
  const calls: HttpRequest[] = [];
  const keys = Object.keys(routes).sort((a, b) => b.length - a.length);
  const transport = (async <T>(req: HttpRequest): Promise<T> => {
    calls.push(req);
    const key = keys.find((k) => `${req.method} ${req.path}`.startsWith(k));
    if (!key) {
      throw new LucidApiError(404, 'not_found', 'no such endpoint', req.path);
    }
    return routes[key](req) as T;
  }) as HttpTransport & { calls: HttpRequest[] };
  transport.calls = calls;
  return transport;
}
