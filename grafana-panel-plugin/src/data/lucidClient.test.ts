import { makeAlert } from '../__fixtures__/alertFixtures';
import { describeActionError, toLucidClient } from './lucidClient';

function runnerLike() {
  const alert = makeAlert({ id: 'a' });
  const api = {
    alert: jest.fn(async () => ({ alert })),
    keys: jest.fn(async () => ({ keys: [{ keyId: 'k' }], signed: '…' })),
    adaptations: jest.fn(async () => ({ items: [{ id: 'ad', alertId: 'a' }], total: 1 })),
  };
  return {
    postFeedback: jest.fn(async () => alert),
    acknowledge: jest.fn(async () => alert),
    resolve: jest.fn(async () => alert),
    api,
  };
}

describe('toLucidClient', () => {
  it.each([
    ['the data source instance (methods + api getter)', (r: ReturnType<typeof runnerLike>) => r],
    ['an object holding the query runner', (r: ReturnType<typeof runnerLike>) => ({ runner: r })],
  ])('adapts %s', async (_n, wrap) => {
    const r = runnerLike();
    const client = toLucidClient(wrap(r))!;
    await client.act('a', 'false_positive', { comment: 'c' });
    await client.act('a', 'acknowledge');
    await client.act('a', 'resolve', { user: 'u' });
    expect(r.postFeedback).toHaveBeenCalledWith('a', 'false_positive', { comment: 'c' });
    expect(r.acknowledge).toHaveBeenCalledWith('a', undefined);
    expect(r.resolve).toHaveBeenCalledWith('a', { user: 'u' });
    await client.alertDetail!('a', 300);
    expect(r.api.alert).toHaveBeenCalledWith('a', 300);
    expect(await client.publicKeys!()).toEqual([{ keyId: 'k' }]);
    expect(await client.adaptations!()).toEqual([{ id: 'ad', alertId: 'a' }]);
  });

  it('is undefined for another data source', () => {
    expect(toLucidClient({ query: () => undefined })).toBeUndefined();
    expect(toLucidClient(undefined)).toBeUndefined();
  });

  it('leaves out what the data source cannot do', () => {
    const bare: Partial<ReturnType<typeof runnerLike>> = runnerLike();
    delete bare.api;
    const client = toLucidClient(bare)!;
    expect([client.alertDetail, client.publicKeys, client.adaptations]).toEqual([undefined, undefined, undefined]);
  });
});

describe('describeActionError', () => {
  it.each([
    [
      { status: 403, detail: 'token "viewer" has role viewer' },
      { status: 403, message: 'HTTP 403: token "viewer" has role viewer' },
    ],
    [
      { status: 502, data: { message: 'Bad Gateway' } },
      { status: 502, message: 'HTTP 502: Bad Gateway' },
    ],
    [new Error('Failed to fetch'), { status: undefined, message: 'Failed to fetch' }],
    ['boom', { status: undefined, message: 'boom' }],
  ])('%p', (err, expected) => {
    expect(describeActionError(err)).toEqual(expected);
  });
});
