import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../lib/contracts/errors';
import { replayFlow, simulatedFleetFlow, type FlowNode } from './example-flows';

/** What feeds the flow: the simulated fleet, or a recorded CSV file. */
export type FlowMode =
  | { kind: 'simulate'; speed: number; seed: number; durationMin?: number }
  | { kind: 'replay'; path: string; speed: number };

/** Property values to set on every node of a type, e.g. `{ 'lucid-ingest': { rateLimitPerSec: 0 } }`. */
export type FlowOverrides = Record<string, Record<string, unknown>>;

/**
 * The device id a replayed file's readings carry: the file name without extension, prefixed by
 * its folder for SKAB-style numbered files (`valve1/1.csv` → `valve1-1`).
 */
export function replayDeviceId(file: string): string {
  const base = path.basename(file).replace(/\.(csv|txt)(\.gz)?$/i, '');
  const id = /^\d+$/.test(base) ? `${path.basename(path.dirname(file))}-${base}` : base;
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Whether a CSV looks like SKAB's pump recordings (`;`-separated with its sensor columns). */
function isSkabFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, n).toString('utf8').split(/\r?\n/)[0];
    return firstLine.includes(';') && firstLine.includes('Accelerometer1RMS');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The flow `npm start` runs: an example flow with its MQTT broker pointed at `mqttUrl`, and the
 * simulator or replay node configured from the command line.
 * @param dataDir - the data folder (reserved for nodes that keep files there).
 * @param overrides - node properties to change, by node type (applied before the mode's settings).
 * @throws ConfigError when the replay file does not exist.
 */
export function provisionFlow(
  mode: FlowMode,
  mqttUrl: URL,
  _dataDir: string,
  overrides: FlowOverrides = {},
): FlowNode[] {
  const flow = mode.kind === 'simulate' ? simulatedFleetFlow() : replayFlow();
  for (const node of flow) Object.assign(node, overrides[node.type] ?? {});
  for (const node of flow) {
    if (node.type === 'mqtt-broker') {
      node.broker = mqttUrl.hostname;
      node.port = mqttUrl.port || '1883';
    }
    if (node.type === 'lucid-simulate' && mode.kind === 'simulate') {
      node.speed = mode.speed;
      node.seed = mode.seed;
      if (mode.durationMin !== undefined) node.duration = mode.durationMin;
    }
  }
  if (mode.kind === 'replay') {
    if (!fs.existsSync(mode.path) || !fs.statSync(mode.path).isFile()) {
      throw new ConfigError(`--replay: no such file ${mode.path}`);
    }
    const deviceId = replayDeviceId(mode.path);
    for (const node of flow) {
      if (node.type === 'lucid-replay') {
        node.file = mode.path;
        node.speed = mode.speed;
        node.deviceId = deviceId;
      }
      if (node.type === 'lucid-fleet' && isSkabFile(mode.path)) {
        const fleet = JSON.parse(String(node.fleetJson)) as {
          devices?: { deviceId: string; deviceType?: string }[];
        };
        fleet.devices = [
          ...(fleet.devices ?? []).filter((d) => d.deviceId !== deviceId),
          { deviceId, deviceType: 'pump' },
        ];
        node.fleetJson = JSON.stringify(fleet, null, 2);
      }
    }
  }
  return flow;
}
