import type { AlertEvent } from 'node-red-contrib-lucid';
import type { FetchLike } from '../api/fetchTransport';
import { alertFixture } from '../testing/fixtures';
import { openAlertStream } from './openAlertStream';

const event = (id: string, seq: number) =>
  `id: ${seq}\nevent: alert\ndata: ${JSON.stringify({ kind: 'opened', alert: alertFixture({ id }), tsMs: 1, by: 'lucid-route' })}\n\n`;

/** A response whose body yields the given chunks, then ends. */
const streamResponse = (chunks: string[], status = 200) => {
  const encoded = chunks.map((c) => new TextEncoder().encode(c));
  return {
    ok: status === 200,
    status,
    body: {
      getReader: () => ({
        read: async () => (encoded.length ? { done: false, value: encoded.shift() } : { done: true, value: undefined }),
      }),
    },
  } as unknown as Response;
};

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(cond()).toBe(true);
};

describe('openAlertStream', () => {
  it('delivers alert events, reconnects with Last-Event-ID after the server ends the stream, retries after errors, and stops when closed', async () => {
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const answers = [
      () =>
        streamResponse([
          ': ping\n\n',
          event('a', 7).slice(0, 30),
          event('a', 7).slice(30),
          'event: other\ndata: x\n\n',
          'id: 8\nevent: alert\ndata: {broken\n\n',
        ]),
      () => {
        throw new TypeError('fetch failed');
      },
      () => streamResponse([event('b', 9)]),
    ];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, headers: init?.headers as Record<string, string> });
      const next = answers.shift();
      return next ? next() : streamResponse([], 503);
    };
    const got: AlertEvent[] = [];
    const errors: string[] = [];
    const close = openAlertStream({
      baseUrl: 'http://proxy/lucid/',
      fetch,
      params: { severity: ['critical'], site: 'north' },
      onEvent: (e) => got.push(e),
      onError: (e) => errors.push(e.message),
      retryMs: 1,
      maxRetryMs: 4,
    });
    await until(() => got.length === 2);
    close();
    const count = calls.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.length).toBe(count);
    expect(got.map((e) => e.alert.id)).toEqual(['a', 'b']);
    expect(calls[0].url).toBe('http://proxy/lucid/stream?severity=critical&site=north');
    expect(calls[0].headers['Last-Event-ID']).toBeUndefined();
    expect(calls[1].headers['Last-Event-ID']).toBe('8');
    expect(calls[2].headers['Last-Event-ID']).toBe('8');
    expect(errors[0]).toBe('fetch failed');
  });
});
