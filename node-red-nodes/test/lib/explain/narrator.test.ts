import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../../src/lib/contracts/errors';
import { narrativeSubject, type NarrativeUpdate } from '../../../src/lib/contracts/types';
import { Narrator, type NarrativeOutcome, type NarratorOptions } from '../../../src/lib/explain/narrator';
import { startChatServer, type ChatServer } from '../../../../test-support/chat-server';
import { T0 } from './fixtures';
import { explainedSpike, fleetVocabulary } from './narrative-fixtures';

const GROUNDED =
  'Temperature on dev-007 rose 18.2 °C in 5 min, to 41.3 °C. A short-lived heat source near the device is the likely cause (91%). Look for a heat source near the device.';

let server: ChatServer;
beforeEach(async () => {
  server = await startChatServer();
});
afterEach(() => server.close());

function narrator(extra: Partial<NarratorOptions> = {}) {
  const outcomes: NarrativeOutcome[] = [];
  const ready: NarrativeUpdate[] = [];
  const n = new Narrator({
    endpoint: { url: server.url, model: 'llama3.2:3b', timeoutMs: 2000 },
    vocabulary: fleetVocabulary,
    onOutcome: (o) => outcomes.push(o),
    ...extra,
  });
  const narrate = (d = explainedSpike()) => n.narrate(d, (u) => ready.push(u));
  return { n, outcomes, ready, narrate };
}

