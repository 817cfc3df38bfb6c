import type { Node } from 'node-red';
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
 */
export function resolveFleet(
  getNode: (id: string) => unknown,
  fleetId: string | undefined,
): { registry: FleetRegistry; node?: FleetConfigNode } {
  const node = fleetId ? (getNode(fleetId) as FleetConfigNode | null) : null;
  if (node && node.registry) return { registry: node.registry, node };
  return { registry: new FleetRegistry({}) };
}
