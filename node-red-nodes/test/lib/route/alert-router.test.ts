import { InputError } from '../../../src/lib/contracts/errors';
import type { Detection } from '../../../src/lib/contracts/types';
import { AlertRouter, type RouteResult } from '../../../src/lib/route/alert-router';
import { alertFingerprint } from '../../../src/lib/route/fingerprint';
import { resolveRouteOptions, type RouteOptionsInput } from '../../../src/lib/route/route-options';
import { det, FLEET, MIN, T0 } from './fixtures';

const quiet: RouteOptionsInput = { channels: { slack: { enabled: false }, webhook: { enabled: false } } };
/** A router with both channels off unless `o` turns one on. */
const router = (o: RouteOptionsInput = {}) =>
  new AlertRouter(
    resolveRouteOptions({
      ...o,
      channels: {
        slack: { ...quiet.channels!.slack, ...o.channels?.slack },
        webhook: { ...quiet.channels!.webhook, ...o.channels?.webhook },
      },
    }),
    FLEET,
    () => T0,
  );
const kinds = (r: RouteResult) => [...r.events, ...r.resolved].map((e) => e.kind);

/** Runs detections one message at a time and collects every output. */
function runEach(rt: AlertRouter, ds: Detection[]): RouteResult {
  const all: RouteResult = { events: [], notifications: [], resolved: [], incidents: [], invalid: [] };
  for (const d of ds) {
    const r = rt.route([d]);
    all.events.push(...r.events);
    all.notifications.push(...r.notifications);
    all.resolved.push(...r.resolved);
    all.incidents.push(...r.incidents);
    all.invalid.push(...r.invalid);
  }
  return all;
}

