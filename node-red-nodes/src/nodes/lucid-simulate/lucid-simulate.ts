import { configNumber } from '../shared/config-number';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import {
  PLANNED_OFFLINE_REASON,
  type DeviceStatus,
  type GroundTruth,
  type Reading,
} from '../../lib/contracts/types';
import { parseRecordedTimestamp } from '../../lib/replay/recorded-timestamp';
import { FleetSimulator } from '../../lib/simulate/fleet-simulator';
import { resumePosition, type SavedSimulationClock } from '../../lib/simulate/simulation-clock';
import { plausibleStartTsMs, SimulationRunner } from '../../lib/simulate/simulation-runner';
import type { SimulationTick } from '../../lib/simulate/simulation-types';
import { deviceStatusTopic, isTopicLevel, telemetryTopic } from '../../lib/simulate/telemetry-topic';
import { configErrorStatus, reportError } from '../shared/node-status';

/** Output shapes: one MQTT-ready message per reading, one Reading per message, or one Reading[] per tick. */
type SimulateOutput = 'mqtt' | 'readings' | 'batch';

interface SimulateNodeDef extends NodeDef {
  devices: string | number;
  seed: string | number;
  interval: string | number;
  speed: string | number;
  /** Simulated minutes; 0 = forever. */
  duration: string | number;
  incidents: boolean;
  warmup: string | number;
  /** Quiet minutes between incidents. */
  quiet: string | number;
  output: SimulateOutput;
  tenant: string;
  autoStart: boolean;
  /** '' = automatic (see plausibleStartTsMs), else ISO 8601 or epoch ms. */
  start: string;
}

/** Minimum wall time between two saves of the run's position, ms. */
const SAVE_INTERVAL_MS = 1000;

