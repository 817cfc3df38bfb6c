/**
 * Golden checks over every simulator incident type: the simulated fleet runs through the library
 * stages `lucid start` wires (watchdog → detect → explain → route) and each injected incident is
 * checked against its ground truth: one alert, whose top cause names the injected fault, no new
 * alert when the device returns to normal, and console text an operator can trust.
 */
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiAuth } from '../../../src/lib/api/api-auth';
import { createApiRouter } from '../../../src/lib/api/api-router';
import { lucidMetrics } from '../../../src/lib/api/lucid-metrics';
import { formatAlert, formatResolved } from '../../../src/cli/alert-console';
import type { Alert } from '../../../src/lib/contracts/types';
import { incidentCauseOutcomes, summariseCauses } from '../../../src/lib/bench/simulated-causes';
import { runSimulatedPipeline, type SimulatedPipelineRun } from '../../../src/lib/bench/simulated-pipeline';
import { shippedPlaybooks } from '../../../src/lib/explain/playbook-library';
import { INCIDENT_TYPES } from '../../../src/lib/simulate/simulation-types';
import { SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';

jest.setTimeout(60_000);

let run: SimulatedPipelineRun;
const opened: Alert[] = [];
const resolved: Alert[] = [];

beforeAll(() => {
  // Seed 42, 230 simulated minutes: one incident of each of the six types, and a second spike.
  run = runSimulatedPipeline({ simulator: { seed: 42 }, durationMin: 230 });
  for (const e of run.events) if (e.kind === 'opened') opened.push(e.alert);
  for (const e of run.resolved) resolved.push(e.alert);
});

/** Action text → intent, from every shipped playbook. */
const intents = new Map<string, string>();
for (const p of Object.values(shippedPlaybooks()))
  for (const lists of [p.actions.byCause, p.actions.byFamily, p.actions.byType])
    for (const list of Object.values(lists ?? {}))
      for (const a of list ?? []) if (a.intent) intents.set(a.action, a.intent);

describe('simulator golden run (seed 42)', () => {
  it('injects every incident type', () => {
    expect(new Set(run.incidents.map((i) => i.type))).toEqual(new Set(INCIDENT_TYPES));
  });

  it('raises exactly one alert per incident, whose top cause names the injected fault', () => {
    const outcomes = incidentCauseOutcomes(run);
    expect(outcomes.length).toBeGreaterThanOrEqual(6);
    expect(outcomes.map((o) => `${o.type}: ${o.alerts} alert(s), ${o.settled?.causeId ?? 'none'}`)).toEqual(
      outcomes.map((o) => `${o.type}: 1 alert(s), ${o.expected[0]}`),
    );
    for (const s of summariseCauses(outcomes)) expect(s.settledRight).toBe(s.incidents);
  });

  it('raises no alert when a device returns to normal (within 10 min after each incident)', () => {
    expect(incidentCauseOutcomes(run).filter((o) => o.afterEnd > 0)).toEqual([]);
  });

  it('raises no alert outside the incidents', () => {
    const inIncident = (a: Alert) =>
      run.incidents.some(
        (i) =>
          (a.deviceIds ?? [a.deviceId]).some((d) => i.deviceIds.includes(d)) &&
          a.firstSeenMs >= i.startTsMs - run.simulator.intervalMs &&
          a.firstSeenMs < i.endTsMs,
      );
    expect(opened.filter((a) => !inIncident(a)).map((a) => a.explanation.title)).toEqual([]);
  });

  it('folds a zone event into one alert listing its devices', () => {
    const zone = run.incidents.find((i) => i.type === 'localized_overheating');
    const alerts = opened.filter(
      (a) =>
        zone !== undefined &&
        zone.deviceIds.includes(a.deviceId) &&
        a.firstSeenMs >= zone.startTsMs - run.simulator.intervalMs &&
        a.firstSeenMs < zone.endTsMs,
    );
    const last = resolved.find((a) => a.id === alerts[0]?.id);
    expect(alerts).toHaveLength(1);
    expect([...(last?.deviceIds ?? [])].sort()).toEqual([...(zone?.deviceIds ?? [])].sort());
    expect(last?.explanation.type).toBe('correlated_event');
    expect(last?.explanationHistory?.map((h) => h.type)).toContain('correlated_event');
  });

  describe('the printed text', () => {
    const texts = () => opened.map((a) => formatAlert(a, { colour: false }));

    it('caps rate multipliers at 100× (a flat signal says so instead)', () => {
      for (const t of texts())
        for (const m of t.matchAll(/([\d.]+)× its usual rate/g))
          expect(Number(m[1])).toBeLessThanOrEqual(100);
    });

    it('moves percent quantities in percentage points', () => {
      const all = [
        ...texts(),
        ...run.explained.flatMap((d) => [
          d.explanation?.summary ?? '',
          ...(d.explanation?.causes ?? []).flatMap((c) => c.evidence),
        ]),
      ];
      for (const t of all)
        expect(t).not.toMatch(/(rose|fell) [\d.]+ ?%|[\d.]+ ?% (above|below) the expected/);
    });

    it('uses one time format (UTC to the second, never ISO with T…Z)', () => {
      for (const t of texts()) expect(t).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(texts().join('\n')).toMatch(/last reading at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    });

    it('names no metric on a connectivity alert', () => {
      const lost = opened.filter((a) => a.explanation.type === 'connectivity_loss');
      expect(lost.length).toBeGreaterThan(0);
      for (const a of lost) {
        expect(a.metric).toBe('connectivity');
        expect(formatAlert(a, { colour: false })).toMatch(/^Type {7}connectivity loss$/m);
      }
    });

    it('never repeats the device in a title or a resolved line', () => {
      for (const a of [...opened, ...resolved]) {
        const once = (text: string) => text.split(a.deviceId).length - 1;
        expect(once(a.explanation.title)).toBeLessThanOrEqual(1);
        expect(once(formatResolved(a, { colour: false }))).toBeLessThanOrEqual(1);
      }
    });

    it('recommends each intent once', () => {
      for (const a of [...opened, ...resolved]) {
        const keys = a.explanation.actions.map((x) => intents.get(x.action) ?? x.action);
        expect(new Set(keys).size).toBe(keys.length);
      }
    });
  });

  describe('the explanation object', () => {
    it('never quotes the same evidence line for two causes; confidences are posteriors (sum ≤ 1)', () => {
      for (const d of run.explained) {
        const lines = d.explanation?.causes.flatMap((c) => c.evidence) ?? [];
        expect(new Set(lines).size).toBe(lines.length);
        const sum = (d.explanation?.causes ?? []).reduce((s, c) => s + c.confidence, 0);
        expect(sum).toBeLessThanOrEqual(1);
      }
    });

    it('blames a sensor only with positive evidence (the stuck sensor), never for the other incidents', () => {
      for (const a of [...opened, ...resolved]) {
        const top = a.explanation.causes[0];
        if (top?.family === 'sensor_fault') expect(a.explanation.type).toBe('stuck_sensor');
      }
    });
  });

  describe('what the store API returns', () => {
    const TOKEN = 'viewer-token-0123456789abcdef';
    let dir: string;
    let store: SqlAlertStore;
    let app: express.Express;
    let close: () => void;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lucid-golden-'));
      const nowMs = () => run.simulator.simTimeMs;
      store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
        keys: SigningKeys.generate(),
        nowMs,
        flushIntervalMs: 0,
        cleanupIntervalMs: 0,
      });
      const events = [...run.events, ...run.resolved].sort((a, b) => a.tsMs - b.tsMs);
      await store.applyAlertEvents(events.map((event) => ({ event })));
      const api = createApiRouter({
        store,
        auth: new ApiAuth([{ name: 'grafana', role: 'viewer', token: TOKEN }]),
        metrics: lucidMetrics(),
        nowMs,
      });
      close = () => api.close();
      app = express();
      app.use('/lucid/api', api.router);
    });

    afterAll(async () => {
      close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves each incident as one alert with its devices, latest explanation and history', async () => {
      const res = await request(app)
        .get('/lucid/api/alerts?limit=100&sort=time&order=asc')
        .set('Authorization', `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      const body = res.body as { items?: Alert[] } | Alert[];
      const items = Array.isArray(body) ? body : (body.items ?? []);
      expect(items.length).toBe(opened.length);
      const zone = run.incidents.find((i) => i.type === 'localized_overheating');
      const zoneAlert = items.find(
        (a) => zone !== undefined && a.firstSeenMs >= zone.startTsMs && a.firstSeenMs < zone.endTsMs,
      );
      expect(zoneAlert?.explanation.type).toBe('correlated_event');
      expect([...(zoneAlert?.deviceIds ?? [])].sort()).toEqual([...(zone?.deviceIds ?? [])].sort());
      expect(zoneAlert?.explanation.causes[0]).toMatchObject({ id: 'environment' });
      expect(zoneAlert?.explanationHistory?.length).toBeGreaterThan(1);
      const lost = items.find((a) => a.explanation.type === 'connectivity_loss');
      expect(lost?.metric).toBe('connectivity');
      // A return to normal resolved them (the run goes on long after both incidents).
      expect([zoneAlert?.status, lost?.status]).toEqual(['resolved', 'resolved']);
    });
  });
});