describe('AlertRouter: opening, de-duplication and updates', () => {
  it('opens one alert per fingerprint and de-duplicates repeats, emitting updated at most once per interval', () => {
    const rt = router({ updateIntervalMs: 5 * MIN });
    // 20 anomalous readings 1 min apart, same fingerprint.
    const ds = Array.from({ length: 20 }, (_, i) => det({ tsMs: T0 + i * MIN }));
    const r = rt.route(ds);
    expect(r.events.map((e) => e.kind)).toEqual(['opened', 'updated', 'updated', 'updated']); // at 0, 5, 10, 15 min
    expect(r.events.map((e) => e.tsMs - T0)).toEqual([0, 5 * MIN, 10 * MIN, 15 * MIN]);
    const open = rt.openAlerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      count: 20,
      firstSeenMs: T0,
      lastSeenMs: T0 + 19 * MIN,
      status: 'open',
      fingerprint: alertFingerprint('dev-a1', 'temperature', 'spike'),
      tenant: 'default',
      site: 'plant-1',
      zone: 'zone-a',
      metric: 'temperature',
    });
    expect(new Set(r.events.map((e) => e.alert.id)).size).toBe(1);
  });

  it("folds a device's anomalies on other metrics and types into its open alert; keeps devices, tenants and connectivity apart", () => {
    const rt = router();
    rt.route([
      det({ tsMs: T0 }),
      det({ tsMs: T0, type: 'drop', title: 'Temperature drop on dev-a1' }),
      det({ tsMs: T0, metric: 'humidity' }),
      det({ tsMs: T0, tenant: 'acme' }),
      det({ tsMs: T0 + 1 }),
      det({ tsMs: T0 + 2, metric: 'connectivity', type: 'connectivity_loss', metrics: { connectivity: 0 } }),
      det({ tsMs: T0 + 3, deviceId: 'dev-a2' }),
    ]);
    const open = rt.openAlerts();
    expect(open).toHaveLength(4);
    expect(open.map((a) => `${a.tenant}/${a.deviceId}/${a.metric}`).sort()).toEqual([
      'acme/dev-a1/temperature',
      'default/dev-a1/connectivity',
      'default/dev-a1/temperature',
      'default/dev-a2/temperature',
    ]);
    const a1 = open.find(
      (a) => a.tenant === 'default' && a.deviceId === 'dev-a1' && a.metric === 'temperature',
    );
    expect(a1?.count).toBe(4);
    // The latest explanation is kept; each change of type or title is in the history.
    expect(a1?.explanationHistory?.map((h) => `${h.type}: ${h.title}`)).toEqual([
      'spike: Temperature spike on dev-a1',
      'drop: Temperature drop on dev-a1',
      'spike: Temperature spike on dev-a1',
    ]);
  });

  it('escalates severity at once (and never lowers it while open)', () => {
    const rt = router({ updateIntervalMs: 60 * MIN });
    const r = rt.route([
      det({ deviceId: 'dev-b1', tsMs: T0, score: 0.3, confidence: 0.2 }),
      det({
        deviceId: 'dev-b1',
        tsMs: T0 + MIN,
        score: 1,
        confidence: 1,
        related: ['dev-a1', 'dev-a2', 'x', 'y'],
      }),
      det({ deviceId: 'dev-b1', tsMs: T0 + 2 * MIN, score: 0.3, confidence: 0.2 }),
    ]);
    expect(r.events.map((e) => e.kind)).toEqual(['opened', 'updated']);
    const [opened, updated] = r.events;
    expect(updated.alert.priority).toBeGreaterThan(opened.alert.priority);
    expect(['critical', 'high', 'medium', 'low', 'info'].indexOf(updated.alert.severity)).toBeLessThan(
      ['critical', 'high', 'medium', 'low', 'info'].indexOf(opened.alert.severity),
    );
    expect(rt.openAlerts()[0].priority).toBe(updated.alert.priority);
    expect(rt.openAlerts()[0].score.score).toBe(1); // the peak detection is kept
  });

  it('gives deterministic ids: a replay of the same detections yields the same alerts', () => {
    const ds = [
      det({ tsMs: T0 }),
      det({ tsMs: T0, deviceId: 'dev-a2' }),
      det({ tsMs: T0 + 20 * MIN, anomalous: false }),
    ];
    const a = router().route(ds);
    const b = router().route(JSON.parse(JSON.stringify(ds)));
    expect(b.events).toEqual(a.events);
    expect(b.resolved).toEqual(a.resolved);
    expect(a.events[0].alert.id).toMatch(/^al-[0-9a-f]{16}$/);
    expect(a.events[0].alert.id).not.toBe(a.events[1].alert.id);
  });

  it('a fingerprint that resolves and recurs opens a new alert with a new id and a higher recurrence priority', () => {
    const rt = router({ resolveAfterMs: 5 * MIN });
    const r = runEach(rt, [
      det({ tsMs: T0 }),
      det({ tsMs: T0 + MIN, anomalous: false }),
      det({ tsMs: T0 + 7 * MIN, anomalous: false }),
      det({ tsMs: T0 + 10 * MIN }),
    ]);
    expect(kinds(r)).toEqual(['opened', 'opened', 'resolved']);
    const [first, second] = r.events;
    expect(second.alert.id).not.toBe(first.alert.id);
    expect(second.alert.priority).toBeGreaterThan(first.alert.priority);
  });

  it('keeps an alert open while the device is in an anomalous episode, without new events, and resolves after it ends', () => {
    const rt = router({ resolveAfterMs: 5 * MIN, channels: { webhook: { enabled: true } } });
    const inEpisode = (tsMs: number) => {
      const d = det({ tsMs, anomalous: false });
      d.score.episode = { active: true, sinceTsMs: T0 };
      return d;
    };
    const ds = [det({ tsMs: T0 })];
    for (let m = 1; m <= 20; m++) ds.push(inEpisode(T0 + m * MIN));
    const during = runEach(rt, ds);
    expect(kinds(during)).toEqual(['opened']);
    expect(during.notifications).toHaveLength(1);
    const after = runEach(rt, [
      det({ tsMs: T0 + 21 * MIN, anomalous: false }),
      det({ tsMs: T0 + 27 * MIN, anomalous: false }),
    ]);
    expect(kinds(after)).toEqual(['resolved']);
  });

  it('ignores a new_normal adaptation (it belongs to lucid-detect)', () => {
    const rt = router();
    const a = {
      id: 'nn',
      kind: 'new_normal',
      deviceId: 'dev-a1',
      createdBy: 'ana',
      reason: 'r',
      tsMs: T0,
    } as const;
    expect(rt.applyAdaptation(a)).toEqual({ applied: false, events: [] });
  });

  it('uses a fallback explanation when lucid-explain did not run', () => {
    const rt = router();
    const d = det({ tsMs: T0, explanation: null });
    (d.score.evidence as unknown) = { metrics: { temperature: { kind: 'rate' } } };
    const r = rt.route([d]);
    expect(r.events[0].alert.fingerprint).toBe(alertFingerprint('dev-a1', 'temperature', 'rate'));
    expect(r.events[0].alert.explanation.summary).toMatch(/no explanation/);
  });

  it('skips invalid detections, lists them and keeps routing the rest of the batch', () => {
    const rt = router();
    const r = rt.route([
      null,
      42,
      { reading: {}, score: {} },
      det({ tsMs: T0 }),
      { reading: { deviceId: 'x', tsMs: NaN }, score: { score: 1, isAnomaly: true } },
    ]);
    expect(r.invalid.map((i) => i.index)).toEqual([0, 1, 2, 4]);
    expect(r.invalid.every((i) => i.code === 'invalid_detection')).toBe(true);
    expect(r.invalid[3].message).toMatch(/reading.tsMs/);
    expect(r.events).toHaveLength(1);
    expect(rt.route([]).events).toEqual([]);
  });
});

