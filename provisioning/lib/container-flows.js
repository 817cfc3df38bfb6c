'use strict';
const path = require('node:path');
/**
 * The Docker Compose flows, derived from the example flow `npm start` runs
 * (node-red-nodes/src/cli/example-flows.ts `simulatedFleetFlow()`), changed only where containers
 * differ from one machine:
 *
 * - the simulator runs in its own container (the `simulator` Compose profile), so the example is
 *   split in two flows: the **pipeline** (everything but the simulator and the node that publishes
 *   its telemetry) and the **simulator** (the simulator, that publish node and the broker);
 * - the broker is the `mosquitto` service with password authentication: host, port, user and
 *   password come from environment variables (`${VAR}`, substituted by Node-RED at start), as do
 *   the simulator's size, seed, speed and duration, and the store's engine, PostgreSQL URL and
 *   the Grafana token (credentials are provisioned as `${VAR}` references, never as secrets).
 *
 * `ADAPTED` lists every property changed, by node type; a test checks that the provisioned flows
 * hold every node of the example and differ from it in these properties only.
 */

/** @typedef {{ id: string, type: string, z?: string, wires?: string[][] } & Record<string, unknown>} FlowNode */

/** Node properties set from environment variables in the container flows, by node type. */
const ADAPTED = {
  'mqtt-broker': {
    broker: '${LUCID_MQTT_HOST}',
    port: '${LUCID_MQTT_PORT}',
    // The pipeline and the simulator containers share the broker node: one client id each.
    clientid: '${LUCID_MQTT_CLIENT_ID}',
    name: 'Mosquitto (Compose)',
  },
  'lucid-simulate': {
    devices: '${LUCID_SIMULATOR_DEVICES}',
    seed: '${LUCID_SIMULATOR_SEED}',
    speed: '${LUCID_SIMULATOR_SPEED}',
    duration: '${LUCID_SIMULATOR_DURATION_MIN}',
    tenant: '${LUCID_TENANT}',
  },
  'lucid-store-config': { engine: '${LUCID_STORE_ENGINE}', tokenEnv: 'LUCID_API_TOKEN', name: 'Lucid store' },
};

/** Credentials of the container flows (`flows_cred.json`): environment references only. */
const CREDENTIALS = {
  pipeline: {
    'mqtt-broker': { user: '${LUCID_MQTT_USERNAME}', password: '${LUCID_MQTT_PASSWORD}' },
    'lucid-store-config': {
      operatorToken: '${LUCID_GRAFANA_API_TOKEN}',
      postgresUrl: '${LUCID_POSTGRES_URL}',
    },
  },
  simulator: {
    'mqtt-broker': { user: '${LUCID_MQTT_DEVICE_USERNAME}', password: '${LUCID_MQTT_DEVICE_PASSWORD}' },
  },
};

/** Node types that run only in the simulator container. */
const SIMULATOR_TYPES = new Set(['lucid-simulate']);

/**
 * Splits the example flow into the pipeline and simulator flows of the Compose stack.
 * @param {FlowNode[]} example - `simulatedFleetFlow()` (not changed).
 * @returns {{ pipeline: FlowNode[], pipelineCredentials: Record<string, Record<string, string>>, simulator: FlowNode[], simulatorCredentials: Record<string, Record<string, string>> }}
 * @throws Error when the example has no lucid-simulate, no mqtt-broker or no tab.
 */
function containerFlows(example) {
  const flow = JSON.parse(JSON.stringify(example));
  for (const node of flow) Object.assign(node, ADAPTED[node.type] ?? {});

  const tab = flow.find((n) => n.type === 'tab');
  const broker = flow.find((n) => n.type === 'mqtt-broker');
  const simulators = flow.filter((n) => SIMULATOR_TYPES.has(n.type));
  if (!tab || !broker || simulators.length === 0)
    throw new Error('example flow: expected a tab, an mqtt-broker and a lucid-simulate');
  // The nodes only the simulator feeds (its publish node), followed along the wires.
  const simulatorIds = new Set(simulators.map((n) => n.id));
  const feeds = new Map();
  for (const n of flow)
    for (const port of n.wires ?? [])
      for (const target of port) feeds.set(target, [...(feeds.get(target) ?? []), n.id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of flow) {
      const sources = feeds.get(n.id);
      if (!simulatorIds.has(n.id) && sources && sources.every((s) => simulatorIds.has(s))) {
        simulatorIds.add(n.id);
        grew = true;
      }
    }
  }
  const pipeline = flow.filter((n) => !simulatorIds.has(n.id));
  const simulatorTab = {
    ...tab,
    label: 'Lucid: simulated devices',
    info:
      'The simulated fleet of the Lucid example, in its own container (Compose profile "simulator"): it publishes ' +
      'device telemetry to the broker like real devices would, with the device account. Switch the profile off ' +
      'for real devices.',
  };
  const simulator = [simulatorTab, broker, ...flow.filter((n) => simulatorIds.has(n.id))];
  const credentials = (nodes, byType) =>
    Object.fromEntries(nodes.filter((n) => byType[n.type]).map((n) => [n.id, { ...byType[n.type] }]));
  return {
    pipeline,
    pipelineCredentials: credentials(pipeline, CREDENTIALS.pipeline),
    simulator,
    simulatorCredentials: credentials(simulator, CREDENTIALS.simulator),
  };
}

/**
 * The files written to provisioning/node-red/, by name, from `containerFlows`, formatted by the
 * repository's Prettier settings (so that `npm run lint` passes on them).
 * @returns {Promise<Record<string, string>>}
 */
/** @param {FlowNode[]} example */
async function containerFlowFiles(example) {
  const prettier = require('prettier');
  const f = containerFlows(example);
  const files = {
    'flows.json': f.pipeline,
    'flows_cred.json': f.pipelineCredentials,
    'simulator-flows.json': f.simulator,
    'simulator-flows_cred.json': f.simulatorCredentials,
  };
  const out = {};
  for (const [name, value] of Object.entries(files)) {
    const filepath = path.join(__dirname, '..', 'node-red', name);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    out[name] = await prettier.format(JSON.stringify(value, null, 2), { ...options, filepath });
  }
  return out;
}

module.exports = { ADAPTED, CREDENTIALS, containerFlows, containerFlowFiles };
