import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKeys, verifySignature } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { MIGRATIONS, migrate } from '../../../src/lib/store/migrations';
import { makeAlert, makeDetection, makeEvent, makeIncident, manyAlerts } from './fixtures';

const T0 = 1_700_000_000_000;
let dir: string;
let store: SqlAlertStore;
let now = T0 + 3_600_000;
const keys = SigningKeys.generate();

async function openStore(opts = {}): Promise<SqlAlertStore> {
  return SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys,
    nowMs: () => now,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
    ...opts,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-store-'));
  now = T0 + 3_600_000;
  store = await openStore();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqlAlertStore alert events', () => {
  it('stores, signs and chains an opened alert, and ignores a replayed event', async () => {
    const ev = makeEvent('opened', makeAlert());
    const first = await store.applyAlertEvent(ev, makeIncident());
    expect(first.duplicate).toBe(false);
    expect(first.auditSeq).toBe(1);
    expect(
      verifySignature(
        keys.info.pem,
        (({ signature: _s, ...rest }) => rest)(first.alert),
        first.alert.signature!,
      ),
    ).toBe(true);
    const replay = await store.applyAlertEvent(ev, makeIncident());
    expect(replay.duplicate).toBe(true);
    const page = await store.listAlerts({});
    expect(page.total).toBe(1);
    const detail = await store.getAlertDetail('a-1');
    expect(detail?.events).toHaveLength(1);
    expect(detail?.incident?.id).toBe('inc-1');
    expect(detail?.signatureValid).toBe(true);
    expect((await store.verifyAudit()).ok).toBe(true);
  });

  it('keeps an operator acknowledgement when route updates the alert, and resolves', async () => {
    const a = makeAlert();
    await store.applyAlertEvent(makeEvent('opened', a));
    await store.setAlertStatus('a-1', 'acknowledged', 'alice');
    await store.applyAlertEvent(makeEvent('updated', { ...a, count: 2, lastSeenMs: a.lastSeenMs + 1000 }));
    expect((await store.getAlert('a-1'))?.status).toBe('acknowledged');
    await expect(store.setAlertStatus('a-1', 'acknowledged', 'alice')).rejects.toMatchObject({
      code: 'conflict',
    });
    const resolved = await store.setAlertStatus('a-1', 'resolved', 'bob');
    expect(resolved.alert.status).toBe('resolved');
    expect(resolved.alert.resolvedMs).toBe(now);
    const detail = await store.getAlertDetail('a-1');
    expect(detail?.events.map((e) => [e.kind, e.by, e.status])).toEqual([
      ['opened', 'lucid-route', 'open'],
      ['acknowledged', 'alice', 'acknowledged'],
      ['updated', 'lucid-route', 'acknowledged'],
      ['resolved', 'bob', 'resolved'],
    ]);
    await expect(store.setAlertStatus('nope', 'resolved', 'bob')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it.each([
    ['missing alert id', { ...makeAlert(), id: '' }],
    ['bad severity', { ...makeAlert(), severity: 'urgent' }],
    ['NaN priority', { ...makeAlert(), priority: NaN }],
  ])('rejects an event with %s and writes nothing', async (_name, alert) => {
    await expect(store.applyAlertEvent(makeEvent('opened', alert as never))).rejects.toMatchObject({
      code: 'invalid_alert_event',
    });
    expect((await store.health()).auditHead).toBe(0);
  });
});

describe('SqlAlertStore queries', () => {
  beforeEach(async () => {
    for (const a of manyAlerts(30)) await store.applyAlertEvent(makeEvent('opened', a));
  });

  it('filters by severity, site, device and time and paginates without overlap', async () => {
    const crit = await store.listAlerts({ severity: ['critical'] });
    expect(crit.total).toBe(6);
    expect(crit.items.every((a) => a.severity === 'critical')).toBe(true);
    const site = await store.listAlerts({ site: 'plant-a', deviceId: 'dev-1' });
    expect(site.items.every((a) => a.site === 'plant-a' && a.deviceId === 'dev-1')).toBe(true);
    const time = await store.listAlerts({ fromMs: T0 + 10 * 60_000, toMs: T0 + 12 * 60_000 });
    expect(time.items.map((a) => a.id).sort()).toEqual(['a-10', 'a-11', 'a-12']);
    const p1 = await store.listAlerts({ limit: 20 });
    const p2 = await store.listAlerts({ limit: 20, offset: p1.nextOffset! });
    expect(p1.nextOffset).toBe(20);
    expect(p2.nextOffset).toBeNull();
    expect(new Set([...p1.items, ...p2.items].map((a) => a.id)).size).toBe(30);
    const pr = p1.items.map((a) => a.priority);
    expect(pr).toEqual([...pr].sort((x, y) => y - x));
    const byTime = await store.listAlerts({ sort: 'time', order: 'asc', limit: 3 });
    expect(byTime.items.map((a) => a.id)).toEqual(['a-0', 'a-1', 'a-2']);
  });

  it('treats SQL-injection-shaped filters as plain values', async () => {
    const evil = await store.listAlerts({ deviceId: "dev-1' OR '1'='1", site: "x'; DROP TABLE alerts; --" });
    expect(evil.total).toBe(0);
    expect((await store.listAlerts({})).total).toBe(30);
  });
});

describe('SqlAlertStore samples, series, evidence and stats', () => {
  it('keeps samples with the band, down-samples, and freezes the evidence window of an alert', async () => {
    const ds = [];
    for (let i = 0; i < 600; i++)
      ds.push(makeDetection('dev-1', T0 + i * 1000, i >= 300 && i < 310 ? 40 : 21 + Math.sin(i / 10)));
    store.recordDetections(ds.slice(0, 305));
    const a = makeAlert({ firstSeenMs: T0 + 300_000, lastSeenMs: T0 + 304_000 });
    await store.applyAlertEvent(makeEvent('opened', a));
    store.recordDetections(ds.slice(305));
    await store.applyAlertEvent(
      makeEvent('resolved', { ...a, status: 'resolved', lastSeenMs: T0 + 309_000, resolvedMs: T0 + 310_000 }),
    );
    await store.flush();
    const series = await store.getSeries({
      deviceId: 'dev-1',
      metric: 'temperature',
      fromMs: T0,
      toMs: T0 + 600_000,
      maxPoints: 100,
    });
    expect(series.rawCount).toBe(600);
    expect(series.points).toHaveLength(100);
    expect(series.anomalies).toHaveLength(10);
    expect(series.points.some((p) => p.value === 40)).toBe(true);
    expect(series.points[0]).toMatchObject({ lower: 19, upper: 23, expected: 21 });
    expect(series.alerts.map((x) => x.id)).toEqual(['a-1']);
    const detail = await store.getAlertDetail('a-1', 10_000);
    const ev = detail!.evidence.series[0];
    expect(ev.metric).toBe('temperature');
    // 15 min before (all 300 earlier samples) through 15 min after resolve (the 290 later ones).
    expect(ev.rawCount).toBe(600);
    const stats = await store.getStats({ fromMs: T0, toMs: T0 + 3_600_000 });
    expect(stats).toMatchObject({ detections: 600, anomalies: 10, alertsOpened: 1, alertsResolved: 1 });
    expect(stats.reduction.anomaliesPerAlert).toBe(10);
    // Buckets of 2 min (integer division of minute counters): 600 detections, one a second, in
    // 10 min → 5 or 6 buckets aligned to 2 min, at most 120 each.
    const bucketed = await store.getStats({ fromMs: T0, toMs: T0 + 3_600_000, bucketMs: 120_000 });
    const counts = bucketed.buckets?.map((b) => b.detections ?? 0) ?? [];
    expect(counts.reduce((x, y) => x + y, 0)).toBe(600);
    expect(counts.length).toBeGreaterThanOrEqual(5);
    expect(counts.length).toBeLessThanOrEqual(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(120);
    expect(bucketed.buckets?.every((b) => b.bucketMs % 120_000 === 0)).toBe(true);
  });

  it.each([Infinity, -Infinity, NaN, 59_999, 60_000.5, 32 * 86_400_000])(
    'refuses stats bucketMs %p with an InputError (the width is bound, never SQL text)',
    async (bucketMs) => {
      await expect(store.getStats({ fromMs: T0, toMs: T0 + 3_600_000, bucketMs })).rejects.toThrow(
        expect.objectContaining({ name: 'InputError', code: 'invalid_query' }),
      );
    },
  );

  it.each([1, 49, 50, 51, 120])(
    'keeps one sample per key with the last values when a flush of %i readings repeats keys',
    async (n) => {
      // Each timestamp twice in the same flush (a replay): the second value wins, as it would
      // with one upsert per row, whatever the multi-row statement boundaries.
      const ds = [];
      for (let i = 0; i < n; i++) ds.push(makeDetection('dev-3', T0 + i * 1000, 20));
      for (let i = 0; i < n; i++) ds.push(makeDetection('dev-3', T0 + i * 1000, 22 + (i % 2) * 0.5));
      store.recordDetections(ds);
      await store.flush();
      const s = await store.getSeries({
        deviceId: 'dev-3',
        metric: 'temperature',
        fromMs: T0,
        toMs: T0 + n * 1000,
        maxPoints: 1000,
      });
      expect(s.rawCount).toBe(n);
      expect(s.points.map((p) => p.value)).toEqual(Array.from({ length: n }, (_, i) => 22 + (i % 2) * 0.5));
    },
  );

  it('caps samples per series and skips garbage detections', async () => {
    await store.close();
    store = await openStore({ seriesCap: 50 });
    const r = store.recordDetections([
      ...Array.from({ length: 200 }, (_, i) => makeDetection('dev-2', T0 + i, 21)),
      null as never,
      { reading: { deviceId: 'x' } } as never,
    ]);
    expect(r).toEqual({ accepted: 200, skipped: 2 });
    await store.flush();
    const s = await store.getSeries({ deviceId: 'dev-2', metric: 'temperature', fromMs: 0, toMs: T0 * 2 });
    expect(s.rawCount).toBeGreaterThanOrEqual(50);
    expect(s.rawCount).toBeLessThan(70);
    expect(s.points[s.points.length - 1].tsMs).toBe(T0 + 199);
  });
});

describe('SqlAlertStore feedback, adaptations, audit and retention', () => {
  it('records feedback and adaptations, reverts once, and survives a reopen', async () => {
    await store.applyAlertEvent(makeEvent('opened', makeAlert()));
    const seen: string[] = [];
    store.on('feedback', (f) => seen.push(f.feedback.verdict));
    await store.recordFeedback(
      { alertId: 'a-1', verdict: 'false_positive', user: 'alice', tsMs: now },
      'ops-token',
    );
    await expect(
      store.recordFeedback({ alertId: 'zzz', verdict: 'useful', user: 'alice', tsMs: now }, 'ops'),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(seen).toEqual(['false_positive']);
    const ad = {
      id: 'ad-1',
      kind: 'suppress' as const,
      fingerprint: 'f',
      untilMs: now + 3_600_000,
      createdBy: 'alice',
      reason: 'fp',
      tsMs: now,
    };
    await store.recordAdaptation(ad, 'lucid-feedback');
    await store.recordAdaptation(ad, 'lucid-feedback');
    await expect(store.recordAdaptation({ ...ad, reason: 'other' }, 'x')).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await store.activeAdaptations()).toHaveLength(1);
    await store.close();
    store = await openStore();
    expect((await store.activeAdaptations()).map((a) => a.id)).toEqual(['ad-1']);
    const reverted = await store.revertAdaptation('ad-1', 'admin');
    expect(reverted.revertedMs).toBe(now);
    await expect(store.revertAdaptation('ad-1', 'admin')).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.activeAdaptations()).toHaveLength(0);
    expect((await store.listAdaptations({})).items[0].revertedMs).toBe(now);
    const v = await store.verifyAudit();
    // Rows: the alert, its event, the feedback and the adaptation.
    expect(v).toMatchObject({ ok: true, checkedEntries: 4, records: { checked: 4, mismatches: 0 } });
  });

  it('retention deletes old resolved alerts and samples and keeps the chain verifiable', async () => {
    await store.close();
    store = await openStore({ retentionDays: 1 });
    const old = makeAlert({ id: 'old', firstSeenMs: T0, lastSeenMs: T0 });
    await store.applyAlertEvent(makeEvent('opened', old));
    await store.applyAlertEvent(makeEvent('resolved', { ...old, status: 'resolved' }));
    store.recordDetections([makeDetection('dev-1', T0, 21), makeDetection('dev-1', T0 + 3 * 86_400_000, 21)]);
    const fresh = makeAlert({ id: 'new', firstSeenMs: T0 + 3 * 86_400_000, lastSeenMs: T0 + 3 * 86_400_000 });
    await store.applyAlertEvent(makeEvent('opened', fresh));
    const r = await store.cleanup();
    expect(r).toMatchObject({ alerts: 1, samples: 1, auditEntries: 2 });
    expect((await store.listAlerts({})).items.map((a) => a.id)).toEqual(['new']);
    const v = await store.verifyAudit();
    // Entry 4 records the deletion of "old" (entries 1-2, trimmed under the anchor).
    expect(v).toMatchObject({ ok: true, anchorSeq: 2, headSeq: 4, checkedEntries: 2 });
  });
});

describe('migrations', () => {
  it('upgrades a version-1 database in place, keeping its rows, and is idempotent', async () => {
    await store.close();
    const engine = new SqliteEngine(join(dir, 'old.db'));
    expect(await migrate(engine, () => 1, MIGRATIONS.slice(0, 1))).toBe(1);
    await engine.close();
    const old = await SqlAlertStore.open(new SqliteEngine(join(dir, 'old.db')), {
      keys,
      flushIntervalMs: 0,
      cleanupIntervalMs: 0,
    });
    await old.applyAlertEvent(makeEvent('opened', makeAlert()));
    expect(await old.health()).toMatchObject({ schemaVersion: 2, alerts: 1 });
    await old.close();
    const again = new SqliteEngine(join(dir, 'old.db'));
    expect(await migrate(again, () => 2)).toBe(2);
    expect(await again.all('SELECT version FROM lucid_schema ORDER BY version')).toEqual([
      { version: 1 },
      { version: 2 },
    ]);
    await again.close();
    store = await openStore();
  });
});