describe('AlertRouter: hysteresis', () => {
  it('opens only after openAfterCount anomalies within openWindowMs', () => {
    const rt = router({ openAfterCount: 3, openWindowMs: 5 * MIN });
    // Two anomalies, then a gap longer than the window: the count restarts.
    expect(rt.route([det({ tsMs: T0 }), det({ tsMs: T0 + MIN })]).events).toEqual([]);
    expect(rt.route([det({ tsMs: T0 + 10 * MIN }), det({ tsMs: T0 + 11 * MIN })]).events).toEqual([]);
    const r = rt.route([det({ tsMs: T0 + 12 * MIN })]);
    expect(r.events.map((e) => e.kind)).toEqual(['opened']);
    expect(r.events[0].alert).toMatchObject({ firstSeenMs: T0 + 10 * MIN, count: 3 });
  });

  it.each([
    ['1 min alternation, resolveAfterMs 5 min', { resolveAfterMs: 5 * MIN }, 1],
    ['30 s alternation, resolveAfterMs 2 min', { resolveAfterMs: 2 * MIN }, 0.5],
    [
      '1 min alternation, count-based resolution of 3 readings',
      { resolveAfterMs: 60 * MIN, resolveAfterCount: 3 },
      1,
    ],
    ['1 min alternation, openAfterCount 2', { resolveAfterMs: 5 * MIN, openAfterCount: 2 }, 1],
  ])('flapping input (%s) opens once and resolves once', (_name, o, stepMin) => {
    const rt = router(o);
    const ds: Detection[] = [];
    let t = T0;
    for (let i = 0; i < 60; i += 1) {
      ds.push(det({ tsMs: t, anomalous: i % 2 === 0 }));
      t += stepMin * MIN;
    }
    for (let i = 0; i < 20; i += 1) {
      ds.push(det({ tsMs: t, anomalous: false }));
      t += stepMin * MIN;
    }
    // Once as one batch, once message by message: same outcome.
    for (const r of [rt.route(ds), runEach(router(o), ds)]) {
      const all = kinds(r).filter((k) => k !== 'updated');
      expect(all).toEqual(['opened', 'resolved']);
      expect(r.resolved[0].alert.status).toBe('resolved');
      expect(r.resolved[0].alert.resolvedMs).toBeGreaterThan(T0 + 59 * stepMin * MIN);
    }
  });

  it('resolves after resolveAfterMs of normal event time, measured from the first normal reading', () => {
    const rt = router({ resolveAfterMs: 5 * MIN });
    rt.route([det({ tsMs: T0 })]);
    expect(
      rt.route([det({ tsMs: T0 + MIN, anomalous: false }), det({ tsMs: T0 + 5 * MIN, anomalous: false })])
        .resolved,
    ).toEqual([]);
    const r = rt.route([det({ tsMs: T0 + 6 * MIN, anomalous: false })]);
    expect(r.resolved).toHaveLength(1);
    expect(r.resolved[0].alert.resolvedMs).toBe(T0 + 6 * MIN);
    expect(rt.openAlerts()).toEqual([]);
    // Later normal readings resolve nothing more.
    expect(rt.route([det({ tsMs: T0 + 20 * MIN, anomalous: false })]).resolved).toEqual([]);
  });

  it("needs normal readings of the alert's own device; an ongoing re-explanation keeps it open", () => {
    const rt = router({ resolveAfterMs: MIN });
    rt.route([det({ tsMs: T0 })]);
    const other = [
      det({ tsMs: T0 + 10 * MIN, deviceId: 'dev-a2', anomalous: false }),
      det({ tsMs: T0 + 11 * MIN, deviceId: 'dev-a2', anomalous: false }),
    ];
    expect(rt.route(other).resolved).toEqual([]);
    // Normal readings while the episode's metrics are still away from normal: re-explained, still open.
    const ongoing = (tsMs: number) => ({
      ...det({ tsMs, anomalous: false }),
      explanation: { ...det({ tsMs }).explanation!, phase: 'ongoing' as const },
    });
    const still = rt.route([ongoing(T0 + 12 * MIN), ongoing(T0 + 14 * MIN)]);
    expect(still.resolved).toEqual([]);
    expect(still.events.map((e) => e.kind)).toEqual([]);
    expect(rt.openAlerts()[0].count).toBe(1);
    const back = rt.route([
      det({ tsMs: T0 + 15 * MIN, anomalous: false }),
      det({ tsMs: T0 + 16 * MIN, anomalous: false }),
    ]);
    expect(back.resolved).toHaveLength(1);
  });

  it('treats a recovery (a metric returning to normal, flagged by the detector) as normal: it opens nothing', () => {
    const rt = router({ resolveAfterMs: MIN });
    rt.route([det({ tsMs: T0 })]);
    const recovery = (tsMs: number) =>
      det({ tsMs, type: 'drop', explanation: { phase: 'recovery', title: 'Temperature drop on dev-a1' } });
    const r = rt.route([recovery(T0 + MIN), recovery(T0 + 2 * MIN)]);
    expect(r.events).toEqual([]);
    expect(r.resolved.map((e) => e.alert.explanation.title)).toEqual(['Temperature spike on dev-a1']);
    expect(rt.route([recovery(T0 + 10 * MIN)]).events).toEqual([]);
    expect(rt.openAlerts()).toEqual([]);
  });

  it('folds a correlated neighbour into one alert listing every device, resolved when all are normal', () => {
    const rt = router({ resolveAfterMs: MIN });
    rt.route([det({ tsMs: T0, deviceId: 'dev-a1' })]);
    const joined = rt.route([
      det({
        tsMs: T0 + 20_000,
        deviceId: 'dev-a2',
        type: 'correlated_event',
        title: 'Temperature rise across zone-a (2 devices)',
        related: ['dev-a1'],
      }),
    ]);
    expect(joined.events.map((e) => e.kind)).toEqual([]);
    const [alert] = rt.openAlerts();
    expect(alert.deviceIds).toEqual(['dev-a1', 'dev-a2']);
    expect(alert.explanation.title).toBe('Temperature rise across zone-a (2 devices)');
    expect(rt.openIncidents()[0].deviceIds).toEqual(['dev-a1', 'dev-a2']);
    // A member's own, uncorrelated view does not replace the zone explanation.
    rt.route([det({ tsMs: T0 + MIN, deviceId: 'dev-a1', title: 'Temperature drift on dev-a1' })]);
    expect(rt.openAlerts()[0].explanation.title).toBe('Temperature rise across zone-a (2 devices)');
    // dev-a1 normal for 2 min is not enough while dev-a2 has not been normal.
    const half = rt.route([
      det({ tsMs: T0 + 2 * MIN, deviceId: 'dev-a1', anomalous: false }),
      det({ tsMs: T0 + 4 * MIN, deviceId: 'dev-a1', anomalous: false }),
    ]);
    expect(half.resolved).toEqual([]);
    const all = rt.route([
      det({ tsMs: T0 + 5 * MIN, deviceId: 'dev-a2', anomalous: false }),
      det({ tsMs: T0 + 6 * MIN, deviceId: 'dev-a2', anomalous: false }),
    ]);
    expect(all.resolved).toHaveLength(1);
    expect(rt.openIncidents()).toEqual([]);
  });

  it('after the device clock jumped back, resolves on the new clock and never before the alert was last seen', () => {
    const rt = router({ resolveAfterMs: 5 * MIN });
    rt.route([
      det({ tsMs: T0, metric: 'connectivity', type: 'connectivity_loss', metrics: { connectivity: 0 } }),
    ]);
    // A normal run that started later, then the device's clock moves 7 h back (a restarted simulator).
    rt.route([det({ tsMs: T0 + MIN, anomalous: false, metrics: { temperature: 22 } })]);
    const back = T0 - 7 * 60 * MIN;
    expect(rt.route([det({ tsMs: back, anomalous: false, metrics: { temperature: 22 } })]).resolved).toEqual(
      [],
    );
    const r = rt.route([det({ tsMs: back + 5 * MIN, anomalous: false, metrics: { temperature: 22 } })]);
    expect(r.resolved).toHaveLength(1);
    const a = r.resolved[0].alert;
    expect(a.resolvedMs! - a.firstSeenMs).toBe(0);
  });

  it('resolves a connectivity alert on any normal reading of the device', () => {
    const rt = router({ resolveAfterMs: 0 });
    rt.route([
      det({ tsMs: T0, metric: 'connectivity', type: 'connectivity_loss', metrics: { connectivity: 0 } }),
    ]);
    const r = rt.route([det({ tsMs: T0 + MIN, anomalous: false, metrics: { temperature: 22 } })]);
    expect(r.resolved.map((e) => e.alert.metric)).toEqual(['connectivity']);
  });
});

