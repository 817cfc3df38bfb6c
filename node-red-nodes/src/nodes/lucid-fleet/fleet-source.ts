import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../lib/contracts/errors';
import { FleetRegistry } from '../../lib/fleet/fleet-registry';

/** Where a fleet definition comes from: inline JSON text, or a JSON file. */
export interface FleetSource {
  source: 'inline' | 'file';
  fleetJson?: string;
  path?: string;
}

/**
 * Builds the registry from the node's configuration.
 * @param baseDir - directory relative file paths resolve against (the Node-RED user dir).
 * @throws ConfigError when the file cannot be read or the definition is invalid.
 */
export function loadFleet(config: FleetSource, baseDir: string): FleetRegistry {
  if (config.source === 'file') {
    if (!config.path) throw new ConfigError('fleet: source is "file" but no file path is set');
    const file = path.resolve(baseDir, config.path);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `fleet: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    try {
      return new FleetRegistry(text);
    } catch (err) {
      throw new ConfigError(`${(err as Error).message} (in ${file})`);
    }
  }
  return new FleetRegistry(config.fleetJson ?? '');
}

/**
 * Parses the device keys credential: a JSON object mapping device id → HMAC key.
 * @throws ConfigError when the text is not such an object.
 */
export function parseDeviceKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!text || !text.trim()) return keys;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'fleet: device keys must be a JSON object {"deviceId": "key", …}; the text is not valid JSON',
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('fleet: device keys must be a JSON object {"deviceId": "key", …}');
  }
  for (const [deviceId, key] of Object.entries(parsed)) {
    if (typeof key !== 'string' || key.length < 16) {
      throw new ConfigError(
        `fleet: the key of device "${deviceId}" must be a string of at least 16 characters`,
      );
    }
    keys.set(deviceId, key);
  }
  return keys;
}
