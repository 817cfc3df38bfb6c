import type { AlertEvent } from 'node-red-contrib-lucid';
import type { FetchLike } from '../api/fetchTransport';
import { type QueryParams, requestUrl } from '../api/HttpTransport';
import { SseParser } from './SseParser';

/** Options of {@link openAlertStream}. */
export interface AlertStreamOptions {
  /** URL of the API root (in Grafana: the data-proxy route URL, which adds the token). */
  baseUrl: string;
  fetch: FetchLike;
  /** Filters of `GET stream`: severity list, site, device. */
  params?: QueryParams;
  /** Extra request headers (tests stand in for the proxy with them). */
  headers?: Record<string, string>;
  onEvent: (event: AlertEvent, auditSeq: number) => void;
  /** Called on each failed connection (the stream retries by itself until closed). */
  onError?: (error: Error) => void;
  /** Called when a connection is established. */
  onOpen?: () => void;
  /** First reconnection delay [1000 ms], doubled up to `maxRetryMs` [30000 ms]. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * Follows the store's `GET stream` (server-sent events, `event: alert`, `id:` = audit seq) with
 * `fetch` (not `EventSource`, so that it works the same in browsers and Node and sends headers),
 * reconnecting after errors or when a proxy closes the connection, resuming with `Last-Event-ID`
 * so that no change is lost or repeated. Returns a function that closes the stream for good.
 * Events whose JSON does not parse are skipped.
 */
export function openAlertStream(options: AlertStreamOptions): () => void {
  const controller = new AbortController();
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/${requestUrl('stream', options.params)}`;
  let lastEventId: string | undefined;
  let delay = retryMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const parser = new SseParser();
    try {
      const res = await options.fetch(url, {
        headers: {
          Accept: 'text/event-stream',
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
          ...options.headers,
        },
        signal: controller.signal,
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!res.ok || !res.body) {
        throw new Error(`stream: HTTP ${res.status}`);
      }
      options.onOpen?.();
      delay = retryMs;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        for (const ev of parser.feed(decoder.decode(value, { stream: true }))) {
          lastEventId = parser.lastEventId ?? lastEventId;
          if (ev.event !== 'alert') {
            continue;
          }
          let parsed: AlertEvent;
          try {
            parsed = JSON.parse(ev.data) as AlertEvent;
          } catch {
            continue;
          }
          options.onEvent(parsed, Number(ev.id));
        }
      }
    } catch (err) {
      if (closed) {
        return;
      }
      options.onError?.(err instanceof Error ? err : new Error(String(err)));
      delay = Math.min(delay * 2, maxRetryMs);
    }
    if (!closed) {
      timer = setTimeout(() => void connect(), delay);
    }
  };

  void connect();
  return () => {
    closed = true;
    if (timer) {
      clearTimeout(timer);
    }
    controller.abort();
  };
}