describe('AlertRouter: incidents', () => {
  it('groups alerts of the same site + zone within the window, and not beyond it or across zones', () => {
    const rt = router({ incidentWindowMs: 10 * MIN, resolveAfterMs: 60 * MIN });
    const r = rt.route([
      det({ tsMs: T0, deviceId: 'dev-a1' }),
      det({ tsMs: T0 + 5 * MIN, deviceId: 'dev-a2' }),
      det({ tsMs: T0 + 6 * MIN, deviceId: 'dev-b1' }),
    ]);
    const [a1, a2, b1] = r.events.map((e) => e.alert);
    expect(a2.incidentId).toBe(a1.incidentId);
    expect(b1.incidentId).not.toBe(a1.incidentId);
    const inc = r.incidents.find((i) => i.id === a1.incidentId)!;
    expect(inc).toMatchObject({
      site: 'plant-1',
      zone: 'zone-a',
      rootDeviceId: 'dev-a1',
      status: 'open',
      deviceIds: ['dev-a1', 'dev-a2'],
    });
    expect(inc.alertIds).toEqual([a1.id, a2.id]);
    expect(inc.title).toMatch(/^2 alerts on 2 devices in plant-1\/zone-a: /);
    expect(inc.topPriority).toBe(Math.max(a1.priority, a2.priority));

    const rt2 = router({ incidentWindowMs: 10 * MIN, resolveAfterMs: 60 * MIN });
    const far = rt2.route([
      det({ tsMs: T0, deviceId: 'dev-a1' }),
      det({ tsMs: T0 + 11 * MIN, deviceId: 'dev-a2' }),
    ]);
    expect(far.events[1].alert.incidentId).not.toBe(far.events[0].alert.incidentId);
  });

  it('groups by root device: other alerts of the device, and alerts naming the root as related', () => {
    const rt = router({ incidentWindowMs: MIN, resolveAfterMs: 60 * MIN });
    const r = rt.route([
      det({ tsMs: T0, deviceId: 'dev-a1' }),
      det({ tsMs: T0 + 30 * MIN, deviceId: 'dev-a1', metric: 'humidity' }),
      det({ tsMs: T0 + 40 * MIN, deviceId: 'dev-b1', related: ['dev-a1'] }),
    ]);
    const ids = r.events.filter((e) => e.kind === 'opened').map((e) => e.alert.incidentId);
    expect(new Set(ids).size).toBe(1);
    const inc = rt.openIncidents()[0];
    expect(inc.deviceIds).toEqual(['dev-a1', 'dev-b1']);
    // The device's second anomaly and its correlated neighbour are folded into its one alert.
    expect(inc.alertIds).toHaveLength(1);
    expect(rt.openAlerts()[0].deviceIds).toEqual(['dev-a1', 'dev-b1']);
  });

  it("raises the priority of a new alert with the incident's size (blast radius)", () => {
    const alone = router().route([det({ tsMs: T0, deviceId: 'dev-a2' })]).events[0].alert.priority;
    const grouped = router().route([
      det({ tsMs: T0, deviceId: 'dev-a1' }),
      det({ tsMs: T0, deviceId: 'dev-a2' }),
    ]).events[1].alert.priority;
    expect(grouped).toBeGreaterThan(alone);
  });

  it('resolves the incident with its last alert', () => {
    const rt = router({ resolveAfterMs: 0 });
    rt.route([det({ tsMs: T0, deviceId: 'dev-a1' }), det({ tsMs: T0, deviceId: 'dev-a2' })]);
    const r1 = rt.route([det({ tsMs: T0 + MIN, deviceId: 'dev-a1', anomalous: false })]);
    expect(r1.incidents[0].status).toBe('open');
    const r2 = rt.route([det({ tsMs: T0 + MIN, deviceId: 'dev-a2', anomalous: false })]);
    expect(r2.incidents[0].status).toBe('resolved');
    expect(rt.openIncidents()).toEqual([]);
  });
});

