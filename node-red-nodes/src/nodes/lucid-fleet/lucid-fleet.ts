import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { FleetRegistry } from '../../lib/fleet/fleet-registry';
import type { FleetConfigNode } from '../shared/fleet-config';
import { loadFleet, parseDeviceKeys, type FleetSource } from './fleet-source';

interface FleetNodeDef extends NodeDef, FleetSource {}
interface FleetCredentials {
  keys?: string;
}

export = function (RED: NodeAPI) {
  function LucidFleetNode(this: FleetConfigNode & Node<FleetCredentials>, config: FleetNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let keys = new Map<string, string>();
    try {
      keys = parseDeviceKeys(node.credentials?.keys);
      node.registry = loadFleet(config, RED.settings.userDir ?? process.cwd());
    } catch (err) {
      // Config nodes have no status; dependants see the missing registry as a ConfigError.
      node.error((err as Error).message);
      node.registry = undefined as unknown as FleetRegistry;
    }
    node.deviceKey = (deviceId: string) => keys.get(deviceId);
  }
  RED.nodes.registerType(
    'lucid-fleet',
    LucidFleetNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1],
    {
      credentials: { keys: { type: 'password' } },
    },
  );
};
