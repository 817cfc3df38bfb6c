/**
 * The doors of `npm start`, checked over HTTP against the real embedded stack (aedes, Node-RED
 * with its real adminAuth, the Lucid nodes from dist/): no cross-origin access to the editor,
 * the admin API or the store API; no deploy without the editor password; the data folder and
 * the secrets in it readable by their owner only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedStack, type RunningStack } from '../../src/cli/embedded-stack';
import { freePort } from '../../src/cli/ports';
import { startBanner } from '../../src/cli/start';

const DIST_NODE = path.join(__dirname, '..', '..', 'dist', 'nodes', 'lucid-store', 'lucid-store.js');
const EVIL_ORIGIN = 'http://evil.example';

jest.setTimeout(120_000);

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function loginToken(stack: RunningStack, password: string): Promise<Response> {
  return fetch(`${stack.editorUrl}auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope: '*',
      username: stack.editorUser,
      password,
    }),
  });
}

describe('npm start: editor login, CORS and data folder permissions', () => {
  let stack: RunningStack;
  let dataDir: string;
  let staleFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(DIST_NODE)) throw new Error(`${DIST_NODE} is missing: run \`npm run build\` first`);
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-doors-')), 'data');
    // What an earlier version left: a world-readable folder and file.
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    staleFile = path.join(dataDir, 'left-over.json');
    fs.writeFileSync(staleFile, '{}', { mode: 0o644 });
    fs.chmodSync(staleFile, 0o644);
    delete process.env.LUCID_EDITOR_PASSWORD;
    stack = await startEmbeddedStack({
      port: await freePort(),
      mqttPort: await freePort(),
      dataDir,
      mode: { kind: 'simulate', speed: 60, seed: 7, durationMin: 30 },
      logLevel: 'error',
    });
    await until('the store API', async () =>
      (await fetch(`${stack.apiUrl}/health`)).status === 200 ? true : undefined,
    );
  });

  afterAll(async () => {
    await stack?.stop();
    if (dataDir) fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('answers a cross-origin preflight for POST /flows without Access-Control-Allow-Origin', async () => {
    const res = await fetch(`${stack.editorUrl}flows`, {
      method: 'OPTIONS',
      headers: {
        Origin: EVIL_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, node-red-deployment-type',
      },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('answers a cross-origin preflight for the store API without Access-Control-Allow-Origin', async () => {
    for (const endpoint of ['alerts', 'alerts/x/ack', 'health']) {
      const res = await fetch(`${stack.apiUrl}/${endpoint}`, {
        method: 'OPTIONS',
        headers: {
          Origin: EVIL_ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends no Access-Control-Allow-Origin on plain cross-origin requests either', async () => {
    for (const url of [stack.editorUrl, `${stack.editorUrl}settings`, `${stack.apiUrl}/health`]) {
      const res = await fetch(url, { headers: { Origin: EVIL_ORIGIN } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses the admin API without credentials (401) and with a wrong password', async () => {
    const read = await fetch(`${stack.editorUrl}flows`);
    expect(read.status).toBe(401);
    const deploy = await fetch(`${stack.editorUrl}flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([{ id: 'x1', type: 'tab', label: 'attack' }]),
    });
    expect(deploy.status).toBe(401);
    const wrong = await loginToken(stack, `${stack.editorPassword}x`);
    expect(wrong.ok).toBe(false);
    expect(await wrong.text()).not.toContain('access_token');
  });

  it('lets the generated password log in and deploy', async () => {
    const login = await loginToken(stack, stack.editorPassword);
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const auth = { Authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v1' };
    const flows = await fetch(`${stack.editorUrl}flows`, { headers: auth });
    expect(flows.status).toBe(200);
    const flow = (await flows.json()) as unknown[];
    expect(flow.length).toBeGreaterThan(0);
    // The embedded stack's Node-RED (a per-process singleton) says when the redeployed nodes have
    // started: stopping the stack during a deploy would leave their MQTT clients behind.
    const events = (require('node-red') as { events: NodeJS.EventEmitter }).events;
    const started = new Promise((resolve) => events.once('flows:started', resolve));
    const deploy = await fetch(`${stack.editorUrl}flows`, {
      method: 'POST',
      // Only changed nodes restart: the flow is the same, so the deploy is quick.
      headers: { ...auth, 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(flow),
    });
    expect(deploy.status).toBe(204);
    await started;
  });

  it('keeps the password in the data folder (0600) and prints it in the start banner', () => {
    expect(stack.editorPasswordSource).toBe('generated');
    expect(stack.editorPassword.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(stack.editorPasswordFile, 'utf8').trim()).toBe(stack.editorPassword);
    expect(modeOf(stack.editorPasswordFile)).toBe(0o600);
    const banner = startBanner(stack, 'simulating', dataDir);
    expect(banner).toContain(`user ${stack.editorUser}`);
    expect(banner).toContain(stack.editorPassword);
    expect(banner).toContain(stack.editorPasswordFile);
    expect(banner).toContain(stack.apiToken);
  });

  it('makes the data folder 0700 and every file Lucid and Node-RED wrote in it 0600', async () => {
    // The store has written alerts or readings by now, so its WAL exists.
    await until('the SQLite WAL', async () => {
      const wal = walk(dataDir).find((f) => f.endsWith('.db-wal') || f.endsWith('.sqlite-wal'));
      return wal;
    });
    expect(modeOf(dataDir)).toBe(0o700);
    const files = walk(dataDir);
    const names = files.map((f) => path.basename(f));
    for (const expected of [
      'editor-password',
      'api-token',
      'credential-secret',
      'lucid-signing-key.pem',
      'flows.json',
    ])
      expect(names).toContain(expected);
    expect(names.some((n) => n.endsWith('-wal'))).toBe(true);
    const loose = files
      .filter((f) => modeOf(f) !== 0o600)
      .map((f) => `${path.relative(dataDir, f)} ${modeOf(f).toString(8)}`);
    expect(loose).toEqual([]);
    const looseDirs = dirs(dataDir)
      .filter((d) => modeOf(d) !== 0o700)
      .map((d) => `${path.relative(dataDir, d)} ${modeOf(d).toString(8)}`);
    expect(looseDirs).toEqual([]);
    expect(modeOf(staleFile)).toBe(0o600);
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(full);
    return e.isFile() ? [full] : [];
  });
}

function dirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'node_modules')
    .flatMap((e) => [path.join(dir, e.name), ...dirs(path.join(dir, e.name))]);
}