describe('AlertRouter: silences', () => {
  it('suppresses matching alerts once, without notifications, until the silence expires (event time)', () => {
    const rt = router({
      channels: { slack: { enabled: true, minSeverity: 'info' }, webhook: { enabled: false } },
      updateIntervalMs: 0,
      resolveAfterMs: 60 * MIN,
    });
    rt.route([det({ tsMs: T0 - MIN, deviceId: 'dev-b1' })]); // sets the watermark
    const { silence, events } = rt.addSilence({
      zone: 'zone-a',
      durationMs: 10 * MIN,
      reason: 'maintenance',
      createdBy: 'ops',
    });
    expect(events).toEqual([]);
    expect(silence.untilMs).toBe(T0 + 9 * MIN);
    const r = rt.route([
      det({ tsMs: T0 }),
      det({ tsMs: T0 + MIN }),
      det({ tsMs: T0 + 2 * MIN }),
      det({ tsMs: T0 + MIN, deviceId: 'dev-a2' }),
    ]);
    expect(r.events.map((e) => [e.kind, e.alert.deviceId])).toEqual([
      ['suppressed', 'dev-a1'],
      ['suppressed', 'dev-a2'],
    ]);
    expect(r.notifications).toEqual([]);
    expect(rt.openAlerts().every((a) => a.status === 'suppressed' || a.deviceId === 'dev-b1')).toBe(true);
    // After expiry the anomaly recurs: the same alert is opened and notified.
    const after = rt.route([det({ tsMs: T0 + 10 * MIN })]);
    expect(after.events.map((e) => e.kind)).toEqual(['opened']);
    expect(after.events[0].alert.id).toBe(r.events[0].alert.id);
    expect(after.notifications).toHaveLength(1);
  });

  it('suppresses open alerts as soon as a silence is added, and removing it lets them open again', () => {
    const rt = router({ updateIntervalMs: 60 * MIN });
    const opened = rt.route([det({ tsMs: T0 })]).events[0].alert;
    const { silence, events } = rt.addSilence({ fingerprint: opened.fingerprint, untilMs: T0 + 60 * MIN });
    expect(events.map((e) => [e.kind, e.alert.id, e.alert.status])).toEqual([
      ['suppressed', opened.id, 'suppressed'],
    ]);
    expect(rt.route([det({ tsMs: T0 + MIN })]).events).toEqual([]); // no repeat
    expect(rt.silences().map((s) => s.id)).toEqual([silence.id]);
    expect(rt.removeSilence(silence.id)).toBe(true);
    expect(rt.removeSilence(silence.id)).toBe(false);
    expect(rt.route([det({ tsMs: T0 + 2 * MIN })]).events.map((e) => e.kind)).toEqual(['opened']);
  });

  it('silences of other devices do not match', () => {
    const rt = router();
    rt.addSilence({ deviceId: 'dev-a2', durationMs: MIN * 60 });
    expect(rt.route([det({ tsMs: T0 })]).events.map((e) => e.kind)).toEqual(['opened']);
  });

  it('rejects invalid silences with InputError', () => {
    expect(() => router().addSilence({ untilMs: 5 })).toThrow(InputError);
  });
});

