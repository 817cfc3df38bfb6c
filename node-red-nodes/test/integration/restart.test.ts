/**
 * Restarts mid-simulation, end to end: the real broker (aedes, in process), Node-RED with the
 * Lucid nodes from dist/ and the example flow, the simulator publishing over MQTT. The stack is
 * stopped and started again on the same data folder (as `lucid start` twice) while the simulated
 * fleet is half-way through its incidents. (A full Deploy is covered by the node tests of
 * lucid-detect and lucid-simulate.)
 * Every alert must be explained by an incident of the simulator's own schedule (same seed and
 * start): a restart must not add an alert burst, nor a "Connectivity lost" per device.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mqtt from 'mqtt';
import type { Alert } from '../../src/lib/contracts/types';
import { startEmbeddedStack, type RunningStack } from '../../src/cli/embedded-stack';
import { freePort } from '../../src/cli/ports';
import { FleetSimulator } from '../../src/lib/simulate/fleet-simulator';
import type { ScheduledIncident } from '../../src/lib/simulate/simulation-types';

const DIST_NODE = path.join(__dirname, '..', '..', 'dist', 'nodes', 'lucid-ingest', 'lucid-ingest.js');
const SEED = 42;
const INTERVAL_MS = 10_000;
const MIN = 60_000;
/**
 * Simulated ms per wall ms: 100 simulated seconds a second, 10 readings/s per device, slow enough
 * for the flow to keep up on a busy machine (so the run is really stopped half-way).
 */
const SPEED = 100;
/** The run: the restart falls in the cooling fan failure (28–58 min), the zone overheating (73–93 min) follows it. */
const DURATION_MIN = 105;
/** An alert is explained when it is first seen within this of an incident (route resolves after 5 min). */
const AFTER_INCIDENT_MS = 10 * MIN;
/** Wall-clock bound for one stretch of simulation. */
const STRETCH_TIMEOUT_MS = 90_000;
/** The flow has drained when the store's count of scored readings is unchanged this long (wall clock). */
const DRAIN_MS = 3_000;

jest.setTimeout(400_000);

/** Tick 0 of the run, fixed so that the incident schedule is known (and within ingest's 24 h past limit). */
const START_TS_MS = Math.floor((Date.now() - DURATION_MIN * MIN) / INTERVAL_MS) * INTERVAL_MS;
const INCIDENTS: ScheduledIncident[] = new FleetSimulator({
  seed: SEED,
  intervalMs: INTERVAL_MS,
  startTsMs: START_TS_MS,
}).incidents(START_TS_MS + DURATION_MIN * MIN);

/** One scenario's stack(s) on one data folder, recording every alert event and the telemetry clock. */
class Scenario {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-restart-'));
  /** First-seen record of each alert id (opened, updated or resolved), across restarts. */
  readonly alerts = new Map<string, Alert>();
  /** Newest telemetry timestamp published, and the first one after each (re)start. */
  maxTelemetryTsMs = 0;
  firstAfterStartTsMs: number[] = [];
  /** Times env-01's published clock went back by more than a minute (a restarted simulator clock). */
  clockJumpsBack = 0;
  private lastDeviceTsMs = 0;
  stack: RunningStack | undefined;
  private watcher: mqtt.MqttClient | undefined;
  private port = 0;
  private mqttPort = 0;

