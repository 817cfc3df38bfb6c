/**
 * The Node-RED container: its settings file (loads with the environment set, refuses without
 * it), the Dockerfile (copied paths exist and are in the build context; pinned base image), the
 * provisioned flows (the example flow, changed only where containers differ) and the start-up
 * provisioning of the flow into the user dir.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simulatedFleetFlow } from '../../node-red-nodes/src/cli/example-flows';
import { compose, envReferences, readJson, readText, repoPath, REPO } from './helpers/repo';
import containerFlowsModule = require('../lib/container-flows');
import provisionModule = require('../node-red/provision-flows');

const { ADAPTED, CREDENTIALS, containerFlows } = containerFlowsModule;
const { provisionFlows, STAMP } = provisionModule;
const NODE_RED_DIR = repoPath('provisioning', 'node-red');
const SETTINGS = path.join(NODE_RED_DIR, 'settings.js');

const ENV = {
  NODE_RED_CREDENTIAL_SECRET: 'a-credential-secret-for-tests',
  NODE_RED_ADMIN_USER: 'operator-admin',
  NODE_RED_ADMIN_PASSWORD: 'correct horse battery staple',
};

/** Loads settings.js afresh with exactly `env` set for the Lucid variables. */
function loadSettings(env: Record<string, string | undefined>): Record<string, unknown> & {
  adminAuth: {
    users: (u: string) => Promise<unknown>;
    authenticate: (u: string, p: string) => Promise<unknown>;
  };
} {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (/^(LUCID_|NODE_RED_)/.test(k)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  try {
    let settings: unknown;
    jest.isolateModules(() => {
      settings = require(SETTINGS);
    });
    return settings as ReturnType<typeof loadSettings>;
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('provisioning/node-red/settings.js', () => {
  it('loads with the environment set: credential secret, log level and context store', () => {
    const s = loadSettings(ENV);
    expect(s.credentialSecret).toBe(ENV.NODE_RED_CREDENTIAL_SECRET);
    expect(s.flowFile).toBe('flows.json');
    expect(s.contextStorage).toEqual({ default: { module: 'localfilesystem' } });
    expect(s.functionExternalModules).toBe(false);
    expect(s.disableEditor).toBe(false);
    expect(loadSettings({ ...ENV, LUCID_FLOW: 'simulator' }).disableEditor).toBe(true);
  });

  it('logs in the admin user from the environment only, with the right password', async () => {
    const { adminAuth } = loadSettings(ENV);
    await expect(adminAuth.authenticate('operator-admin', ENV.NODE_RED_ADMIN_PASSWORD)).resolves.toEqual({
      username: 'operator-admin',
      permissions: '*',
    });
    await expect(adminAuth.authenticate('operator-admin', 'wrong password!')).resolves.toBeNull();
    await expect(adminAuth.authenticate('admin', ENV.NODE_RED_ADMIN_PASSWORD)).resolves.toBeNull();
    await expect(adminAuth.authenticate('operator-admin', '')).resolves.toBeNull();
    await expect(adminAuth.users('operator-admin')).resolves.toEqual({
      username: 'operator-admin',
      permissions: '*',
    });
    await expect(adminAuth.users('someone')).resolves.toBeNull();
  });

  it.each([
    [
      'NODE_RED_CREDENTIAL_SECRET',
      { ...ENV, NODE_RED_CREDENTIAL_SECRET: undefined },
      /NODE_RED_CREDENTIAL_SECRET is required/,
    ],
    [
      'NODE_RED_ADMIN_PASSWORD',
      { ...ENV, NODE_RED_ADMIN_PASSWORD: '' },
      /NODE_RED_ADMIN_PASSWORD is required/,
    ],
    [
      'short password',
      { ...ENV, NODE_RED_ADMIN_PASSWORD: 'short' },
      /NODE_RED_ADMIN_PASSWORD must have at least 12/,
    ],
    [
      'short secret',
      { ...ENV, NODE_RED_CREDENTIAL_SECRET: 'short' },
      /NODE_RED_CREDENTIAL_SECRET must have at least 16/,
    ],
    ['log level', { ...ENV, LUCID_LOG_LEVEL: 'loud' }, /LUCID_LOG_LEVEL must be one of/],
  ])('refuses to load without a valid %s', (_name, env, message) => {
    expect(() => loadSettings(env as Record<string, string>)).toThrow(message);
  });

  it('defaults every variable the flows reference and Compose does not always set', () => {
    const s = loadSettings(ENV) as unknown as { lucidFlowEnvDefaults: Record<string, string> };
    const services = compose().services;
    for (const [file, service] of [
      ['flows.json', 'node-red'],
      ['flows_cred.json', 'node-red'],
      ['simulator-flows.json', 'simulator'],
      ['simulator-flows_cred.json', 'simulator'],
    ]) {
      for (const name of envReferences(fs.readFileSync(path.join(NODE_RED_DIR, file), 'utf8'))) {
        const set = name in (services[service].environment ?? {}) || name in s.lucidFlowEnvDefaults;
        expect({ file, name, set }).toEqual({ file, name, set: true });
      }
    }
  });
});

describe('provisioning/node-red/Dockerfile', () => {
  const dockerfile = readText('provisioning', 'node-red', 'Dockerfile');
  const ignore = readText('provisioning', 'node-red', 'Dockerfile.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  /** Whether the build context keeps `file` (Docker's rule: the last matching pattern wins). */
  const inContext = (file: string): boolean => {
    let kept = true;
    for (const pattern of ignore) {
      const negated = pattern.startsWith('!');
      const p = (negated ? pattern.slice(1) : pattern).replace(/\/$/, '');
      if (p === '*' || file === p || file.startsWith(`${p}/`)) kept = negated;
    }
    return kept;
  };
  const copies = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].map((m) => {
    const parts = m[1]
      .trim()
      .split(/\s+/)
      .filter((p) => !p.startsWith('--'));
    return { sources: parts.slice(0, -1), target: parts[parts.length - 1] };
  });

  it('copies only paths that exist and that the build context keeps', () => {
    expect(copies.length).toBeGreaterThan(4);
    for (const { sources } of copies) {
      for (const source of sources) {
        expect({
          source,
          exists: fs.existsSync(repoPath(source)),
          inContext: inContext(source.replace(/\/$/, '')),
        }).toEqual({ source, exists: true, inContext: true });
      }
    }
  });

  it('copies the package.json of every npm workspace (npm ci checks the lock against them all)', () => {
    const workspaces = readJson<{ workspaces: string[] }>('package.json').workspaces;
    const copied = copies.flatMap((c) => c.sources);
    for (const ws of workspaces) expect(copied).toContain(`${ws}/package.json`);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'node-red-nodes/']));
  });

  it('keeps the sources the build needs and leaves out installed and built files', () => {
    for (const f of [
      'node-red-nodes/src/lib/index.ts',
      'node-red-nodes/tsconfig.build.json',
      'node-red-nodes/scripts/copy-assets.js',
      'node-red-nodes/playbooks',
      'node-red-nodes/examples',
    ]) {
      expect({ f, kept: inContext(f) }).toEqual({ f, kept: true });
    }
    for (const f of [
      'node_modules',
      'node-red-nodes/node_modules/x',
      'node-red-nodes/dist/x.js',
      'grafana-panel-plugin/src/module.ts',
      '.env',
      '.git/HEAD',
    ]) {
      expect({ f, kept: inContext(f) }).toEqual({ f, kept: false });
    }
  });

  it('builds FROM the official Node-RED 4.1 image on Node 20 or 22, the one Compose passes', () => {
    const m = /^ARG NODE_RED_IMAGE=(nodered\/node-red:(4\.1\.\d+)-(20|22))$/m.exec(dockerfile);
    expect(m).not.toBeNull();
    expect(dockerfile.match(/^FROM \$\{NODE_RED_IMAGE\}/gm)).toHaveLength(2);
    const build = compose().services['node-red'].build!;
    expect(build).toMatchObject({ context: '.', dockerfile: 'provisioning/node-red/Dockerfile' });
    expect(build.args?.NODE_RED_IMAGE).toBe(`nodered/node-red:\${NODE_RED_VERSION:-${m![2]}-${m![3]}}`);
    // The installed Node-RED of this repository is the same minor version as the image.
    expect(readJson<{ version: string }>('node_modules', 'node-red', 'package.json').version).toMatch(
      /^4\.1\./,
    );
  });

  it('starts through the entrypoint that provisions the flow with the Lucid settings', () => {
    const entrypoint = readText('provisioning', 'node-red', 'entrypoint.sh');
    expect(entrypoint).toContain('provision-flows.js');
    expect(entrypoint).toMatch(/^exec node "\$LUCID_DIR\/lucid-red.js"$/m);
    expect(fs.readFileSync(path.join(NODE_RED_DIR, 'lucid-red.js'), 'utf8')).toContain(
      "require(path.join(__dirname, 'settings.js'))",
    );
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/bin\/sh", "\/usr\/src\/node-red\/lucid\/entrypoint.sh"\]$/m);
  });
});

