import { InputError } from '../../../src/lib/contracts/errors';
import { alertFingerprint } from '../../../src/lib/route/fingerprint';
import { NotificationRateLimiter } from '../../../src/lib/route/notification-rate-limiter';
import { parseSilence, silenceMatches } from '../../../src/lib/route/silence-matcher';

describe('alertFingerprint', () => {
  it('is readable, stable and distinguishes ambiguous joins', () => {
    const fp = alertFingerprint('dev-1', 'temperature', 'spike');
    expect(fp).toMatch(/^dev-1\/temperature\/spike#[0-9a-f]{12}$/);
    expect(alertFingerprint('dev-1', 'temperature', 'spike')).toBe(fp);
    // Same readable part, different parts: the hash tells them apart.
    expect(alertFingerprint('a/b', 'c', 'd')).not.toBe(alertFingerprint('a', 'b/c', 'd'));
    expect(alertFingerprint('dev-1', 'temperature', 'drop')).not.toBe(fp);
  });
});

describe('parseSilence / silenceMatches', () => {
  it('accepts untilMs or durationMs and derives an id', () => {
    expect(parseSilence({ deviceId: 'd', untilMs: 500 }, 0)).toMatchObject({ deviceId: 'd', untilMs: 500 });
    const s = parseSilence({ site: 's', durationMs: 1000, reason: 'maintenance', createdBy: 'ops' }, 10_000);
    expect(s).toMatchObject({ site: 's', untilMs: 11_000, reason: 'maintenance', createdBy: 'ops' });
    expect(s.id).toMatch(/^sil-[0-9a-f]{12}$/);
    expect(parseSilence({ site: 's', durationMs: 1000 }, 10_000).id).toBe(s.id);
    expect(parseSilence({ id: 'mine', zone: 'z', untilMs: 1 }, 0).id).toBe('mine');
  });

  it.each([
    [null, /object/],
    [[], /object/],
    [{ untilMs: 5 }, /at least one matcher/],
    [{ deviceId: '', untilMs: 5 }, /deviceId/],
    [{ deviceId: 3, untilMs: 5 }, /deviceId/],
    [{ deviceId: 'd' }, /untilMs/],
    [{ deviceId: 'd', durationMs: -5 }, /durationMs/],
    [{ deviceId: 'd', untilMs: 5, reason: 7 }, /reason/],
  ])('rejects %j', (input, message) => {
    expect(() => parseSilence(input, 0)).toThrow(InputError);
    expect(() => parseSilence(input, 0)).toThrow(message);
  });

  const target = {
    deviceId: 'd1',
    site: 's1',
    zone: 'z1',
    metric: 'temperature',
    type: 'spike',
    fingerprint: 'fp',
  };
  it.each([
    [{ deviceId: 'd1' }, true],
    [{ deviceId: 'd2' }, false],
    [{ site: 's1', zone: 'z1' }, true],
    [{ site: 's1', zone: 'z2' }, false],
    [{ metric: 'temperature', type: 'spike' }, true],
    [{ type: 'drop' }, false],
    [{ fingerprint: 'fp' }, true],
  ])('%j matches: %s', (silence, expected) => expect(silenceMatches(silence, target)).toBe(expected));
});

describe('NotificationRateLimiter', () => {
  const limits = {
    slack: { maxPerWindow: 2, rateWindowMs: 1000 },
    webhook: { maxPerWindow: 1, rateWindowMs: 1000 },
  };
  const drop = (id: string) => ({
    alertId: id,
    incidentId: 'i',
    deviceId: 'd',
    severity: 'high' as const,
    title: 't',
  });

  it('admits maxPerWindow per channel, counts the excess and summarises it once after the window', () => {
    const rl = new NotificationRateLimiter(limits);
    expect([rl.tryAcquire('slack', 0), rl.tryAcquire('slack', 10), rl.tryAcquire('slack', 20)]).toEqual([
      true,
      true,
      false,
    ]);
    rl.recordDropped('slack', drop('a'));
    expect(rl.tryAcquire('webhook', 20)).toBe(true); // channels are independent
    expect(rl.roll('slack', 999)).toBeUndefined(); // window still running
    expect(rl.totals()).toEqual({ dropped: 1, summaries: 0, pending: 1 });
    const s = rl.roll('slack', 1000);
    expect(s).toMatchObject({ channel: 'slack', fromMs: 0, toMs: 1000, count: 1, bySeverity: { high: 1 } });
    expect(rl.roll('slack', 1001)).toBeUndefined();
    expect(rl.tryAcquire('slack', 1001)).toBe(true);
    expect(rl.totals()).toEqual({ dropped: 1, summaries: 1, pending: 0 });
  });

  it('survives a snapshot', () => {
    const rl = new NotificationRateLimiter(limits);
    rl.tryAcquire('webhook', 0);
    expect(rl.tryAcquire('webhook', 1)).toBe(false);
    rl.recordDropped('webhook', drop('x'));
    const copy = new NotificationRateLimiter(limits, JSON.parse(JSON.stringify(rl.snapshot())));
    expect(copy.tryAcquire('webhook', 2)).toBe(false);
    expect(copy.roll('webhook', 1000)?.count).toBe(1);
  });
});