describe('AlertRouter: adaptations', () => {
  it('priority_weight multiplies the priority of its type (and device), and revert restores it', () => {
    const rt = router();
    const base = rt.route([det({ tsMs: T0, deviceId: 'dev-a2', score: 0.5, confidence: 0.5 })]).events[0]
      .alert.priority;
    const weighted = router();
    expect(
      weighted.applyAdaptation({
        id: 'w1',
        kind: 'priority_weight',
        type: 'spike',
        value: 1.5,
        createdBy: 'op',
        reason: 'useful',
        tsMs: T0,
      }).applied,
    ).toBe(true);
    weighted.applyAdaptation({
      id: 'w2',
      kind: 'priority_weight',
      type: 'drop',
      value: 0.1,
      createdBy: 'op',
      reason: 'x',
      tsMs: T0,
    });
    weighted.applyAdaptation({
      id: 'w3',
      kind: 'priority_weight',
      type: 'spike',
      deviceId: 'dev-other',
      value: 0.1,
      createdBy: 'op',
      reason: 'x',
      tsMs: T0,
    });
    const up = weighted.route([det({ tsMs: T0, deviceId: 'dev-a2', score: 0.5, confidence: 0.5 })]).events[0]
      .alert.priority;
    expect(up).toBeCloseTo(Math.min(100, base * 1.5), 0);
    expect(
      weighted.applyAdaptation({
        id: 'w1',
        kind: 'priority_weight',
        revertedMs: T0 + 1,
        createdBy: 'op',
        reason: 'undo',
        tsMs: T0 + 1,
      }).applied,
    ).toBe(true);
    expect(weighted.adaptations().map((a) => a.id)).toEqual(['w2', 'w3']);
    const again = weighted.route([
      det({ tsMs: T0 + 1, deviceId: 'dev-a2', tenant: 't2', score: 0.5, confidence: 0.5 }),
    ]).events[0].alert.priority;
    expect(again).toBeCloseTo(base, 0);
  });

  it('suppress silences one fingerprint until untilMs; revert lifts it', () => {
    const rt = router();
    const fp = alertFingerprint('dev-a1', 'temperature', 'spike');
    rt.applyAdaptation({
      id: 'sup1',
      kind: 'suppress',
      fingerprint: fp,
      untilMs: T0 + 30 * MIN,
      createdBy: 'op',
      reason: 'false positive',
      tsMs: T0,
    });
    const r = rt.route([det({ tsMs: T0 }), det({ tsMs: T0, deviceId: 'dev-a2' })]);
    expect(r.events.map((e) => [e.kind, e.alert.fingerprint === fp])).toEqual([
      ['suppressed', true],
      ['opened', false],
    ]);
    rt.applyAdaptation({
      id: 'sup1',
      kind: 'suppress',
      revertedMs: T0 + MIN,
      createdBy: 'op',
      reason: 'undo',
      tsMs: T0 + MIN,
    });
    expect(rt.route([det({ tsMs: T0 + 2 * MIN })]).events.map((e) => e.kind)).toEqual(['opened']);
  });

  it('a suppressed alert does not swallow another problem of the same device', () => {
    const rt = router();
    rt.applyAdaptation({
      id: 'sup1',
      kind: 'suppress',
      fingerprint: alertFingerprint('dev-a1', 'temperature', 'spike'),
      untilMs: T0 + 30 * MIN,
      createdBy: 'op',
      reason: 'false positive',
      tsMs: T0,
    });
    const r = rt.route([det({ tsMs: T0 }), det({ tsMs: T0 + MIN, type: 'drop' })]);
    expect(r.events.map((e) => `${e.kind} ${e.alert.fingerprint.split('#')[0]}`)).toEqual([
      'suppressed dev-a1/temperature/spike',
      'opened dev-a1/temperature/drop',
    ]);
    // Further anomalies of the device go to the alert the operator sees.
    const next = rt.route([det({ tsMs: T0 + 20 * MIN })]);
    expect(next.events.map((e) => `${e.kind} ${e.alert.fingerprint.split('#')[0]}`)).toEqual([
      'updated dev-a1/temperature/drop',
    ]);
  });

  it('silence adaptations act as silences (maintenance window on a site)', () => {
    const rt = router();
    rt.applyAdaptation({
      id: 'm1',
      kind: 'silence',
      site: 'plant-1',
      untilMs: T0 + 5 * MIN,
      createdBy: 'op',
      reason: 'maintenance',
      tsMs: T0,
    });
    expect(rt.route([det({ tsMs: T0 })]).events.map((e) => e.kind)).toEqual(['suppressed']);
    expect(rt.route([det({ tsMs: T0 + 6 * MIN })]).events.map((e) => e.kind)).toEqual(['opened']);
  });

  it("ignores threshold adaptations (lucid-detect's) and rejects malformed ones", () => {
    const rt = router();
    expect(
      rt.applyAdaptation({ id: 't', kind: 'threshold', value: 0.1, createdBy: 'x', reason: 'x', tsMs: 0 })
        .applied,
    ).toBe(false);
    for (const bad of [
      null,
      {},
      { id: 'x', kind: 'nope' },
      { id: 'x', kind: 'priority_weight', value: 0 },
      { id: 'x', kind: 'suppress' },
      { id: 'x', kind: 'silence', untilMs: 5 },
    ]) {
      expect(() => rt.applyAdaptation(bad)).toThrow(InputError);
    }
  });
});