describe('Narrator', () => {
  it('returns at once, then delivers a grounded narrative marked as generated, with the model it names', async () => {
    server.queue({ kind: 'completion', text: GROUNDED, model: 'llama3.2:3b-instruct-q4' });
    const { n, outcomes, ready, narrate } = narrator();
    const d = explainedSpike();
    expect(narrate(d)).toBeUndefined();
    expect(ready).toHaveLength(0); // never synchronously
    await n.idle();
    expect(outcomes).toEqual(['generated']);
    expect(ready).toEqual([
      {
        deviceId: 'dev-007',
        narrative: {
          text: GROUNDED,
          generated: true,
          model: 'llama3.2:3b-instruct-q4',
          subject: narrativeSubject(d.explanation!),
          tsMs: T0,
          createdMs: expect.any(Number),
        },
      },
    ]);
  });

  it('sends only the evidence, with the model, temperature 0 and the key as a bearer token', async () => {
    server.queue({ kind: 'completion', text: GROUNDED });
    const { n, narrate } = narrator({
      endpoint: { url: server.url, model: 'llama3.2:3b', timeoutMs: 2000, apiKey: 'sk-test' },
    });
    const d = explainedSpike();
    d.reading.tenant = 'acme';
    narrate(d);
    await n.idle();
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0];
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toMatchObject({ model: 'llama3.2:3b', temperature: 0, stream: false });
    const user = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
    expect(user).toContain(`Summary: ${d.explanation?.summary}`);
    expect(JSON.stringify(req.body)).not.toContain('acme');
  });

  it('serves the same device and subject from its cache, synchronously, without asking again', async () => {
    server.queue({ kind: 'completion', text: GROUNDED });
    const { n, outcomes, narrate } = narrator();
    narrate();
    await n.idle();
    const later = explainedSpike('dev-007', T0 + 60_000);
    expect(narrate(later)).toMatchObject({ text: GROUNDED, generated: true, tsMs: T0 });
    expect(outcomes).toEqual(['generated', 'cached']);
    expect(server.requests).toHaveLength(1);
  });

  it('does not reuse a narrative for evidence further away in event time than the cache lifetime', async () => {
    server.fallback = { kind: 'completion', text: GROUNDED };
    const { n, outcomes, narrate } = narrator({ cacheTtlMs: 10 * 60_000 });
    narrate();
    await n.idle();
    expect(narrate(explainedSpike('dev-007', T0 + 5 * 60_000))).toMatchObject({ tsMs: T0 });
    // Same subject, but an hour of event time later (a replay, or a later episode): asked again.
    expect(narrate(explainedSpike('dev-007', T0 + 60 * 60_000))).toBeUndefined();
    await n.idle();
    // And never for a detection older than the evidence the narrative read.
    expect(narrate(explainedSpike('dev-007', T0 - 60_000))).toBeUndefined();
    await n.idle();
    expect(outcomes).toEqual(['generated', 'cached', 'generated', 'generated']);
    expect(server.requests).toHaveLength(3);
  });

  it('asks once while a request for the same subject is in flight', async () => {
    server.queue({ kind: 'completion', text: GROUNDED, delayMs: 100 });
    const { n, narrate } = narrator();
    narrate();
    narrate();
    await n.idle();
    expect(server.requests).toHaveLength(1);
  });

  it.each<[string, () => void, NarrativeOutcome]>([
    [
      'an answer with invented numbers',
      () => server.queue({ kind: 'completion', text: 'Temperature rose 25 °C in 12 min on dev-007.' }),
      'rejected',
    ],
    [
      'an answer naming another device',
      () => server.queue({ kind: 'completion', text: 'Temperature rose 18.2 °C on dev-009.' }),
      'rejected',
    ],
    ['a slow answer', () => server.queue({ kind: 'completion', text: GROUNDED, delayMs: 1500 }), 'timeout'],
    ['an HTTP 500', () => server.queue({ kind: 'status', status: 500, body: 'boom' }), 'http_error'],
    ['an HTTP 429', () => server.queue({ kind: 'status', status: 429, body: 'slow down' }), 'http_error'],
    ['a body that is not JSON', () => server.queue({ kind: 'raw', body: '<html>oops' }), 'garbage'],
    ['JSON without choices', () => server.queue({ kind: 'raw', body: '{"error": "no"}' }), 'garbage'],
    ['an empty completion', () => server.queue({ kind: 'completion', text: '  ' }), 'garbage'],
  ])(
    'falls back to the template text on %s, counted, and does not ask again at once',
    async (_n, arrange, expected) => {
      arrange();
      const { n, outcomes, ready, narrate } = narrator({
        endpoint: { url: server.url, model: 'm', timeoutMs: 300 },
      });
      narrate();
      await n.idle();
      expect(outcomes).toEqual([expected]);
      expect(ready).toEqual([]);
      expect(narrate()).toBeUndefined();
      await n.idle();
      expect(server.requests).toHaveLength(1);
    },
  );

  it('counts an endpoint that is down as unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { n, outcomes, ready, narrate } = narrator({
      endpoint: { url: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 2000 },
    });
    narrate();
    await n.idle();
    expect(outcomes).toEqual(['unreachable']);
    expect(ready).toEqual([]);
  });

  it('rate-limits requests per minute with a token bucket', async () => {
    let now = 1_000_000;
    server.fallback = { kind: 'completion', text: 'Temperature rose 18.2 °C in 5 min, to 41.3 °C.' };
    const { n, outcomes, narrate } = narrator({ ratePerMin: 1, cacheTtlMs: 0, nowMs: () => now });
    narrate(explainedSpike('dev-007'));
    await n.idle();
    narrate(explainedSpike('dev-008'));
    expect(outcomes).toEqual(['generated', 'rate_limited']);
    now += 60_000;
    narrate(explainedSpike('dev-008'));
    await n.idle();
    expect(outcomes).toEqual(['generated', 'rate_limited', 'generated']);
    expect(server.requests).toHaveLength(2);
  });

  it('narrates no recovery and nothing after close, and drops the answer in flight uncounted', async () => {
    server.queue({ kind: 'completion', text: GROUNDED, delayMs: 200 });
    const { n, outcomes, ready, narrate } = narrator();
    const recovery = explainedSpike();
    recovery.explanation = { ...recovery.explanation!, phase: 'recovery' };
    expect(narrate(recovery)).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    narrate();
    n.close();
    await n.idle();
    expect(outcomes).toEqual([]);
    expect(ready).toEqual([]);
  });

  it.each([
    ['url', { endpoint: { url: 'ftp://x', model: 'm', timeoutMs: 1 } }, /narrative URL/],
    ['model', { endpoint: { url: 'http://x', model: ' ', timeoutMs: 1 } }, /narrative model/],
    ['timeout', { endpoint: { url: 'http://x', model: 'm', timeoutMs: 0 } }, /narrative timeout/],
    ['rate', { endpoint: { url: 'http://x', model: 'm', timeoutMs: 1 }, ratePerMin: -1 }, /narrative rate/],
    [
      'cache',
      { endpoint: { url: 'http://x', model: 'm', timeoutMs: 1 }, cacheTtlMs: NaN },
      /narrative cache/,
    ],
  ])('refuses a bad %s with a ConfigError', (_name, options, message) => {
    const make = () => new Narrator({ ...(options as NarratorOptions), vocabulary: fleetVocabulary });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });
});
