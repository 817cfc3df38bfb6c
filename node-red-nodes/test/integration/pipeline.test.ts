/**
 * End to end: the real MQTT broker (aedes, in process), Node-RED with the Lucid nodes loaded from
 * dist/ and the example flow, the simulator publishing over MQTT as fast as possible. The alerts
 * that come back on `tenants/+/alerts/#` are checked against the simulator's own incident
 * schedule (same seed, so the same incidents).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert } from '../../src/lib/contracts/types';
import { startEmbeddedStack, type RunningStack } from '../../src/cli/embedded-stack';
import { freePort } from '../../src/cli/ports';
import { FleetSimulator } from '../../src/lib/simulate/fleet-simulator';
import { plausibleStartTsMs } from '../../src/lib/simulate/simulation-runner';
import type { ScheduledIncident } from '../../src/lib/simulate/simulation-types';

const DIST_NODE = path.join(__dirname, '..', '..', 'dist', 'nodes', 'lucid-ingest', 'lucid-ingest.js');
const SEED = 42;
const INTERVAL_MS = 10_000;
/** One simulated cycle of all six incidents plus the warm-up, in simulated minutes. */
const DURATION_MIN = 200;
/** How long after an incident starts its alert may first be seen (simulated time). */
const MAX_DETECTION_DELAY_MS = 15 * 60_000;

jest.setTimeout(120_000);

describe('the example flow end to end (broker + Node-RED + simulator)', () => {
  let stack: RunningStack | undefined;
  let dataDir: string;
  const alerts = new Map<string, Alert>();
  let incidents: ScheduledIncident[] = [];
  let startTsMs = 0;

  beforeAll(async () => {
    if (!fs.existsSync(DIST_NODE)) throw new Error(`${DIST_NODE} is missing: run \`npm run build\` first`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-e2e-'));
    const durationMs = DURATION_MIN * 60_000;
    let lastAlertAt = Date.now();
    stack = await startEmbeddedStack({
      port: await freePort(),
      mqttPort: await freePort(),
      dataDir,
      mode: { kind: 'simulate', speed: 0, seed: SEED, durationMin: DURATION_MIN },
      // As fast as possible, a device sends thousands of readings per second: lift the rate limit.
      flowOverrides: { 'lucid-ingest': { rateLimitPerSec: 0 } },
      logLevel: 'error',
      onAlert: (alert) => {
        lastAlertAt = Date.now();
        const seen = alerts.get(alert.id);
        if (!seen || alert.status !== 'resolved') alerts.set(alert.id, { ...alert, status: seen?.status === 'resolved' ? 'resolved' : alert.status });
        else alerts.set(alert.id, alert);
      },
    });
    // The node computes its start the same way (now − duration, aligned to the interval).
    startTsMs = plausibleStartTsMs(Date.now(), INTERVAL_MS, 0, durationMs);
    const sim = new FleetSimulator({ seed: SEED, intervalMs: INTERVAL_MS, startTsMs });
    incidents = sim.incidents(startTsMs + durationMs);
    // Wait until the run has produced its alerts: no new alert event for 5 s, at most 90 s.
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && (alerts.size === 0 || Date.now() - lastAlertAt < 5_000)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('schedules all six incident types in the run', () => {
    expect(new Set(incidents.map((i) => i.type)).size).toBe(6);
  });

  it('raises an explained alert of the expected type on an affected device for every injected incident', () => {
    const misses: string[] = [];
    for (const incident of incidents) {
      const matching = [...alerts.values()].filter(
        (a) =>
          incident.deviceIds.includes(a.deviceId) &&
          a.firstSeenMs >= incident.startTsMs - INTERVAL_MS &&
          a.firstSeenMs <= incident.startTsMs + MAX_DETECTION_DELAY_MS,
      );
      const ofType = matching.filter((a) => a.explanation.type === incident.expectedType);
      if (ofType.length === 0) {
        misses.push(
          `${incident.type} on ${incident.deviceIds.join(',')}: expected ${incident.expectedType}, got [${matching
            .map((a) => `${a.deviceId}:${a.metric}:${a.explanation.type}`)
            .join(' ')}]`,
        );
      }
      for (const a of ofType) {
        expect(a.explanation.summary.length).toBeGreaterThan(20);
        expect(a.explanation.causes.length).toBeGreaterThan(0);
        expect(a.explanation.actions.length).toBeGreaterThan(0);
        expect(a.priority).toBeGreaterThan(0);
      }
    }
    expect(misses).toEqual([]);
  });

  it('raises no alert during the quiet period before the first incident', () => {
    const firstIncidentMs = Math.min(...incidents.map((i) => i.startTsMs));
    // The detectors warm up on the first 30 readings per device; the quiet period is after that.
    const quietFromMs = startTsMs + 35 * INTERVAL_MS;
    const quiet = [...alerts.values()].filter((a) => a.firstSeenMs >= quietFromMs && a.firstSeenMs < firstIncidentMs);
    expect(quiet.map((a) => `${a.deviceId}:${a.metric}:${a.explanation.type}`)).toEqual([]);
  });
});
