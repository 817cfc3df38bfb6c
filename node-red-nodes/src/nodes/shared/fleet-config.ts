import type { Node } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import { FleetRegistry } from '../../lib/fleet/fleet-registry';

/** The `lucid-fleet` config node as other nodes see it. */
export interface FleetConfigNode extends Node {
  /** The device registry built from the node's JSON (inline or file). */
  registry: FleetRegistry;
  /** HMAC-SHA256 key of a device, from the node's credentials; undefined when none is set. */
  deviceKey(deviceId: string): string | undefined;
}

/**
 * The registry of the fleet config node with id `fleetId`, or an empty registry (documented
 * defaults for every device) when no fleet is configured.
 * @throws ConfigError when a fleet id is set but no such config node exists (or it failed to load).
 */
export function resolveFleet(
  getNode: (id: string) => unknown,
  fleetId: string | undefined,
): { registry: FleetRegistry; node?: FleetConfigNode } {
  if (!fleetId) return { registry: new FleetRegistry({}) };
  const node = getNode(fleetId) as FleetConfigNode | null;
  if (!node || !node.registry) {
    throw new ConfigError(
      `fleet: the lucid-fleet config node "${fleetId}" is missing or failed to load its device registry`,
    );
  }
  return { registry: node.registry, node };
}