describe('AlertRouter: resolved notifications', () => {
  const openThenResolve = [
    det({ tsMs: T0 }),
    det({ tsMs: T0 + MIN, anomalous: false }),
    det({ tsMs: T0 + 7 * MIN, anomalous: false }),
  ];
  const sent = (r: RouteResult) =>
    r.notifications.map((n) => `${n.channel}:${(n.payload as { event?: string }).event ?? 'slack'}`);

  it.each([
    [
      'defaults: webhook only (as Alertmanager send_resolved)',
      {},
      ['slack:slack', 'webhook:alert.opened', 'webhook:alert.resolved'],
    ],
    [
      'Slack sendResolved on',
      { slack: { sendResolved: true } },
      ['slack:slack', 'webhook:alert.opened', 'slack:slack', 'webhook:alert.resolved'],
    ],
    [
      'webhook sendResolved off',
      { webhook: { sendResolved: false } },
      ['slack:slack', 'webhook:alert.opened'],
    ],
  ])('%s', (_name, channels, expected) => {
    const on = { enabled: true, minSeverity: 'info' as const };
    const rt = router({
      channels: {
        slack: { ...on, ...(channels as RouteOptionsInput['channels'])?.slack },
        webhook: { ...on, ...(channels as RouteOptionsInput['channels'])?.webhook },
      },
    });
    const r = runEach(rt, openThenResolve);
    expect(kinds(r)).toEqual(['opened', 'resolved']);
    expect(sent(r)).toEqual(expected);
  });

  it('sends no resolved notification at all with notifyResolved off', () => {
    const on = { enabled: true, minSeverity: 'info' as const, sendResolved: true };
    const r = runEach(
      router({ notifyResolved: false, channels: { slack: on, webhook: on } }),
      openThenResolve,
    );
    expect(sent(r)).toEqual(['slack:slack', 'webhook:alert.opened']);
  });

  it('rejects a non-boolean sendResolved', () => {
    expect(() => resolveRouteOptions({ channels: { slack: { sendResolved: 'no' as never } } })).toThrow(
      /channels\.slack\.sendResolved: expected a boolean/,
    );
  });
});

