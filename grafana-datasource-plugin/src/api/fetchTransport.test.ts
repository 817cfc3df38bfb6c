import { fetchTransport, type FetchLike } from './fetchTransport';
import { apiErrorFromResponse, LucidApiError } from './LucidApiError';

const reply =
  (status: number, body: string): FetchLike =>
  async () =>
    ({ ok: status >= 200 && status < 300, status, text: async () => body }) as unknown as Response;

describe('fetchTransport', () => {
  it('sends method, URL with query string, JSON body and extra headers', async () => {
    const seen: Array<[string, RequestInit | undefined]> = [];
    const fetch: FetchLike = async (url, init) => {
      seen.push([url, init]);
      return { ok: true, status: 201, text: async () => '{"ok":true}' } as unknown as Response;
    };
    const t = fetchTransport('http://proxy/lucid/', fetch, { Authorization: 'Bearer x' });
    expect(await t({ method: 'POST', path: 'alerts/a%2Fb/ack', params: { limit: 1 }, body: { comment: 'c' } })).toEqual(
      { ok: true }
    );
    expect(seen[0][0]).toBe('http://proxy/lucid/alerts/a%2Fb/ack?limit=1');
    expect(seen[0][1]).toMatchObject({
      method: 'POST',
      body: '{"comment":"c"}',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' },
    });
  });

  it.each([
    [401, '{"error":"unauthorized","detail":"unknown bearer token"}', 401, 'unauthorized', 'unknown bearer token'],
    [502, '{"message":"Bad Gateway"}', 502, 'http_502', 'Bad Gateway'],
    [404, '<html><body>Cannot GET /x</body></html>', 404, 'http_404', '<html><body>Cannot GET /x</body></html>'],
    [200, 'plain text', 200, 'invalid_response', 'expected JSON, got "plain text"'],
  ])('turns HTTP %i into a LucidApiError', async (status, body, errStatus, code, detail) => {
    const err = await fetchTransport(
      'http://x',
      reply(status, body)
    )({ method: 'GET', path: 'health' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LucidApiError);
    expect(err).toMatchObject({ status: errStatus, code, detail, path: 'health' });
  });

  it('reports a network failure as unreachable (status 0)', async () => {
    const err = (await fetchTransport('http://x', async () => {
      throw new TypeError('fetch failed');
    })({ method: 'GET', path: 'alerts' }).catch((e: unknown) => e)) as LucidApiError;
    expect(err).toMatchObject({ status: 0, code: 'unreachable', detail: 'fetch failed' });
    expect(err.unreachable).toBe(true);
    expect(apiErrorFromResponse(504, undefined, 'x').unreachable).toBe(true);
    expect(apiErrorFromResponse(404, undefined, 'x').unreachable).toBe(false);
  });
});
