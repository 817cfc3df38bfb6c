/**
 * The doors of the Compose stack's Node-RED, checked over real HTTP: the image's entrypoint
 * files (provision-flows.js, then lucid-red.js with the provisioned settings.js) run here with
 * this repository's Node-RED 4.1 and Lucid nodes, as the container runs them. A page of another
 * origin must get no `Access-Control-Allow-Origin` (preflight or not), the admin API must refuse
 * a deploy without the admin login, and the store API must refuse an unauthenticated body
 * before parsing it: a body Node-RED's admin app would parse first (up to 5 MB) is answered
 * with the API's JSON 401, and an authenticated one over the 16 kB limit with its JSON 413.
 *
 * No MQTT broker runs: the flow's broker node retries in the background, which the HTTP side
 * does not depend on. Needs node-red-nodes/dist (`npm run build`; `npm test` builds first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../node-red-nodes/src/cli/ports';
import { repoPath, REPO } from './helpers/repo';

jest.setTimeout(90_000);

const EVIL_ORIGIN = 'http://evil.example';
const ENV = {
  NODE_RED_CREDENTIAL_SECRET: 'doors-test-credential-secret',
  NODE_RED_ADMIN_USER: 'admin',
  NODE_RED_ADMIN_PASSWORD: 'doors-test-admin-password',
  LUCID_LOG_LEVEL: 'error',
  LUCID_API_TOKEN: 'doors-test-admin-token-0123456789',
  LUCID_GRAFANA_API_TOKEN: 'doors-test-grafana-token-0123456789',
  LUCID_MQTT_USERNAME: 'lucid-svc',
  LUCID_MQTT_PASSWORD: 'svc-password-0123456789',
};

let tmp: string;
let child: ChildProcess;
let base: string;
const log: string[] = [];

/** Polls `probe` every 200 ms until it returns a value; fails with Node-RED's log. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited waiting for ${what}\n${log.join('')}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const preflight = (url: string, headers: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: EVIL_ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': headers,
    },
  });

async function adminToken(password: string): Promise<string | undefined> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope: '*',
      username: ENV.NODE_RED_ADMIN_USER,
      password,
    }),
  });
  return res.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
}

/** A JSON-looking body of `bytes` bytes that is not valid JSON (it never closes). */
const brokenJson = (bytes: number): string => `{"comment":"${'x'.repeat(bytes - 13)}`;

describe('Compose Node-RED (lucid-red.js + settings.js): no CORS, admin login, auth before parsing', () => {
  beforeAll(async () => {
    if (!fs.existsSync(repoPath('node-red-nodes', 'dist', 'cli', 'cross-origin.js')))
      throw new Error('node-red-nodes/dist is missing: run `npm run build` first');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-doors-'));
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: tmp,
      ...ENV,
      LUCID_FLOW: 'pipeline',
      LUCID_FLOW_PROVISIONING: 'always',
      NODE_RED_USER_DIR: tmp,
      PORT: String(port),
      LUCID_LISTEN_HOST: '127.0.0.1',
      LUCID_MQTT_HOST: '127.0.0.1',
      LUCID_MQTT_PORT: String(await freePort()),
    };
    const provision = spawnSync(
      process.execPath,
      [repoPath('provisioning', 'node-red', 'provision-flows.js')],
      {
        env,
        encoding: 'utf8',
      },
    );
    if (provision.status !== 0) throw new Error(`provision-flows.js failed: ${provision.stderr}`);
    child = spawn(process.execPath, [repoPath('provisioning', 'node-red', 'lucid-red.js')], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => log.push(chunk.toString('utf8'));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    base = `http://127.0.0.1:${port}`;
    await until('the store API', async () =>
      (await fetch(`${base}/lucid/api/health`)).status === 200 ? true : undefined,
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers cross-origin preflights for the admin and store APIs without Access-Control-Allow-Origin', async () => {
    for (const [url, headers] of [
      [`${base}/flows`, 'content-type, node-red-deployment-type'],
      [`${base}/nodes`, 'content-type'],
      [`${base}/lucid/api/alerts`, 'authorization, content-type'],
      [`${base}/lucid/api/alerts/x/ack`, 'authorization, content-type'],
    ]) {
      const res = await preflight(url, headers);
      expect({ url, allowOrigin: res.headers.get('access-control-allow-origin') }).toEqual({
        url,
        allowOrigin: null,
      });
      expect(res.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('sends no Access-Control-Allow-Origin on plain cross-origin requests', async () => {
    for (const url of [`${base}/`, `${base}/settings`, `${base}/auth/login`, `${base}/lucid/api/health`]) {
      const res = await fetch(url, { headers: { Origin: EVIL_ORIGIN } });
      expect({ url, allowOrigin: res.headers.get('access-control-allow-origin') }).toEqual({
        url,
        allowOrigin: null,
      });
    }
  });

  it('refuses the admin API without credentials (401) and logs in only with the admin password', async () => {
    expect((await fetch(`${base}/flows`)).status).toBe(401);
    const deploy = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([{ id: 'x1', type: 'tab', label: 'attack' }]),
    });
    expect(deploy.status).toBe(401);
    expect(await adminToken(`${ENV.NODE_RED_ADMIN_PASSWORD}x`)).toBeUndefined();
    const token = await adminToken(ENV.NODE_RED_ADMIN_PASSWORD);
    expect(token).toBeDefined();
    const flows = await fetch(`${base}/flows`, { headers: { Authorization: `Bearer ${token}` } });
    expect(flows.status).toBe(200);
    expect(((await flows.json()) as { type: string }[]).map((n) => n.type)).toContain('lucid-store');
  });

  it('refuses an unauthenticated body with the API 401 before parsing it, whatever its size', async () => {
    // 1 MB and 6 MB of broken JSON: parsed first, they would give 400 or an HTML 413.
    for (const bytes of [1_000_000, 6_000_000]) {
      const res = await fetch(`${base}/lucid/api/alerts/x/ack`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: brokenJson(bytes),
      });
      expect({ bytes, status: res.status, type: res.headers.get('content-type') }).toEqual({
        bytes,
        status: 401,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
    }
  });

  it('applies the 16 kB limit before parsing an authenticated body (JSON 413), then parses small ones', async () => {
    const post = (body: string) =>
      fetch(`${base}/lucid/api/alerts/x/ack`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ENV.LUCID_API_TOKEN}` },
        body,
      });
    const large = await post(brokenJson(1_000_000));
    expect(large.status).toBe(413);
    expect(large.headers.get('content-type')).toMatch(/^application\/json/);
    // A small broken body reaches the parser: 400, so the 413 above came from the limit.
    const small = await post(brokenJson(100));
    expect(small.status).toBe(400);
  });
});
