/**
 * The Compose stack without containers: Debian's Mosquitto started by the provisioned
 * entrypoint.sh with the provisioned mosquitto.conf and ACL (only its container paths and port
 * rewritten), and two Node-RED processes run as the image runs them (provision-flows.js, then
 * lucid-red.js with the provisioned settings.js): the pipeline and the simulator, each with its own
 * user dir, connecting with their own MQTT accounts. A simulated device's incident must reach
 * the store API, and MQTT clients without (valid) credentials must be refused.
 *
 * Needs: `mosquitto` and `mosquitto_passwd` (Debian's mosquitto package; `npm test` installs it)
 * and node-red-nodes/dist (`npm run build`; `npm test` builds first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mqtt from 'mqtt';
import { freePort } from '../../node-red-nodes/src/cli/ports';
import { readText, repoPath, REPO } from './helpers/repo';
import { skippedByRunner } from '../../test-support/test-skips';

jest.setTimeout(150_000);

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => fs.existsSync(p));
const CREDS = {
  LUCID_MQTT_USERNAME: 'lucid-svc',
  LUCID_MQTT_PASSWORD: 'svc-password-0123456789',
  LUCID_MQTT_DEVICE_USERNAME: 'device',
  LUCID_MQTT_DEVICE_PASSWORD: 'device-password-0123456789',
};
/** Per-device accounts (`tenant/deviceId` → password), from the devices file. */
const DEVICE_ACCOUNTS = {
  'acl-test/press-07': 'press-07-password-0123',
  'acl-test/press-08': 'press-08-password-0123',
};
const NODE_RED_ENV = {
  NODE_RED_CREDENTIAL_SECRET: 'stack-test-credential-secret',
  NODE_RED_ADMIN_USER: 'admin',
  NODE_RED_ADMIN_PASSWORD: 'stack-test-admin-password',
  LUCID_LOG_LEVEL: 'warn',
  LUCID_API_TOKEN: 'stack-test-admin-token-0123456789',
  LUCID_GRAFANA_API_TOKEN: 'stack-test-grafana-token-0123456789',
  LUCID_STORE_ENGINE: 'sqlite',
  LUCID_TENANT: 'demo',
  LUCID_SIMULATOR_DEVICES: '12',
  LUCID_SIMULATOR_SEED: '42',
  // 10 simulated minutes per second: the first incident (a temperature spike 10 min in) within
  // seconds, 60 readings/s per device (under ingest's 100/s limit); 45 simulated minutes in all.
  LUCID_SIMULATOR_SPEED: '600',
  LUCID_SIMULATOR_DURATION_MIN: '45',
};

interface Proc {
  name: string;
  child: ChildProcess;
  log: string[];
}

const procs: Proc[] = [];
let tmp: string;
let mqttPort: number;
let apiUrl: string;
/** The pipeline's environment: its own MQTT account only, as in docker-compose.yml. */
let pipelineEnv: Record<string, string>;

function start(name: string, command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    cwd: REPO,
    env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin`, HOME: tmp, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = { name, child, log: [] };
  const keep = (chunk: Buffer) => {
    p.log.push(chunk.toString('utf8'));
    if (p.log.length > 200) p.log.splice(0, p.log.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  procs.push(p);
  return p;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

const logs = () =>
  procs
    .map(
      (p) =>
        `---- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.log.join('').slice(-4000)}`,
    )
    .join('\n');

/** Polls `probe` every 250 ms until it returns a value, or fails with the processes' logs. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    for (const p of procs)
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited while waiting for ${what}\n${logs()}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what} (${String(last ?? '')})\n${logs()}`);
}

/** Connects an MQTT client; resolves with the CONNACK outcome instead of retrying. */
function mqttConnect(
  options: mqtt.IClientOptions,
): Promise<{ client?: mqtt.MqttClient; error?: Error & { code?: number } }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    client.once('connect', () => resolve({ client }));
    client.once('error', (error) => {
      client.end(true);
      resolve({ error });
    });
  });
}

