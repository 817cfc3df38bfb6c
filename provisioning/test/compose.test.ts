/**
 * docker-compose.yml and .env.example, validated without a Docker engine: Debian's
 * docker-compose v1.29 (`config -q`), the Compose Specification's JSON schema, depends_on
 * targets and conditions, health checks, named volumes, bind-mount sources, and the variables.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import {
  compose,
  envReferences,
  mounts,
  parseEnvFile,
  readJson,
  readText,
  repoPath,
  testEnv,
  REPO,
} from './helpers/repo';
import { skippedByRunner } from '../../test-support/test-skips';

function dockerCompose(args: string[], envFile?: string): { status: number | null; output: string } {
  const r = spawnSync(
    'docker-compose',
    [...(envFile ? ['--env-file', envFile] : []), '-f', 'docker-compose.yml', ...args],
    {
      cwd: REPO,
      encoding: 'utf8',
      // Only the env file counts: no variable leaks in from the caller's environment.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() },
      timeout: 20_000,
    },
  );
  if (r.error)
    throw new Error(`docker-compose: ${r.error.message} (apt-get install docker-compose; \`npm test\` does)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// `npm test` could not install docker-compose (it says why); run directly, a missing one fails.
const skipDockerCompose = skippedByRunner('docker-compose');
if (skipDockerCompose)
  console.warn(
    'SKIPPED `docker-compose config` checks: docker-compose is not installed (apt-get install docker-compose)',
  );
const withDockerCompose = skipDockerCompose ? it.skip : it;

describe('docker-compose.yml', () => {
  const file = compose();
  const services = file.services;
  let envFile: string;

  beforeAll(() => {
    envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-compose-')), '.env');
    fs.writeFileSync(envFile, [...testEnv()].map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  });
  afterAll(() => fs.rmSync(path.dirname(envFile), { recursive: true, force: true }));

  withDockerCompose('passes `docker-compose config -q` (v1.29) with .env.example filled in', () => {
    const r = dockerCompose(['config', '-q'], envFile);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  withDockerCompose('refuses to start while a secret of .env.example is empty', () => {
    const r = dockerCompose(['config', '-q'], repoPath('.env.example'));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/set [A-Z_]+ in \.env/);
  });

  it('puts the simulator and PostgreSQL in profiles, the simulator on by default', () => {
    expect(services.simulator.profiles).toEqual(['simulator']);
    expect(services.postgres.profiles).toEqual(['postgres']);
    const always = Object.keys(services)
      .filter((s) => !services[s].profiles)
      .sort();
    expect(always).toEqual(['grafana', 'mosquitto', 'node-red']);
    expect(parseEnvFile(readText('.env.example')).get('COMPOSE_PROFILES')).toBe('simulator');
  });

  it('validates against the Compose Specification schema', () => {
    const schema = readJson<Record<string, unknown>>(
      'provisioning',
      'test',
      'fixtures',
      'compose-spec.schema.json',
    );
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const ok = validate(file);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has no top-level `name:` or `version:` (v1.29 rejects the first, Compose v2 warns on the second)', () => {
    expect(
      Object.keys(file)
        .filter((k) => !k.startsWith('x-'))
        .sort(),
    ).toEqual(['services', 'volumes']);
  });

  it('makes every depends_on target an existing service, started before it when healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, dep] of Object.entries(service.depends_on ?? {})) {
        expect({ name, target, exists: target in services }).toEqual({ name, target, exists: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(
          dep.condition,
        );
        if (dep.condition === 'service_healthy') expect(services[target].healthcheck?.test).toBeDefined();
        // A service that always runs must not wait for one of an optional profile.
        if (!service.profiles)
          expect({ name, target, profiles: services[target].profiles }).toEqual({
            name,
            target,
            profiles: undefined,
          });
      }
    }
    expect(services['node-red'].depends_on).toEqual({ mosquitto: { condition: 'service_healthy' } });
    expect(services.grafana.depends_on).toEqual({ 'node-red': { condition: 'service_healthy' } });
    expect(Object.keys(services.simulator.depends_on ?? {}).sort()).toEqual(['mosquitto', 'node-red']);
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, test: service.healthcheck?.test?.[0] }).toEqual({
        name,
        test: expect.stringMatching(/^CMD(-SHELL)?$/),
      });
    }
  });

  it('keeps every stateful service on a declared named volume', () => {
    const declared = Object.keys(file.volumes ?? {});
    const stateful: Record<string, string> = {
      mosquitto: '/mosquitto/data',
      'node-red': '/data',
      simulator: '/data',
      grafana: '/var/lib/grafana',
      postgres: '/var/lib/postgresql/data',
    };
    for (const [name, target] of Object.entries(stateful)) {
      const m = mounts(services[name]).find((v) => v.target === target);
      expect({ name, source: m?.source, declared: declared.includes(m?.source ?? '') }).toEqual({
        name,
        source: expect.any(String),
        declared: true,
      });
    }
    const used = Object.values(services).flatMap((s) => mounts(s).map((m) => m.source));
    for (const volume of declared) expect(used).toContain(volume);
  });

  it('mounts only files that exist, read-only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const m of mounts(service).filter((v) => v.source.startsWith('./'))) {
        expect({
          name,
          source: m.source,
          exists: fs.existsSync(repoPath(m.source)),
          readOnly: m.readOnly,
        }).toEqual({ name, source: m.source, exists: true, readOnly: true });
      }
    }
  });

  it('documents every variable it reads in .env.example, and .env.example sets nothing unused', () => {
    const used = envReferences(readText('docker-compose.yml'));
    const documented = parseEnvFile(readText('.env.example'));
    const missing = [...used].filter((v) => !documented.has(v));
    expect(missing).toEqual([]);
    // COMPOSE_PROFILES is read by Compose itself.
    const unused = [...documented.keys()].filter((v) => !used.has(v) && v !== 'COMPOSE_PROFILES');
    expect(unused).toEqual([]);
    // Each variable has a comment block above it (documentation, not just a list).
    const lines = readText('.env.example').split('\n');
    for (const name of documented.keys()) {
      let i = lines.findIndex((l) => l.startsWith(`${name}=`)) - 1;
      while (i >= 0 && /^[A-Z_]+=/.test(lines[i])) i--;
      expect({ name, comment: lines[i]?.startsWith('#') }).toEqual({ name, comment: true });
    }
  });

  it('keeps secrets out of the repository: every secret is required and empty in .env.example', () => {
    const secrets = [
      'LUCID_MQTT_PASSWORD',
      'LUCID_MQTT_DEVICE_PASSWORD',
      'NODE_RED_ADMIN_PASSWORD',
      'NODE_RED_CREDENTIAL_SECRET',
      'LUCID_API_TOKEN',
      'LUCID_GRAFANA_API_TOKEN',
      'GRAFANA_ADMIN_PASSWORD',
      'POSTGRES_PASSWORD',
    ];
    const env = parseEnvFile(readText('.env.example'));
    for (const name of secrets) expect({ name, value: env.get(name) }).toEqual({ name, value: '' });
    const text = readText('docker-compose.yml');
    for (const name of secrets.filter((s) => s !== 'POSTGRES_PASSWORD'))
      expect(text).toContain(`\${${name}:?`);
    expect(fs.readFileSync(repoPath('.gitignore'), 'utf8')).toMatch(/^\.env$/m);
  });

  it('runs Grafana without anonymous access, with only the Lucid plugins allowed unsigned', () => {
    const env = services.grafana.environment ?? {};
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    const ids = ['grafana-datasource-plugin', 'grafana-panel-plugin'].map(
      (p) => readJson<{ id: string }>(p, 'src', 'plugin.json').id,
    );
    expect((env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '').split(',').sort()).toEqual([...ids].sort());
    for (const [plugin, id] of [
      ['grafana-datasource-plugin', ids[0]],
      ['grafana-panel-plugin', ids[1]],
    ]) {
      const m = mounts(services.grafana).find((v) => v.source === `./${plugin}/dist`);
      expect(m?.target).toBe(`${env.GF_PATHS_PLUGINS}/${id}`);
    }
  });
});
