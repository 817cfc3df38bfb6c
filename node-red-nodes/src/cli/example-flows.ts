import { createHash } from 'node:crypto';
import { FleetSimulator } from '../lib/simulate/fleet-simulator';
import type { FleetDefinition } from '../lib/fleet/fleet-registry';

/** A Node-RED flow node, as in a flow JSON file. */
export type FlowNode = { id: string; type: string } & Record<string, unknown>;

/** Stable 16-hex node ids, so regenerated examples diff cleanly. */
function nodeId(flow: string, name: string): string {
  return createHash('sha256').update(`${flow}/${name}`).digest('hex').slice(0, 16);
}

/**
 * Simulated minutes the `npm start` fleet runs: about two cycles of the six injected incidents.
 * With a duration, the simulator starts that far in the past so that its accelerated clock ends
 * at about now and every timestamp stays wall-clock-plausible for ingest's skew checks.
 */
export const DEMO_DURATION_MIN = 420;
/** Simulated seconds per real second in the demo: the first incident shows within about 30 s. */
export const DEMO_SPEED = 60;

/** The pump device type for SKAB-style recordings (units from SKAB's data description). */
export const PUMP_DEVICE_TYPE: NonNullable<FleetDefinition['deviceTypes']>[string] = {
  description: 'Centrifugal water pump with SKAB testbed sensors (1 Hz)',
  criticality: 4,
  metrics: {
    Accelerometer1RMS: { unit: 'g', label: 'Vibration (accelerometer 1)', min: 0, intervalMs: 1000 },
    Accelerometer2RMS: { unit: 'g', label: 'Vibration (accelerometer 2)', min: 0, intervalMs: 1000 },
    Current: { unit: 'A', label: 'Motor current', min: 0, intervalMs: 1000 },
    Pressure: { unit: 'bar', label: 'Outlet pressure', intervalMs: 1000 },
    Temperature: { unit: '°C', label: 'Motor temperature', intervalMs: 1000 },
    Thermocouple: { unit: '°C', label: 'Fluid temperature', intervalMs: 1000 },
    Voltage: { unit: 'V', label: 'Motor voltage', min: 0, intervalMs: 1000 },
    'Volume Flow RateRMS': { unit: 'L/min', label: 'Flow rate', min: 0, intervalMs: 1000 },
  },
};

interface PipelineOptions {
  flow: string;
  fleetName: string;
  fleet: FleetDefinition;
  ingest: Record<string, unknown>;
  source: FlowNode[];
  sourceId: string;
  intro: { name: string; info: string };
}

