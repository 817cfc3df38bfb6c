/**
 * The Mosquitto configuration, parsed: known directives only, authentication on and anonymous
 * access off, the files entrypoint.sh writes, the folders Compose mounts, the TLS example, and
 * the ACL template. (The stack test runs the same files with Debian's Mosquitto.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose, mounts, readText, repoPath, PROVISIONING } from './helpers/repo';

/** Directives of mosquitto.conf(5) this repository may use. */
const DIRECTIVES = new Set([
  'per_listener_settings',
  'allow_anonymous',
  'password_file',
  'acl_file',
  'listener',
  'protocol',
  'persistence',
  'persistence_location',
  'autosave_interval',
  'max_queued_messages',
  'log_dest',
  'log_type',
  'connection_messages',
  'log_timestamp',
  'log_timestamp_format',
  'include_dir',
  'cafile',
  'capath',
  'certfile',
  'keyfile',
  'tls_version',
  'require_certificate',
  'use_identity_as_username',
  'ciphers',
  'max_keepalive',
  'max_packet_size',
  'message_size_limit',
  'socket_domain',
]);

/** `directive args…` of each non-comment line. */
function parseConf(text: string): { directive: string; args: string[] }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [directive, ...args] = l.split(/\s+/);
      return { directive, args };
    });
}
const values = (conf: ReturnType<typeof parseConf>, directive: string) =>
  conf.filter((c) => c.directive === directive).map((c) => c.args.join(' '));

const conf = parseConf(readText('provisioning', 'mosquitto', 'mosquitto.conf'));
const tls = parseConf(readText('provisioning', 'mosquitto', 'conf.d', 'tls.conf.example'));
const service = compose().services.mosquitto;
const entrypoint = readText('provisioning', 'mosquitto', 'entrypoint.sh');

