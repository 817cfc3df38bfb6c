/**
 * A failed call to the Lucid store API, normalised from whatever the transport saw: the store's
 * JSON error body `{error, detail}`, a Grafana data-proxy error, or a network failure.
 *
 * `status` is the HTTP status (0 when no HTTP answer arrived at all); `code` is the store's
 * error code (`unauthorized`, `forbidden`, `invalid_query`, `not_found`, `conflict`...) or
 * `unreachable` / `http_<status>` / `invalid_response` when the store did not answer itself.
 */
export class LucidApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** The path that failed, relative to the API root (e.g. `alerts`). */
    readonly path: string
  ) {
    super(`${path}: ${status ? `HTTP ${status} ` : ''}${code}: ${detail}`);
    this.name = 'LucidApiError';
  }

  /** True when the request never reached the store (network error, bad gateway, timeout). */
  get unreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/**
 * Builds a {@link LucidApiError} from an HTTP status and a response body of unknown shape.
 * The store answers `{error, detail}`; Grafana's data proxy answers `{message}`; anything else
 * (HTML from another server, plain text) is summarised by its first characters.
 */
export function apiErrorFromResponse(status: number, body: unknown, path: string): LucidApiError {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; detail?: unknown; message?: unknown };
    if (typeof b.error === 'string') {
      return new LucidApiError(status, b.error, typeof b.detail === 'string' ? b.detail : b.error, path);
    }
    if (typeof b.message === 'string') {
      return new LucidApiError(status, status === 0 ? 'unreachable' : `http_${status}`, b.message, path);
    }
  }
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim().slice(0, 120) : '';
  return new LucidApiError(status, status === 0 ? 'unreachable' : `http_${status}`, text || 'no details', path);
}
