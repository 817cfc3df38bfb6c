import { ConfigError } from '../../../src/lib/contracts/errors';
import { DEFAULT_ROUTE_OPTIONS, resolveRouteOptions } from '../../../src/lib/route/route-options';

describe('resolveRouteOptions', () => {
  it('fills defaults and normalises weights to sum 1', () => {
    const o = resolveRouteOptions({
      resolveAfterMs: 1000,
      weights: { deviation: 1, criticality: 1, confidence: 0, blastRadius: 0, recurrence: 0 },
    });
    expect(o.resolveAfterMs).toBe(1000);
    expect(o.openAfterCount).toBe(DEFAULT_ROUTE_OPTIONS.openAfterCount);
    expect(o.weights.deviation).toBeCloseTo(0.5, 12);
    expect(Object.values(o.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(o.channels.slack).toEqual(DEFAULT_ROUTE_OPTIONS.channels.slack);
  });

  it('merges a partial channel', () => {
    const o = resolveRouteOptions({
      channels: { slack: { minSeverity: 'high', url: 'https://hooks.slack.com/services/x' } },
    });
    expect(o.channels.slack).toMatchObject({
      enabled: true,
      minSeverity: 'high',
      url: 'https://hooks.slack.com/services/x',
      maxPerWindow: 10,
    });
    expect(o.channels.webhook.url).toBeUndefined();
  });

  it.each([
    [{ openAfterCount: 0 }, /openAfterCount/],
    [{ openAfterCount: 1.5 }, /openAfterCount/],
    [{ resolveAfterMs: -1 }, /resolveAfterMs/],
    [{ resolveAfterMs: NaN }, /resolveAfterMs/],
    [{ updateIntervalMs: '5' as unknown as number }, /updateIntervalMs/],
    [{ weights: { deviation: 0, criticality: 0, confidence: 0, blastRadius: 0, recurrence: 0 } }, /weights/],
    [{ weights: { deviation: -1 } }, /weights.deviation/],
    [{ severityThresholds: { high: 90 } }, /severityThresholds/],
    [{ channels: { slack: { minSeverity: 'urgent' as never } } }, /channels.slack.minSeverity/],
    [{ channels: { webhook: { maxPerWindow: 0 } } }, /channels.webhook.maxPerWindow/],
    [{ channels: { webhook: { url: 'ftp://x' } } }, /channels.webhook.url/],
    [{ channels: { slack: { rateWindowMs: 10 } } }, /rateWindowMs/],
    [{ notifyResolved: 'yes' as never }, /notifyResolved/],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveRouteOptions(partial)).toThrow(ConfigError);
    expect(() => resolveRouteOptions(partial)).toThrow(message);
  });
});