describe('provisioning/mosquitto', () => {
  it('uses only known directives, each with a value', () => {
    for (const c of [...conf, ...tls]) {
      expect({
        directive: c.directive,
        known: DIRECTIVES.has(c.directive),
        hasValue: c.args.length > 0,
      }).toEqual({ directive: c.directive, known: true, hasValue: true });
    }
  });

  it('turns password authentication on and anonymous access off, for every listener', () => {
    expect(values(conf, 'allow_anonymous')).toEqual(['false']);
    expect(values(conf, 'per_listener_settings')).toEqual(['false']);
    expect(values(conf, 'password_file')).toEqual(['/mosquitto/auth/passwd']);
    expect(values(conf, 'acl_file')).toEqual(['/mosquitto/auth/acl']);
    expect(values(tls, 'allow_anonymous')).toEqual([]);
  });

  it('reads the files entrypoint.sh writes and the folders Compose mounts', () => {
    expect(entrypoint).toContain('AUTH_DIR="${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}"');
    expect(entrypoint).toMatch(/mosquitto_passwd -c -b "\$AUTH_DIR\/passwd"/);
    expect(entrypoint).toContain('> "$AUTH_DIR/acl"');
    expect(service.entrypoint).toEqual(['/bin/sh', '/mosquitto/config/entrypoint.sh']);
    const m = mounts(service);
    const configDir = m.find((v) => v.source === './provisioning/mosquitto')!.target;
    expect(values(conf, 'include_dir')).toEqual([`${configDir}/conf.d`]);
    expect(entrypoint).toContain(`MOSQUITTO_CONF:-${configDir}/mosquitto.conf`);
    expect(entrypoint).toContain(`MOSQUITTO_ACL_TEMPLATE:-${configDir}/acl.template`);
    const dataVolume = m.find((v) => !v.source.startsWith('./'))!.target;
    expect(values(conf, 'persistence_location')).toEqual([`${dataVolume}/`]);
  });

  it('listens on 1883, the port Compose publishes and the flows connect to', () => {
    expect(values(conf, 'listener')).toEqual(['1883']);
    expect(service.ports).toContain(
      '${LUCID_MQTT_BIND_ADDRESS:-127.0.0.1}:${LUCID_MQTT_HOST_PORT:-1883}:1883',
    );
    expect(compose().services['node-red'].environment?.LUCID_MQTT_PORT).toBe('1883');
  });

  it('documents an optional TLS listener on 8883 with the certificates in the mounted certs folder', () => {
    expect(values(tls, 'listener')).toEqual(['8883']);
    const certs = mounts(service).find((v) => v.source === './provisioning/mosquitto/certs')!;
    expect(certs.readOnly).toBe(true);
    for (const d of ['cafile', 'certfile', 'keyfile'])
      expect(values(tls, d)[0]).toMatch(new RegExp(`^${certs.target}/`));
    expect(service.ports).toContain(
      '${LUCID_MQTT_BIND_ADDRESS:-127.0.0.1}:${LUCID_MQTT_TLS_PORT:-8883}:8883',
    );
    // Only *.conf files are loaded: the example stays off until copied.
    expect(
      fs.readdirSync(path.join(PROVISIONING, 'mosquitto', 'conf.d')).filter((f) => f.endsWith('.conf')),
    ).toEqual([]);
    expect(readText('provisioning', 'mosquitto', 'certs', '.gitignore')).toMatch(/^\*$/m);
  });

  it('grants devices telemetry and status only, and Lucid the topics of its flows', () => {
    const acl = parseConf(readText('provisioning', 'mosquitto', 'acl.template'));
    const rules = new Map<string, string[]>();
    let user = '';
    for (const c of acl) {
      expect(['user', 'topic']).toContain(c.directive);
      if (c.directive === 'user') user = c.args[0];
      else rules.set(user, [...(rules.get(user) ?? []), c.args.join(' ')]);
    }
    expect([...rules.keys()]).toEqual(['@SERVICE_USER@', '@DEVICE_USER@']);
    expect(rules.get('@DEVICE_USER@')).toEqual([
      'write tenants/+/devices/+/telemetry',
      'write tenants/+/devices/+/status',
    ]);
    // The pipeline flow subscribes and publishes where the ACL lets it.
    const flow = JSON.parse(readText('provisioning', 'node-red', 'flows.json')) as {
      type: string;
      topic?: string;
    }[];
    const mqttIn = flow.filter((n) => n.type === 'mqtt in').map((n) => n.topic);
    for (const topic of mqttIn) expect(rules.get('@SERVICE_USER@')).toContain(`read ${topic}`);
    expect(rules.get('@SERVICE_USER@')).toContain('readwrite tenants/+/alerts/#');
  });

  it('publishes every host port on 127.0.0.1 unless .env names another address', () => {
    for (const [name, svc] of Object.entries(compose().services)) {
      for (const port of svc.ports ?? []) {
        expect({ name, port, local: /^'?\$\{LUCID_[A-Z_]*BIND_ADDRESS:-127\.0\.0\.1\}:/.test(port) }).toEqual(
          {
            name,
            port,
            local: true,
          },
        );
      }
    }
    const env = readText('.env.example');
    expect(env).toMatch(/^LUCID_MQTT_BIND_ADDRESS=127\.0\.0\.1$/m);
    expect(env).toMatch(/^LUCID_BIND_ADDRESS=127\.0\.0\.1$/m);
  });

  it.each([
    ['an id with a slash', 'acme press/07 a-good-password-123'],
    ['the tenant ".."', '.. press-07 a-good-password-123'],
    ['an id starting with $', 'acme $SYS a-good-password-123'],
    ['a short password', 'acme press-07 short'],
    ['a password with a space', 'acme press-07 a-good password-123'],
    ['a missing password', 'acme press-07'],
  ])('refuses a devices file with %s before writing any account', (_name, bad) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-mqtt-devices-'));
    try {
      const devices = path.join(dir, 'accounts');
      fs.writeFileSync(devices, `# comment\nacme press-08 another-password-456\n${bad}\n`);
      const run = spawnSync('sh', [repoPath('provisioning', 'mosquitto', 'entrypoint.sh')], {
        env: {
          PATH: process.env.PATH,
          LUCID_MQTT_USERNAME: 'lucid-svc',
          LUCID_MQTT_PASSWORD: 'svc-password-0123456789',
          LUCID_MQTT_DEVICE_USERNAME: 'device',
          LUCID_MQTT_DEVICE_PASSWORD: 'device-password-0123456789',
          MOSQUITTO_DEVICES_FILE: devices,
          MOSQUITTO_AUTH_DIR: path.join(dir, 'auth'),
          MOSQUITTO_CONF: path.join(dir, 'missing.conf'),
        },
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/accounts: entry 2/);
      expect(fs.existsSync(path.join(dir, 'auth'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