const api = (pathAndQuery: string, token?: string) =>
  fetch(`${apiUrl}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** Starts Node-RED as the image's entrypoint does: provision the flow, then lucid-red.js with the settings. */
async function startNodeRed(
  flow: 'pipeline' | 'simulator',
  env: Record<string, string>,
): Promise<{ proc: Proc; port: number; userDir: string }> {
  const userDir = path.join(tmp, flow);
  const port = await freePort();
  const all = { ...env, LUCID_FLOW: flow, NODE_RED_USER_DIR: userDir, LUCID_FLOW_PROVISIONING: 'auto' };
  const provision = spawnSync(
    process.execPath,
    [repoPath('provisioning', 'node-red', 'provision-flows.js')],
    { env: { ...all, PATH: process.env.PATH }, encoding: 'utf8' },
  );
  if (provision.status !== 0) throw new Error(`provision-flows.js (${flow}) failed: ${provision.stderr}`);
  const proc = start(
    `node-red ${flow}`,
    process.execPath,
    [repoPath('provisioning', 'node-red', 'lucid-red.js')],
    { ...all, PORT: String(port), LUCID_LISTEN_HOST: '127.0.0.1' },
  );
  return { proc, port, userDir };
}

// `npm test` could not install Mosquitto (it says why); run directly, a missing broker fails below.
const skipMosquitto = skippedByRunner('mosquitto');
if (skipMosquitto)
  console.warn('SKIPPED the provisioned stack test: Mosquitto is not installed (apt-get install mosquitto)');
const suite = skipMosquitto ? describe.skip : describe;

suite('the provisioned stack without containers (Mosquitto + Node-RED pipeline + simulator)', () => {
  let pipeline: { port: number; userDir: string };
  let alerts: { id: string; deviceId: string; site?: string; explanation: { summary: string } }[] = [];

  beforeAll(async () => {
    if (!MOSQUITTO || spawnSync('mosquitto_passwd', ['-h']).error) {
      throw new Error(
        'Mosquitto is not installed: apt-get install -y --no-install-recommends mosquitto (`npm test` does)',
      );
    }
    if (!fs.existsSync(repoPath('node-red-nodes', 'dist', 'nodes', 'lucid-store', 'lucid-store.js'))) {
      throw new Error('node-red-nodes/dist is missing: run `npm run build` first');
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-stack-'));
    // Mosquitto drops root privileges to its own user: it must reach these folders.
    fs.chmodSync(tmp, 0o755);

    // ---- Mosquitto: the provisioned config with its container paths and port rewritten.
    mqttPort = await freePort();
    const confDir = path.join(tmp, 'mosquitto');
    fs.mkdirSync(path.join(confDir, 'data'), { recursive: true });
    fs.cpSync(repoPath('provisioning', 'mosquitto', 'conf.d'), path.join(confDir, 'conf.d'), {
      recursive: true,
    });
    let conf = readText('provisioning', 'mosquitto', 'mosquitto.conf');
    const rewrites: [RegExp, string][] = [
      [/^listener 1883$/m, `listener ${mqttPort} 127.0.0.1`],
      [/\/mosquitto\/auth\//g, `${confDir}/auth/`],
      [/\/mosquitto\/data\//g, `${confDir}/data/`],
      [/^include_dir \/mosquitto\/config\/conf\.d$/m, `include_dir ${confDir}/conf.d`],
    ];
    for (const [pattern, replacement] of rewrites) {
      expect(conf).toMatch(pattern);
      conf = conf.replace(pattern, replacement);
    }
    expect(conf).not.toMatch(/\s\/mosquitto\//);
    fs.writeFileSync(path.join(confDir, 'mosquitto.conf'), conf);
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'mosquitto:', path.join(confDir, 'data')]);
    const devicesFile = path.join(confDir, 'accounts');
    fs.writeFileSync(
      devicesFile,
      Object.entries(DEVICE_ACCOUNTS)
        .map(([user, password]) => `${user.replace('/', ' ')} ${password}`)
        .join('\n'),
    );
    start('mosquitto', 'sh', [repoPath('provisioning', 'mosquitto', 'entrypoint.sh')], {
      ...CREDS,
      MOSQUITTO_DEVICES_FILE: devicesFile,
      MOSQUITTO_CONF: path.join(confDir, 'mosquitto.conf'),
      MOSQUITTO_ACL_TEMPLATE: repoPath('provisioning', 'mosquitto', 'acl.template'),
      MOSQUITTO_AUTH_DIR: path.join(confDir, 'auth'),
    });
    await waitFor('Mosquitto', 10_000, async () => {
      const r = await mqttConnect({
        username: CREDS.LUCID_MQTT_USERNAME,
        password: CREDS.LUCID_MQTT_PASSWORD,
      });
      if (!r.client) return undefined;
      await r.client.endAsync();
      return true;
    });

    // ---- Node-RED: the pipeline first (as Compose orders it), then the simulator.
    const common = {
      ...NODE_RED_ENV,
      ...CREDS,
      LUCID_MQTT_HOST: '127.0.0.1',
      LUCID_MQTT_PORT: String(mqttPort),
    };
    // Each process gets only its own MQTT account, as in docker-compose.yml.
    const without = (names: string[]) =>
      Object.fromEntries(Object.entries(common).filter(([k]) => !names.includes(k)));
    pipelineEnv = without(['LUCID_MQTT_DEVICE_USERNAME', 'LUCID_MQTT_DEVICE_PASSWORD']);
    pipeline = await startNodeRed('pipeline', pipelineEnv);
    apiUrl = `http://127.0.0.1:${pipeline.port}/lucid/api`;
    await waitFor('the store API', 40_000, async () =>
      (await api('/health')).status === 200 ? true : undefined,
    );
    // The flow is deployed; its MQTT client subscribes within moments (early readings would only
    // shorten the detectors' warm-up).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await startNodeRed(
      'simulator',
      without(['LUCID_MQTT_USERNAME', 'LUCID_MQTT_PASSWORD', 'LUCID_API_TOKEN', 'LUCID_GRAFANA_API_TOKEN']),
    );

    // ---- Wait for the incident's alert in the store (the Grafana token reads it).
    alerts = await waitFor('an alert in the store', 90_000, async () => {
      const r = await api('/alerts?limit=100', NODE_RED_ENV.LUCID_GRAFANA_API_TOKEN);
      if (r.status !== 200) throw new Error(`GET alerts: ${r.status} ${await r.text()}`);
      const list = ((await r.json()) as { items: typeof alerts }).items;
      return list.length > 0 ? list : undefined;
    });
  });

  afterAll(async () => {
    for (const p of [...procs].reverse()) await stop(p);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("stores the simulated device's incident, explained, readable through the API with a token", async () => {
    expect(alerts.length).toBeGreaterThan(0);
    const devices = Array.from({ length: 12 }, (_v, i) => `env-${String(i + 1).padStart(2, '0')}`);
    for (const a of alerts) {
      expect(devices).toContain(a.deviceId);
      expect(a.explanation.summary.length).toBeGreaterThan(10);
    }
    // The first injected incident of seed 42 is a temperature spike on env-06.
    expect(alerts.map((a) => a.deviceId)).toContain('env-06');
    const admin = await api(`/alerts/${encodeURIComponent(alerts[0].id)}`, NODE_RED_ENV.LUCID_API_TOKEN);
    expect(admin.status).toBe(200);
  });

  it('refuses the API without a token or with a wrong one', async () => {
    expect((await api('/alerts')).status).toBe(401);
    expect((await api('/alerts', 'not-a-token-of-this-store')).status).toBe(401);
  });

  it('keeps the store in the user dir (SQLite, engine from the environment)', () => {
    expect(fs.existsSync(path.join(pipeline.userDir, 'lucid', 'lucid.db'))).toBe(true);
  });

  it('refuses MQTT clients without credentials or with a wrong password', async () => {
    const anonymous = await mqttConnect({});
    expect(anonymous.client).toBeUndefined();
    expect(anonymous.error?.code).toBe(5);
    const wrong = await mqttConnect({ username: CREDS.LUCID_MQTT_USERNAME, password: 'wrong-password' });
    expect(wrong.client).toBeUndefined();
    expect(wrong.error?.code).toBe(5);
  });

  it('lets a device publish telemetry but not read alerts (ACL)', async () => {
    const device = (
      await mqttConnect({
        username: CREDS.LUCID_MQTT_DEVICE_USERNAME,
        password: CREDS.LUCID_MQTT_DEVICE_PASSWORD,
      })
    ).client!;
    const service = (
      await mqttConnect({ username: CREDS.LUCID_MQTT_USERNAME, password: CREDS.LUCID_MQTT_PASSWORD })
    ).client!;
    expect(device).toBeDefined();
    expect(service).toBeDefined();
    try {
      const seen = { device: [] as string[], service: [] as string[] };
      device.on('message', (topic) => seen.device.push(topic));
      service.on('message', (topic) => seen.service.push(topic));
      const alertTopic = 'tenants/acl-test/alerts/info/probe';
      const telemetryTopic = 'tenants/acl-test/devices/probe/telemetry';
      // Mosquitto grants the subscription and filters at delivery.
      await device.subscribeAsync('tenants/acl-test/#', { qos: 1 });
      await service.subscribeAsync(['tenants/acl-test/alerts/#', 'tenants/acl-test/devices/+/telemetry'], {
        qos: 1,
      });
      await device.publishAsync(
        telemetryTopic,
        JSON.stringify({ ts: Date.now(), metrics: { temperature: 21 } }),
        { qos: 1 },
      );
      await device.publishAsync(alertTopic, '{"forged":true}', { qos: 1 });
      await service.publishAsync(alertTopic, '{"probe":true}', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Lucid reads the device's telemetry and its own alert, not the device's forged one (1 alert).
      expect(seen.service.sort()).toEqual([alertTopic, telemetryTopic].sort());
      // The device reads nothing: not the alerts, not even its own telemetry.
      expect(seen.device).toEqual([]);
    } finally {
      await device.endAsync();
      await service.endAsync();
    }
  });

  it('lets a per-device account publish under its own device topics only', async () => {
    const [[user, password], [otherUser]] = Object.entries(DEVICE_ACCOUNTS);
    const wrong = await mqttConnect({ username: user, password: `${password}x` });
    expect(wrong.error?.code).toBe(5);
    const device = (await mqttConnect({ username: user, password })).client!;
    const service = (
      await mqttConnect({ username: CREDS.LUCID_MQTT_USERNAME, password: CREDS.LUCID_MQTT_PASSWORD })
    ).client!;
    expect(device).toBeDefined();
    try {
      const own = `tenants/${user.split('/')[0]}/devices/${user.split('/')[1]}`;
      const attempts = [
        `${own}/telemetry`,
        `${own}/status`,
        `tenants/${otherUser.split('/')[0]}/devices/${otherUser.split('/')[1]}/telemetry`,
        `tenants/other-tenant/devices/${user.split('/')[1]}/telemetry`,
        `tenants/${user.split('/')[0]}/devices/${user.split('/')[1]}-x/status`,
      ];
      // The stack's own simulator publishes its fleet on the same broker: count only these topics.
      const seen: string[] = [];
      service.on('message', (topic) => {
        if (attempts.includes(topic)) seen.push(topic);
      });
      await service.subscribeAsync(['tenants/+/devices/+/telemetry', 'tenants/+/devices/+/status'], {
        qos: 1,
      });
      for (const topic of attempts) await device.publishAsync(topic, '{"state":"online"}', { qos: 1 });
      // The broker acknowledges a refused QoS 1 publish and drops it: wait for the allowed two.
      await waitFor('the device publishes', 5000, async () => (seen.length >= 2 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.sort()).toEqual([`${own}/status`, `${own}/telemetry`]);
    } finally {
      await device.endAsync();
      await service.endAsync();
    }
  });

  it('delivers the QoS 1 readings a device published while Lucid was down (persistent session)', async () => {
    const running = procs.find((p) => p.name === 'node-red pipeline')!;
    await stop(running);
    procs.splice(procs.indexOf(running), 1);
    const [user, password] = Object.entries(DEVICE_ACCOUNTS)[1];
    const [tenant, deviceId] = user.split('/');
    const device = (await mqttConnect({ username: user, password })).client!;
    const published = 40;
    const t0 = Math.floor(Date.now() / 1000) * 1000 - published * 1000;
    for (let i = 0; i < published; i++) {
      await device.publishAsync(
        `tenants/${tenant}/devices/${deviceId}/telemetry`,
        JSON.stringify({ ts: t0 + i * 1000, metrics: { temperature: 20 + (i % 3) } }),
        { qos: 1 },
      );
    }
    await device.endAsync();
    pipeline = await startNodeRed('pipeline', pipelineEnv);
    apiUrl = `http://127.0.0.1:${pipeline.port}/lucid/api`;
    const from = new Date(t0 - 1000).toISOString();
    const to = new Date(t0 + published * 1000).toISOString();
    const stored = await waitFor('the readings published during the outage', 60_000, async () => {
      const r = await api(
        `/series?device=${deviceId}&metric=temperature&from=${from}&to=${to}`,
        NODE_RED_ENV.LUCID_API_TOKEN,
      );
      if (r.status !== 200) throw new Error(`GET series: ${r.status} ${await r.text()}`);
      const { rawCount } = (await r.json()) as { rawCount: number };
      if (rawCount < published) throw new Error(`${rawCount} of ${published} readings stored so far`);
      return rawCount;
    });
    expect(stored).toBe(published);
  });

  it('encrypts the provisioned credentials with the credential secret once Node-RED has loaded them', () => {
    const cred = JSON.parse(
      fs.readFileSync(path.join(pipeline.userDir, 'flows_cred.json'), 'utf8'),
    ) as Record<string, unknown>;
    // Either still the provisioned ${VAR} references or Node-RED's encrypted form: never a secret.
    const text = JSON.stringify(cred);
    for (const secret of [CREDS.LUCID_MQTT_PASSWORD, NODE_RED_ENV.LUCID_GRAFANA_API_TOKEN])
      expect(text).not.toContain(secret);
  });
});