/** The shared part of both examples: broker, ingest → detect → explain → route, alert outputs. */
function pipelineFlow(o: PipelineOptions): FlowNode[] {
  const id = (name: string) => nodeId(o.flow, name);
  const tab = id('tab');
  const at = (x: number, y: number) => ({ z: tab, x, y });
  return [
    { id: tab, type: 'tab', label: o.intro.name, disabled: false, info: o.intro.info },
    { id: id('comment'), type: 'comment', name: o.intro.name, info: o.intro.info, ...at(200, 40), wires: [] },
    // A fixed client id with a persistent session whose subscriptions outlive a stop, and QoS 1
    // for telemetry: while Lucid is down or disconnected, the broker queues the readings for it
    // and delivers them on reconnection.
    {
      id: id('broker'),
      type: 'mqtt-broker',
      name: 'Local broker',
      broker: 'localhost',
      port: '1883',
      clientid: `lucid-${o.flow}`,
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: false,
      // Keep the subscriptions when Node-RED stops, so that the broker queues for them.
      autoUnsubscribe: false,
    },
    {
      id: id('fleet'),
      type: 'lucid-fleet',
      name: o.fleetName,
      source: 'inline',
      fleetJson: JSON.stringify(o.fleet, null, 2),
      path: '',
    },
    ...o.source.map((n) => ({ ...n, z: tab })),
    {
      id: id('telemetry-out'),
      type: 'mqtt out',
      name: 'publish telemetry',
      topic: '',
      qos: '1',
      retain: 'false',
      broker: id('broker'),
      ...at(520, 100),
      wires: [],
    },
    {
      id: id('telemetry-in'),
      type: 'mqtt in',
      name: 'device telemetry',
      topic: 'tenants/+/devices/+/telemetry',
      qos: '1',
      datatype: 'buffer',
      broker: id('broker'),
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      ...at(150, 200),
      wires: [[id('ingest')]],
    },
    {
      id: id('status-in'),
      type: 'mqtt in',
      name: 'device status',
      topic: 'tenants/+/devices/+/status',
      qos: '1',
      datatype: 'buffer',
      broker: id('broker'),
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      ...at(150, 240),
      wires: [[id('ingest')]],
    },
    {
      // The gateway's own broker link: lucid-ingest pauses device heartbeats while it is down.
      id: id('broker-link'),
      type: 'status',
      name: 'broker link',
      scope: [id('telemetry-in'), id('status-in')],
      ...at(150, 280),
      wires: [[id('ingest')]],
    },
    {
      id: id('ingest'),
      type: 'lucid-ingest',
      name: '',
      fleet: id('fleet'),
      maxBytes: 65536,
      missingTimestamp: 'receive_time',
      acceptUnknownDevices: true,
      rejectOutOfRange: false,
      duplicateCacheSize: 10000,
      rateLimitBurst: 1000,
      requireSignature: false,
      signatureWindowSec: 300,
      watchDeclaredDevices: false,
      heartbeatMinReadings: 10,
      ...o.ingest,
      ...at(360, 200),
      wires: [[id('detect')], [id('rejected'), id('store')]],
    },
    {
      id: id('rejected'),
      type: 'debug',
      name: 'rejected telemetry',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'error',
      targetType: 'msg',
      statusVal: '',
      statusType: 'auto',
      ...at(580, 260),
      wires: [],
    },
    {
      id: id('detect'),
      type: 'lucid-detect',
      name: '',
      fleet: id('fleet'),
      model: '',
      sensitivity: 0.5,
      warmupReadings: 30,
      jointFitReadings: 400,
      windowSize: 64,
      rateWindowMs: 300000,
      stuckMinDurationMs: '',
      outputMode: 'all',
      contextStore: '',
      saveIntervalS: 60,
      ...at(560, 200),
      wires: [[id('explain'), id('store')]],
    },
    {
      id: id('explain'),
      type: 'lucid-explain',
      name: '',
      fleet: id('fleet'),
      correlationWindowMs: 600000,
      playbooks: '',
      narrativeUrl: '',
      narrativeModel: '',
      narrativeTimeoutMs: 10000,
      narrativeRatePerMin: 6,
      narrativeCacheMin: 30,
      ...at(740, 200),
      wires: [[id('route')]],
    },
    {
      id: id('route'),
      type: 'lucid-route',
      name: '',
      fleet: id('fleet'),
      openAfterCount: 1,
      openWindowMin: 5,
      resolveAfterMin: 5,
      resolveAfterCount: 0,
      updateIntervalMin: 5,
      incidentWindowMin: 10,
      notifyResolved: true,
      slackEnabled: true,
      slackUrl: '',
      slackMinSeverity: 'medium',
      slackMaxPerWindow: 10,
      slackSendResolved: false,
      webhookEnabled: true,
      webhookUrl: '',
      webhookMinSeverity: 'low',
      webhookMaxPerWindow: 60,
      webhookSendResolved: true,
      rateWindowMin: 10,
      ...at(920, 200),
      wires: [
        [id('alerts-out'), id('alerts-debug'), id('store')],
        [id('notifications'), id('store')],
        [id('alerts-out'), id('alerts-debug'), id('store')],
      ],
    },
    {
      id: id('store-config'),
      type: 'lucid-store-config',
      name: 'Lucid store (SQLite)',
      engine: 'sqlite',
      dataDir: '',
      sqliteFile: '',
      retentionDays: 30,
      seriesCap: 5000,
      apiEnabled: true,
      corsOrigins: '',
      metricsPublic: false,
      tokenEnv: 'LUCID_API_TOKEN',
      generateToken: true,
    },
    {
      id: id('store'),
      type: 'lucid-store',
      name: '',
      store: id('store-config'),
      ...at(1160, 320),
      wires: [[id('feedback')]],
    },
    {
      id: id('feedback'),
      type: 'lucid-feedback',
      name: '',
      store: id('store-config'),
      falsePositive: 'both',
      thresholdStep: 0.1,
      suppressHours: 24,
      expectedMinutes: 60,
      maintenanceHours: 4,
      usefulWeight: 1.25,
      notUsefulWeight: 0.8,
      replayOnStart: true,
      ...at(1160, 400),
      wires: [[id('detect'), id('route')]],
    },
    {
      id: id('alerts-out'),
      type: 'mqtt out',
      name: 'publish alerts',
      topic: '',
      qos: '1',
      retain: 'false',
      broker: id('broker'),
      ...at(1160, 160),
      wires: [],
    },
    {
      id: id('alerts-debug'),
      type: 'debug',
      name: 'explained alerts',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'payload.explanation.summary',
      targetType: 'msg',
      statusVal: '',
      statusType: 'auto',
      ...at(1170, 200),
      wires: [],
    },
    {
      id: id('notifications'),
      type: 'debug',
      name: 'notifications (wire to http request)',
      active: false,
      tosidebar: true,
      console: false,
      complete: 'payload',
      targetType: 'msg',
      statusVal: '',
      statusType: 'auto',
      ...at(1210, 240),
      wires: [],
    },
  ];
}