  async start(): Promise<void> {
    this.port ||= await freePort();
    this.mqttPort ||= await freePort();
    this.stack = await startEmbeddedStack({
      port: this.port,
      mqttPort: this.mqttPort,
      dataDir: this.dataDir,
      mode: { kind: 'simulate', speed: SPEED, seed: SEED, durationMin: DURATION_MIN },
      flowOverrides: { 'lucid-simulate': { start: String(START_TS_MS) } },
      logLevel: 'error',
      onAlert: (alert) => {
        if (!this.alerts.has(alert.id)) this.alerts.set(alert.id, alert);
      },
    });
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${this.mqttPort}`);
    const slot = this.firstAfterStartTsMs.length;
    watcher.on('message', (topic, payload) => {
      if (!topic.endsWith('/telemetry')) return;
      const ts = (JSON.parse(payload.toString('utf8')) as { ts?: number }).ts ?? 0;
      if (this.firstAfterStartTsMs.length === slot) this.firstAfterStartTsMs.push(ts);
      if (topic.includes('/env-01/')) {
        if (ts < this.lastDeviceTsMs - MIN) this.clockJumpsBack++;
        this.lastDeviceTsMs = ts;
      }
      this.maxTelemetryTsMs = Math.max(this.maxTelemetryTsMs, ts);
    });
    await watcher.subscribeAsync('tenants/+/devices/+/telemetry');
    this.watcher = watcher;
  }

  /** Waits until the simulator has published up to `tsMs` (simulated time). */
  async runUntil(tsMs: number): Promise<void> {
    const deadline = Date.now() + STRETCH_TIMEOUT_MS;
    while (this.maxTelemetryTsMs < tsMs) {
      if (Date.now() > deadline)
        throw new Error(`the simulator did not reach ${new Date(tsMs).toISOString()} in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until the store's count of scored readings stops growing. */
  async drain(): Promise<void> {
    const stack = this.stack!;
    let detections = -1;
    let stableSince = Date.now();
    const deadline = Date.now() + STRETCH_TIMEOUT_MS;
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
  }

  async stop(): Promise<void> {
    await this.watcher?.endAsync();
    await this.stack?.stop();
    this.stack = undefined;
  }

  /** Alerts first seen outside every incident's window: what the restart added. */
  unexplained(): string[] {
    return [...this.alerts.values()]
      .filter(
        (a) =>
          !INCIDENTS.some(
            (i) =>
              a.firstSeenMs >= i.startTsMs - INTERVAL_MS && a.firstSeenMs <= i.endTsMs + AFTER_INCIDENT_MS,
          ),
      )
      .map((a) => `${new Date(a.firstSeenMs).toISOString()} ${a.deviceId} ${a.explanation.title}`);
  }

  connectivityAlerts(): Alert[] {
    return [...this.alerts.values()].filter((a) => a.metric === 'connectivity');
  }

  cleanup(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The simulator's saved position, removed from the flow context files: it then restarts its clock. */
function forgetSimulatorPosition(dataDir: string): number {
  const contextDir = path.join(dataDir, 'node-red', 'context');
  let removed = 0;
  for (const flowId of fs.existsSync(contextDir) ? fs.readdirSync(contextDir) : []) {
    const file = path.join(contextDir, flowId, 'flow.json');
    if (!fs.existsSync(file)) continue;
    const context = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const key of Object.keys(context)) {
      if (!key.startsWith('lucid-simulate-clock-')) continue;
      delete context[key];
      removed++;
    }
    fs.writeFileSync(file, JSON.stringify(context));
  }
  return removed;
}

describe('restarts mid-simulation raise no alert burst (broker + Node-RED + simulator)', () => {
  const restartAtTsMs = START_TS_MS + 40 * MIN;
  const endTsMs = START_TS_MS + 100 * MIN;

  beforeAll(() => {
    if (!fs.existsSync(DIST_NODE)) throw new Error(`${DIST_NODE} is missing: run \`npm run build\` first`);
    // The runs below cross incidents on each side of the restart, and the restart falls in one.
    expect(INCIDENTS.filter((i) => i.endTsMs < restartAtTsMs)).toHaveLength(1);
    expect(INCIDENTS.filter((i) => i.startTsMs < restartAtTsMs && i.endTsMs > restartAtTsMs)).toHaveLength(1);
    expect(INCIDENTS.filter((i) => i.startTsMs > restartAtTsMs && i.endTsMs < endTsMs)).toHaveLength(1);
  });

  it('stopping the stack and starting it again on the same data folder: the run resumes, and alerts only for incidents', async () => {
    const s = new Scenario();
    try {
      await s.start();
      await s.runUntil(restartAtTsMs);
      await s.stop();
      await s.start();
      await s.runUntil(endTsMs);
      await s.drain();
      await s.stop();
      // The simulator continued its clock instead of restarting it.
      expect(s.firstAfterStartTsMs[1]).toBeGreaterThanOrEqual(restartAtTsMs);
      expect(s.clockJumpsBack).toBe(0);
      expect(s.alerts.size).toBeGreaterThan(0);
      expect(s.unexplained()).toEqual([]);
      // No "Connectivity lost" from the ingest watchdog: the devices never fell silent on the wall clock.
      expect(s.connectivityAlerts()).toEqual([]);
    } finally {
      await s.stop();
      s.cleanup();
    }
  });

  it('when the simulator restarts its clock (its saved position lost), the detector re-warms quietly', async () => {
    const s = new Scenario();
    try {
      await s.start();
      await s.runUntil(restartAtTsMs);
      await s.stop();
      expect(forgetSimulatorPosition(s.dataDir)).toBe(1);
      await s.start();
      // The clock jumped back 40 simulated minutes; the first 40 minutes play again.
      await s.runUntil(restartAtTsMs);
      await s.drain();
      await s.stop();
      expect(s.firstAfterStartTsMs[1]).toBeLessThan(restartAtTsMs - 20 * MIN);
      expect(s.clockJumpsBack).toBe(1);
      expect(s.unexplained()).toEqual([]);
      expect(s.connectivityAlerts()).toEqual([]);
    } finally {
      await s.stop();
      s.cleanup();
    }
  });
});