describe('the provisioned flows', () => {
  const example = simulatedFleetFlow();
  const generated = containerFlows(example);

  it('are the files generated from the example flow (run `npm run flows -w provisioning` after changing it)', () => {
    const expected: Record<string, unknown> = {
      'flows.json': generated.pipeline,
      'flows_cred.json': generated.pipelineCredentials,
      'simulator-flows.json': generated.simulator,
      'simulator-flows_cred.json': generated.simulatorCredentials,
    };
    for (const [file, value] of Object.entries(expected)) {
      expect({ file, value: JSON.parse(fs.readFileSync(path.join(NODE_RED_DIR, file), 'utf8')) }).toEqual({
        file,
        value,
      });
    }
    // Written through Prettier (containerFlowFiles), as `npm run lint` wants them.
    const check = spawnSync(
      process.execPath,
      [
        repoPath('node_modules', 'prettier', 'bin', 'prettier.cjs'),
        '--check',
        ...Object.keys(expected).map((f) => path.join(NODE_RED_DIR, f)),
      ],
      { encoding: 'utf8' },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('hold every node of the example and nothing else, changed only in the properties containers need', () => {
    const provisioned = new Map<string, Record<string, unknown>>();
    for (const n of [...generated.pipeline, ...generated.simulator])
      if (!provisioned.has(n.id)) provisioned.set(n.id, n);
    const adapted = ADAPTED as Record<string, Record<string, unknown>>;
    for (const node of example) {
      const got = provisioned.get(node.id);
      expect({ id: node.id, type: node.type, present: Boolean(got) }).toEqual({
        id: node.id,
        type: node.type,
        present: true,
      });
      // The simulator container's tab has its own label and description.
      const allowed = [...Object.keys(adapted[node.type] ?? {})];
      const changed = Object.keys({ ...node, ...got }).filter(
        (k) => JSON.stringify(node[k]) !== JSON.stringify(got![k]) && !allowed.includes(k),
      );
      expect({ id: node.id, changed }).toEqual({ id: node.id, changed: [] });
    }
    expect([...provisioned.keys()].sort()).toEqual(example.map((n) => n.id).sort());
    // The properties set from the environment are those of ADAPTED, on nodes the example has.
    for (const type of Object.keys(adapted)) expect(example.map((n) => n.type)).toContain(type);
  });

  it('split the simulator into its own flow and keep the pipeline free of it', () => {
    const types = (flow: { type: string }[]) => flow.map((n) => n.type);
    expect(types(generated.simulator).sort()).toEqual(['lucid-simulate', 'mqtt out', 'mqtt-broker', 'tab']);
    expect(types(generated.pipeline)).not.toContain('lucid-simulate');
    for (const t of [
      'mqtt in',
      'lucid-ingest',
      'lucid-detect',
      'lucid-explain',
      'lucid-route',
      'lucid-store',
      'lucid-store-config',
    ]) {
      expect(types(generated.pipeline)).toContain(t);
    }
    // Every wire of each flow ends at a node of that flow.
    for (const flow of [generated.pipeline, generated.simulator]) {
      const ids = new Set(flow.map((n) => n.id));
      for (const n of flow)
        for (const port of (n.wires as string[][] | undefined) ?? [])
          for (const t of port) expect(ids.has(t)).toBe(true);
    }
  });

  it('keep only ${VAR} references as credentials, for the broker and the store', () => {
    const creds = CREDENTIALS as Record<string, Record<string, Record<string, string>>>;
    for (const byType of Object.values(creds))
      for (const fields of Object.values(byType))
        for (const v of Object.values(fields)) expect(v).toMatch(/^\$\{[A-Z_]+\}$/);
    const broker = generated.pipeline.find((n) => n.type === 'mqtt-broker')!;
    expect(generated.pipelineCredentials[broker.id]).toEqual({
      user: '${LUCID_MQTT_USERNAME}',
      password: '${LUCID_MQTT_PASSWORD}',
    });
    expect(generated.simulatorCredentials[broker.id]).toEqual({
      user: '${LUCID_MQTT_DEVICE_USERNAME}',
      password: '${LUCID_MQTT_DEVICE_PASSWORD}',
    });
  });
});

describe('provision-flows.js (container start)', () => {
  let dir: string;
  const log: string[] = [];
  const run = (env: Record<string, string>) =>
    provisionFlows({ env: { NODE_RED_USER_DIR: dir, ...env }, log: (l: string) => log.push(l) });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-provision-'));
    log.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the pipeline or the simulator flow with its credentials on first start', () => {
    expect(run({})).toBe('written');
    expect(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(NODE_RED_DIR, 'flows.json'), 'utf8'),
    );
    expect(fs.readFileSync(path.join(dir, 'flows_cred.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(NODE_RED_DIR, 'flows_cred.json'), 'utf8'),
    );
    expect(fs.statSync(path.join(dir, 'flows_cred.json')).mode & 0o777).toBe(0o600);
    const sim = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-provision-sim-'));
    try {
      expect(
        provisionFlows({ env: { NODE_RED_USER_DIR: sim, LUCID_FLOW: 'simulator' }, log: () => undefined }),
      ).toBe('written');
      expect(
        JSON.parse(fs.readFileSync(path.join(sim, 'flows.json'), 'utf8')).some(
          (n: { type: string }) => n.type === 'lucid-simulate',
        ),
      ).toBe(true);
    } finally {
      fs.rmSync(sim, { recursive: true, force: true });
    }
  });

  it('auto: leaves an unchanged flow alone, upgrades an untouched one, keeps an edited one', () => {
    run({});
    expect(run({})).toBe('unchanged');
    // Node-RED rewrote the same flow in its own format: still unchanged.
    const flow = JSON.parse(fs.readFileSync(path.join(dir, 'flows.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow));
    expect(run({})).toBe('unchanged');
    // An older provisioned flow nobody edited: upgraded.
    const older = [...flow.slice(0, -1)];
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(older));
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP), 'utf8'));
    const crypto = require('node:crypto') as typeof import('node:crypto');
    stamp.flowHash = crypto.createHash('sha256').update(JSON.stringify(older)).digest('hex');
    fs.writeFileSync(path.join(dir, STAMP), JSON.stringify(stamp));
    expect(run({})).toBe('written');
    // Edited in the editor (differs from what was provisioned): kept, with a warning.
    fs.writeFileSync(
      path.join(dir, 'flows.json'),
      JSON.stringify([...flow, { id: 'mine', type: 'comment' }]),
    );
    expect(run({})).toBe('kept');
    expect(log.join('\n')).toMatch(/changed in the editor: kept/);
    expect(run({ LUCID_FLOW_PROVISIONING: 'always' })).toBe('written');
    expect(run({ LUCID_FLOW_PROVISIONING: 'never' })).toBe('skipped');
  });

  it.each([
    [{ LUCID_FLOW: 'both' }, /LUCID_FLOW must be pipeline or simulator/],
    [{ LUCID_FLOW_PROVISIONING: 'sometimes' }, /LUCID_FLOW_PROVISIONING must be auto, always or never/],
  ])('refuses %p', (env, message) => {
    expect(() => run(env as Record<string, string>)).toThrow(message);
  });

  it('is the script the image runs at start', () => {
    expect(fs.existsSync(path.join(REPO, 'provisioning', 'node-red', 'provision-flows.js'))).toBe(true);
  });
});