/**
 * The example "Simulated fleet to explained alerts": the flow `npm start` runs.
 * The simulator publishes over MQTT and the pipeline reads it back, as real devices would.
 */
export function simulatedFleetFlow(): FlowNode[] {
  const flow = 'simulated-fleet';
  const id = (name: string) => nodeId(flow, name);
  const simulator = new FleetSimulator({});
  return pipelineFlow({
    flow,
    fleetName: 'Simulated fleet',
    fleet: simulator.fleetDefinition(),
    intro: {
      name: 'Lucid: simulated fleet → explained alerts',
      info:
        'A simulated fleet of 12 environment sensors publishes telemetry over MQTT with injected incidents ' +
        '(temperature spike, cooling fan failure, localized overheating, connectivity drop, power fluctuation, ' +
        'stuck sensor). The pipeline reads it back from the broker: lucid-ingest validates and normalises, ' +
        'lucid-detect scores, lucid-explain explains, lucid-route prioritises, de-duplicates and groups alerts, ' +
        'which are published on tenants/{tenant}/alerts/{severity}/{deviceId}.\n\n' +
        'Set the broker to yours (the example expects one on localhost:1883). Wire the notifications output to ' +
        'an http request node to send Slack or webhook messages.',
    },
    ingest: { maxFutureSec: 300, maxPastSec: 86400, rateLimitPerSec: 100, heartbeatFactor: 3 },
    sourceId: id('simulate'),
    source: [
      {
        id: id('simulate'),
        type: 'lucid-simulate',
        name: 'simulated fleet',
        devices: 12,
        seed: 42,
        interval: 10000,
        speed: DEMO_SPEED,
        duration: DEMO_DURATION_MIN,
        incidents: true,
        warmup: 60,
        quiet: 15,
        output: 'mqtt',
        tenant: 'demo',
        autoStart: true,
        start: '',
        x: 200,
        y: 100,
        wires: [[id('telemetry-out')]],
      },
    ],
  });
}

/**
 * The example "Replay a recorded CSV": `npm start -- --replay FILE` fills in the file.
 * Ingest accepts old timestamps and unlimited rates here, because recordings are replayed as
 * fast as possible with their own timestamps.
 */
export function replayFlow(): FlowNode[] {
  const flow = 'replay';
  const id = (name: string) => nodeId(flow, name);
  return pipelineFlow({
    flow,
    fleetName: 'Recorded devices',
    fleet: { version: 1, deviceTypes: { pump: PUMP_DEVICE_TYPE }, devices: [] },
    intro: {
      name: 'Lucid: replay a recorded CSV',
      info:
        'Replays a recorded CSV (NAB timestamp,value files; SKAB ;-separated pump recordings; or any CSV with a ' +
        'timestamp column and numeric columns) through the same pipeline as live telemetry. Set the file in ' +
        'lucid-replay; SKAB pump files use the pump device type declared in the fleet (add your device id there). ' +
        'Recorded timestamps are kept, so ingest accepts old timestamps here.',
    },
    ingest: { maxFutureSec: 300, maxPastSec: 0, rateLimitPerSec: 0, heartbeatFactor: 0, maxBytes: 65536 },
    sourceId: id('replay'),
    source: [
      {
        id: id('replay'),
        type: 'lucid-replay',
        name: 'recorded file',
        file: '',
        format: 'auto',
        deviceId: '',
        speed: 0,
        batchSize: 1,
        output: 'mqtt',
        timestamps: 'file',
        tenant: 'demo',
        autoStart: true,
        x: 190,
        y: 100,
        wires: [[id('telemetry-out')], []],
      },
    ],
  });
}

/** The examples shipped in `examples/`, by file name. */
export const EXAMPLE_FLOWS: Record<string, () => FlowNode[]> = {
  '01 Simulated fleet to explained alerts.json': simulatedFleetFlow,
  '02 Replay a recorded CSV.json': replayFlow,
};