describe('AlertRouter: notifications and rate limits', () => {
  it('notifies each enabled channel at or above its minimum severity, with ready payloads', () => {
    const rt = router({
      channels: {
        slack: { enabled: true, minSeverity: 'critical' },
        webhook: { enabled: true, minSeverity: 'info' },
      },
    });
    const r = rt.route([det({ tsMs: T0, deviceId: 'dev-b1', score: 0.4, confidence: 0.3 })]);
    expect(r.events[0].alert.severity).not.toBe('critical');
    expect(r.notifications.map((n) => n.channel)).toEqual(['webhook']);
    expect(r.notifications[0]).toMatchObject({
      alertId: r.events[0].alert.id,
      incidentId: r.events[0].alert.incidentId,
    });
    expect(r.notifications[0].payload).toMatchObject({
      version: 1,
      event: 'alert.opened',
      alert: { id: r.events[0].alert.id },
    });
    const crit = rt.route([
      det({ tsMs: T0, deviceId: 'dev-a1', score: 1, confidence: 1, related: ['a', 'b', 'c', 'd', 'e', 'f'] }),
    ]);
    expect(crit.events[0].alert.severity).toBe('critical');
    expect(crit.notifications.map((n) => n.channel)).toEqual(['slack', 'webhook']);
    expect(crit.notifications[0].payload).toHaveProperty('blocks');
    expect(crit.notifications[0].payload).toHaveProperty('text');
  });

  it('notifies the resolution of a notified alert, not of a silent one', () => {
    const rt = router({ resolveAfterMs: 0, channels: { webhook: { enabled: true, minSeverity: 'info' } } });
    rt.route([det({ tsMs: T0 })]);
    const r = rt.route([det({ tsMs: T0 + MIN, anomalous: false })]);
    expect(r.notifications.map((n) => (n.payload as { event: string }).event)).toEqual(['alert.resolved']);
    const rt2 = router({
      resolveAfterMs: 0,
      channels: { webhook: { enabled: true, minSeverity: 'critical' } },
    });
    rt2.route([det({ tsMs: T0, deviceId: 'dev-b1', score: 0.3 })]);
    expect(rt2.route([det({ tsMs: T0 + MIN, deviceId: 'dev-b1', anomalous: false })]).notifications).toEqual(
      [],
    );
  });

  it('limits each channel to maxPerWindow and summarises the excess in the next window (nothing lost)', () => {
    const rt = router({
      channels: { webhook: { enabled: true, minSeverity: 'info', maxPerWindow: 3, rateWindowMs: 10 * MIN } },
    });
    const burst = Array.from({ length: 10 }, (_, i) => det({ tsMs: T0 + i * 1000, deviceId: `dev-x${i}` }));
    const r = rt.route(burst);
    expect(r.events).toHaveLength(10);
    expect(r.notifications).toHaveLength(3);
    expect(rt.stats()).toMatchObject({ dropped: 7, pendingSummary: 7 });
    // Any later detection past the window (even a normal one) flushes the summary.
    const later = rt.route([det({ tsMs: T0 + 11 * MIN, deviceId: 'dev-quiet', anomalous: false })]);
    expect(later.notifications).toHaveLength(1);
    const body = later.notifications[0].payload as {
      event: string;
      summary: { count: number; alerts: unknown[] };
    };
    expect(body.event).toBe('notifications.rate_limited');
    expect(body.summary.count).toBe(7);
    expect(body.summary.alerts).toHaveLength(7);
    expect(rt.stats()).toMatchObject({ dropped: 7, pendingSummary: 0 });
    expect(
      rt.route([det({ tsMs: T0 + 30 * MIN, deviceId: 'dev-quiet', anomalous: false })]).notifications,
    ).toEqual([]);
  });
});

describe('AlertRouter: snapshot and restore', () => {
  it('continues exactly where it left off (open alerts, pending, silences, weights, limits, history)', () => {
    const o = resolveRouteOptions({
      ...quiet,
      openAfterCount: 2,
      resolveAfterMs: 5 * MIN,
      channels: { webhook: { enabled: true, minSeverity: 'info', maxPerWindow: 1 } },
    });
    const script: Detection[][] = [
      [det({ tsMs: T0 }), det({ tsMs: T0 + MIN }), det({ tsMs: T0, deviceId: 'dev-a2' })],
      [det({ tsMs: T0 + 2 * MIN, deviceId: 'dev-a2' }), det({ tsMs: T0 + 3 * MIN, anomalous: false })],
      [det({ tsMs: T0 + 9 * MIN, anomalous: false }), det({ tsMs: T0 + 12 * MIN, deviceId: 'dev-b1' })],
      [
        det({ tsMs: T0 + 13 * MIN, deviceId: 'dev-b1' }),
        det({ tsMs: T0 + 30 * MIN }),
        det({ tsMs: T0 + 31 * MIN }),
      ],
    ];
    const continuous = new AlertRouter(o, FLEET);
    continuous.applyAdaptation({
      id: 'w',
      kind: 'priority_weight',
      type: 'spike',
      deviceId: 'dev-b1',
      value: 2,
      createdBy: 'x',
      reason: 'x',
      tsMs: T0,
    });
    continuous.addSilence({ id: 's', deviceId: 'dev-a2', untilMs: T0 + MIN });
    const expected = script.map((batch) => continuous.route(batch));

    let rt = new AlertRouter(o, FLEET);
    rt.applyAdaptation({
      id: 'w',
      kind: 'priority_weight',
      type: 'spike',
      deviceId: 'dev-b1',
      value: 2,
      createdBy: 'x',
      reason: 'x',
      tsMs: T0,
    });
    rt.addSilence({ id: 's', deviceId: 'dev-a2', untilMs: T0 + MIN });
    const got: RouteResult[] = [];
    for (const batch of script) {
      got.push(rt.route(batch));
      rt = AlertRouter.restore(o, FLEET, JSON.parse(JSON.stringify(rt.snapshot())));
    }
    expect(got).toEqual(expected);
    expect(rt.stats()).toEqual(continuous.stats());
    expect(expected.flatMap((r) => r.events).length).toBeGreaterThan(2);
  });

  it('refuses a snapshot that is not one', () => {
    const o = resolveRouteOptions({});
    for (const bad of [null, {}, { version: 2 }, { version: 1, alerts: 'x' }]) {
      expect(() => AlertRouter.restore(o, FLEET, bad)).toThrow(/snapshot/);
    }
  });
});
