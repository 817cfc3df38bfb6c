/**
 * End to end: the real MQTT broker (aedes, in process), Node-RED with the Lucid nodes loaded from
 * dist/ and the example flow, the simulator publishing over MQTT as fast as possible. The alerts
 * that come back on `tenants/+/alerts/#` are checked against the simulator's own incident
 * schedule (same seed, so the same incidents).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mqtt from 'mqtt';
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
/** Wall-clock bound for the whole run (the simulator runs as fast as possible). */
const RUN_TIMEOUT_MS = 100_000;
/** The flow has drained when the store's count of scored readings is unchanged this long (wall clock). */
const DRAIN_MS = 4_000;
/** How long after an incident starts its alert may first be seen (simulated time). */
const MAX_DETECTION_DELAY_MS = 15 * 60_000;

jest.setTimeout(150_000);

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
    const mqttPort = await freePort();
    stack = await startEmbeddedStack({
      port: await freePort(),
      mqttPort,
      dataDir,
      mode: { kind: 'simulate', speed: 0, seed: SEED, durationMin: DURATION_MIN },
      // As fast as possible, a device sends thousands of readings per second: lift the rate limit.
      flowOverrides: { 'lucid-ingest': { rateLimitPerSec: 0 } },
      logLevel: 'error',
      onAlert: (alert) => {
        // Keep the latest record of each alert (re-explained as evidence accumulates).
        alerts.set(alert.id, alert);
      },
    });
    // The node computes its start the same way (now − duration, aligned to the interval).
    startTsMs = plausibleStartTsMs(Date.now(), INTERVAL_MS, 0, durationMs);
    const sim = new FleetSimulator({ seed: SEED, intervalMs: INTERVAL_MS, startTsMs });
    incidents = sim.incidents(startTsMs + durationMs);
    const lastTickTsMs = startTsMs + durationMs - INTERVAL_MS;

    // Watch the telemetry on the broker to know when the simulator has published its last tick.
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`);
    let maxTsMs = 0;
    watcher.on('message', (_topic, payload) => {
      const ts = (JSON.parse(payload.toString('utf8')) as { ts?: number }).ts ?? 0;
      if (ts > maxTsMs) maxTsMs = ts;
    });
    await watcher.subscribeAsync('tenants/+/devices/+/telemetry');
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    while (Date.now() < deadline && maxTsMs < lastTickTsMs - INTERVAL_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await watcher.endAsync();
    if (maxTsMs < lastTickTsMs - INTERVAL_MS) {
      throw new Error(
        `the simulator did not finish within ${RUN_TIMEOUT_MS} ms (last reading ${new Date(maxTsMs).toISOString()})`,
      );
    }
    // Then let the flow drain: until the store's count of scored readings stops growing.
    let detections = -1;
    let stableSince = Date.now();
    while (Date.now() < deadline && Date.now() - stableSince < DRAIN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const response = await fetch(`${stack.apiUrl}/stats`, {
        headers: { authorization: `Bearer ${stack.apiToken}` },
      });
      const count = ((await response.json()) as { detections: number }).detections;
      if (count !== detections) {
        detections = count;
        stableSince = Date.now();
      }
    }
    expect(detections).toBeGreaterThan(10_000);
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
      // The type the alert had at some point: a zone event opens on its first device's own view.
      const ofType = matching.filter(
        (a) =>
          a.explanation.type === incident.expectedType ||
          (a.explanationHistory ?? []).some((h) => h.type === incident.expectedType),
      );
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

  it('raises no alert in the quiet periods: before the first incident and between incidents', () => {
    // The detectors warm up on the first 30 readings per device; quiet starts after that, and
    // after each incident once its alerts have had time to resolve (route resolves after 5 min).
    const sorted = [...incidents].sort((a, b) => a.startTsMs - b.startTsMs);
    const quiet: [number, number][] = [[startTsMs + 35 * INTERVAL_MS, sorted[0].startTsMs]];
    for (let i = 1; i < sorted.length; i++) {
      const from = Math.max(...sorted.slice(0, i).map((x) => x.endTsMs)) + 10 * 60_000;
      if (from < sorted[i].startTsMs) quiet.push([from, sorted[i].startTsMs]);
    }
    expect(quiet.length).toBeGreaterThanOrEqual(5);
    const inQuiet = [...alerts.values()].filter((a) =>
      quiet.some(([from, to]) => a.firstSeenMs >= from && a.firstSeenMs < to),
    );
    expect(
      inQuiet.map(
        (a) => `${new Date(a.firstSeenMs).toISOString()} ${a.deviceId}:${a.metric}:${a.explanation.type}`,
      ),
    ).toEqual([]);
  });
});