export = function (RED: NodeAPI) {
  function LucidSimulateNode(this: Node, config: SimulateNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let runner: SimulationRunner | undefined;
    let simulator: FleetSimulator | undefined;
    let configError: Error | undefined;
    let readingsSent = 0;
    let lastStatusMs = 0;
    let lastTick: SimulationTick | undefined;
    const output: SimulateOutput = ['mqtt', 'readings', 'batch'].includes(config.output)
      ? config.output
      : 'mqtt';
    const tenant = (config.tenant ?? '').trim() || 'demo';
    // Flow context, not node context: without a configured context store Node-RED deletes a
    // node's own context whenever the node is redeployed, and the position must survive that.
    const clockKey = `lucid-simulate-clock-${node.id}`;
    let fingerprint = '';
    let lastSaveMs = 0;
    let saveWarned = false;
    /** Whether devices sent readings since they last announced they go offline. */
    let online = false;

    const saveClock = () => {
      if (!simulator) return;
      lastSaveMs = Date.now();
      const clock: SavedSimulationClock = {
        version: 1,
        fingerprint,
        startTsMs: simulator.startTsMs,
        nextTickIndex: simulator.nextTickIndex,
      };
      try {
        node.context().flow.set(clockKey, clock);
      } catch (err) {
        if (!saveWarned)
          node.warn(`lucid-simulate: cannot save the run's position: ${(err as Error).message}`);
        saveWarned = true;
      }
    };

    /**
     * Every simulated device says it goes offline as planned (a DeviceStatus on its status topic),
     * so that the end or a pause of the simulation raises no "Connectivity lost".
     */
    const announceOffline = () => {
      if (!simulator || !online) return;
      online = false;
      const status: DeviceStatus = { state: 'offline', reason: PLANNED_OFFLINE_REASON };
      node.send([
        simulator
          .devices()
          .map(
            (d) => ({ topic: deviceStatusTopic(tenant, d.deviceId), payload: { ...status } }) as NodeMessage,
          ),
      ]);
    };

    const showStatus = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastStatusMs < 1000) return;
      lastStatusMs = now;
      const time = lastTick ? new Date(lastTick.tsMs).toISOString().slice(0, 19).replace('T', ' ') : '-';
      if (runner?.finished) {
        node.status({
          fill: 'green',
          shape: 'ring',
          text: RED._('lucid-simulate.status.done', { readings: readingsSent, time }),
        });
      } else if (runner?.running) {
        node.status({
          fill: 'green',
          shape: 'dot',
          text: RED._('lucid-simulate.status.running', { readings: readingsSent, time }),
        });
      } else {
        node.status({
          fill: 'grey',
          shape: 'ring',
          text: RED._('lucid-simulate.status.stopped', { readings: readingsSent, time }),
        });
      }
    };

    const toMessages = (tick: SimulationTick): NodeMessage[] => {
      if (output === 'batch') {
        const payload: Reading[] = tick.readings.map((r) => r.reading);
        const truth: GroundTruth[] = tick.readings.map((r) => r.truth);
        return payload.length > 0
          ? [{ payload, truth, topic: `tenants/${tenant}/telemetry` } as NodeMessage]
          : [];
      }
      return tick.readings.map(({ reading, truth }) =>
        output === 'mqtt'
          ? ({
              topic: telemetryTopic(tenant, reading.deviceId),
              payload: { ts: reading.tsMs, metrics: reading.metrics },
              truth,
            } as NodeMessage)
          : ({ topic: telemetryTopic(tenant, reading.deviceId), payload: reading, truth } as NodeMessage),
      );
    };

    try {
      if (!isTopicLevel(tenant))
        throw new ConfigError(`tenant: "${tenant}" cannot be an MQTT topic level (no /, + or #)`);
      const intervalMs = configNumber('interval', config.interval, 10_000);
      const speed = configNumber('speed', config.speed, 1);
      const durationMin = configNumber('duration', config.duration, 0);
      if (durationMin < 0)
        throw new ConfigError(`duration: expected ≥ 0 simulated minutes (0 = forever), got ${durationMin}`);
      const durationMs = durationMin * 60_000;
      let startTsMs: number;
      const startText = (config.start ?? '').trim();
      const nowMs = Date.now();
      if (startText === '') {
        startTsMs = plausibleStartTsMs(nowMs, intervalMs > 0 ? intervalMs : 10_000, speed, durationMs);
      } else {
        const parsed = parseRecordedTimestamp(startText);
        if (parsed === undefined)
          throw new ConfigError(`start: expected ISO 8601 or epoch ms, got "${startText}"`);
        startTsMs = parsed;
      }
      const options = {
        deviceCount: configNumber('devices', config.devices, 12),
        seed: configNumber('seed', config.seed, 1),
        intervalMs,
        incidents: config.incidents !== false,
        warmupReadings: configNumber('warmup', config.warmup, 60),
        quietMs: configNumber('quiet', config.quiet, 15) * 60_000,
        tenant,
      };
      fingerprint = JSON.stringify({ ...options, speed, durationMs, start: startText });
      let saved: unknown;
      try {
        saved = node.context().flow.get(clockKey);
      } catch (err) {
        node.warn(
          `lucid-simulate: cannot read the saved position, starting a new run: ${(err as Error).message}`,
        );
      }
      const maxTicks = durationMs > 0 && intervalMs > 0 ? Math.ceil(durationMs / intervalMs) : 0;
      const position = resumePosition(saved, {
        fingerprint,
        freshStartTsMs: startTsMs,
        automaticStart: startText === '',
        nowMs,
        intervalMs,
        speed,
        maxTicks,
      });
      simulator = new FleetSimulator({ ...options, startTsMs: position.startTsMs });
      // Resume where the previous run stopped, so the simulated clock does not jump back.
      simulator.advanceTo(position.tickIndex);
      runner = new SimulationRunner(simulator, {
        speed,
        maxTicks,
        onTick: (tick) => {
          lastTick = tick;
          const messages = toMessages(tick);
          readingsSent += tick.readings.length;
          online ||= tick.readings.length > 0;
          if (messages.length > 0) node.send([messages]);
          if (Date.now() - lastSaveMs >= SAVE_INTERVAL_MS) saveClock();
          showStatus(false);
        },
        onEnd: () => {
          saveClock();
          announceOffline();
          showStatus(true);
        },
        onError: (err) => {
          node.status({ fill: 'red', shape: 'dot', text: err.message.slice(0, 60) });
          node.error(err);
        },
      });
      showStatus(true);
      if (config.autoStart !== false) {
        runner.start();
        showStatus(true);
      }
    } catch (err) {
      configError = err as Error;
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    node.on('input', (msg, _send, done) => {
      try {
        if (configError || !runner) throw configError ?? new ConfigError('lucid-simulate: not configured');
        const command = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : '';
        if (command === 'start') runner.start();
        else if (command === 'stop') {
          runner.stop();
          saveClock();
          announceOffline();
        } else if (command === 'reset') {
          runner.reset();
          announceOffline();
          saveClock();
          readingsSent = 0;
          lastTick = undefined;
        } else {
          throw new InputError(
            'unknown_command',
            `msg.payload: expected "start", "stop" or "reset", got ${JSON.stringify(msg.payload)}`,
          );
        }
        showStatus(true);
        done();
      } catch (err) {
        reportError(node, err, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      runner?.stop();
      saveClock();
      announceOffline();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('lucid-simulate', LucidSimulateNode);
};
