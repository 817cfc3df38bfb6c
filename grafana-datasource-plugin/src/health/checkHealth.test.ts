import { LucidApi } from '../api/LucidApi';
import { LucidApiError } from '../api/LucidApiError';
import { fakeTransport } from '../testing/fakeTransport';
import { pageOf } from '../testing/fixtures';
import { checkHealth } from './checkHealth';

const URL = 'http://node-red:1880/lucid/api';
const health = {
  status: 'ok',
  engine: 'sqlite',
  schemaVersion: 3,
  alerts: 12,
  auditHead: 40,
  keyId: 'ed25519:abc',
  role: 'operator',
  timeMs: 1,
};
const openapi = { info: { title: 'Lucid store API', version: '1.0.0' } };
const fail = (status: number, code: string, detail: string) => () => {
  throw new LucidApiError(status, code, detail, 'health');
};

describe('checkHealth (testDatasource)', () => {
  it('succeeds with engine, schema, alert count, API version and the token role', async () => {
    const res = await checkHealth(
      new LucidApi(
        fakeTransport({ 'GET health': () => health, 'GET openapi.json': () => openapi, 'GET alerts': () => pageOf([]) })
      ),
      URL
    );
    expect(res.status).toBe('success');
    expect(res.message).toBe(
      'Connected to the Lucid store API 1.0.0 (sqlite, schema v3, 12 alerts). Token role: operator (read, feedback, acknowledge and resolve).'
    );
  });

  it.each([
    [
      'unreachable (no answer)',
      fail(0, 'unreachable', 'connect ECONNREFUSED'),
      /^Cannot reach the Lucid store at http:\/\/node-red:1880\/lucid\/api \(no answer: connect ECONNREFUSED\)/,
      /reachable from the Grafana server/,
    ],
    [
      'unreachable (bad gateway from the data proxy)',
      fail(502, 'http_502', 'Bad Gateway'),
      /^Cannot reach the Lucid store .*HTTP 502/,
      /Node-RED/,
    ],
    [
      '401',
      fail(401, 'unauthorized', 'unknown bearer token'),
      /refused the API token \(401 unauthorized: unknown bearer token\)/,
      /lucid-store config node/,
    ],
    ['403', fail(403, 'forbidden', 'token "x" has role viewer'), /Access denied \(403 forbidden/, /role/],
    [
      '404 (wrong URL)',
      fail(404, 'not_found', 'no such endpoint'),
      /No Lucid store API at http:\/\/node-red:1880\/lucid\/api \(404 on health\)/,
      /\/lucid\/api/,
    ],
    ['500', fail(500, 'internal', 'internal error'), /answered HTTP 500 \(internal\): internal error/, undefined],
  ])('explains %s', async (_name, handler, message, advice) => {
    const res = await checkHealth(new LucidApi(fakeTransport({ 'GET health': handler })), URL);
    expect(res.status).toBe('error');
    expect(res.message).toMatch(message);
    if (advice) {
      expect(res.details?.message).toMatch(advice);
    }
  });

  it('reports a server that is not a Lucid store', async () => {
    const res = await checkHealth(new LucidApi(fakeTransport({ 'GET health': () => ({ hello: 'world' }) })), URL);
    expect(res).toMatchObject({ status: 'error', message: expect.stringMatching(/not like a Lucid store/) });
  });

  it('reports a missing token (without one, health only says the store is up)', async () => {
    const res = await checkHealth(
      new LucidApi(fakeTransport({ 'GET health': () => ({ status: 'ok', role: null }) })),
      URL
    );
    expect(res).toMatchObject({
      status: 'error',
      message: 'The Lucid store is reachable, but no API token reached it.',
    });
  });

  it.each([['2.0.0'], ['0.9.1'], [undefined]])('reports an incompatible API version %s', async (version) => {
    const res = await checkHealth(
      new LucidApi(
        fakeTransport({
          'GET health': () => health,
          'GET openapi.json': () => ({ info: { version } }),
          'GET alerts': () => pageOf([]),
        })
      ),
      URL
    );
    expect(res.status).toBe('error');
    expect(res.message).toMatch(
      new RegExp(`Incompatible Lucid store API version "${version ?? 'unknown'}": this plugin speaks version 1\\.x`)
    );
  });

  it('reports a token that cannot read alerts', async () => {
    const res = await checkHealth(
      new LucidApi(
        fakeTransport({
          'GET health': () => health,
          'GET openapi.json': () => openapi,
          'GET alerts': () => {
            throw new LucidApiError(403, 'forbidden', 'no read', 'alerts');
          },
        })
      ),
      URL
    );
    expect(res.message).toMatch(/^Access denied \(403/);
  });
});
