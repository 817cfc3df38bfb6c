import * as net from 'node:net';
import * as path from 'node:path';
import { ConfigError } from '../../src/lib/contracts/errors';
import { replayDeviceId } from '../../src/cli/flow-provisioning';
import { assertPortFree } from '../../src/cli/ports';
import { resolveStackOptions } from '../../src/cli/start';

describe('resolveStackOptions', () => {
  it('uses the documented defaults', () => {
    const o = resolveStackOptions([], {});
    expect(o).toMatchObject({
      port: 1880,
      mqttPort: 1883,
      mqttUrl: undefined,
      logLevel: 'warn',
      mode: { kind: 'simulate', speed: 60, seed: 42 },
    });
    expect(o !== 'help' && o.dataDir).toBe(path.resolve('.lucid-data'));
  });

  it('reads environment variables, and flags win over them', () => {
    const env = {
      LUCID_PORT: '2880',
      LUCID_MQTT_PORT: '2883',
      LUCID_DATA_DIR: '/tmp/x',
      LUCID_MQTT_URL: 'mqtt://b:1883',
    };
    expect(resolveStackOptions([], env)).toMatchObject({
      port: 2880,
      mqttPort: 2883,
      dataDir: '/tmp/x',
      mqttUrl: 'mqtt://b:1883',
    });
    expect(resolveStackOptions(['--port', '3000'], env)).toMatchObject({ port: 3000 });
  });

  it('switches to replay with --replay', () => {
    expect(resolveStackOptions(['--replay', 'data/x.csv', '--speed', '100'], {})).toMatchObject({
      mode: { kind: 'replay', path: path.resolve('data/x.csv'), speed: 100 },
    });
  });

  it.each([
    [['--port', '70000'], {}, /TCP port/],
    [[], { LUCID_PORT: 'abc' }, /LUCID_PORT/],
    [['--speed=-1'], {}, /--speed must be a number ≥ 0/],
    [['--bogus'], {}, /Unknown option '--bogus'/],
    [['--log-level', 'loud'], {}, /--log-level/],
  ])('rejects %j %j with a clear ConfigError', (args, env, message) => {
    expect(() => resolveStackOptions(args, env)).toThrow(ConfigError);
    expect(() => resolveStackOptions(args, env)).toThrow(message);
  });

  it('answers help', () => {
    expect(resolveStackOptions(['--help'], {})).toBe('help');
  });
});

describe('replayDeviceId', () => {
  it.each([
    [
      '/d/NAB/data/realKnownCause/machine_temperature_system_failure.csv',
      'machine_temperature_system_failure',
    ],
    ['/d/SKAB/data/valve1/1.csv', 'valve1-1'],
    ['/d/SMD/test/machine-1-2.txt.gz', 'machine-1-2'],
    ['/d/my data/line #2.csv', 'line__2'],
  ])('%s → %s', (file, id) => {
    expect(replayDeviceId(file)).toBe(id);
  });
});

describe('assertPortFree', () => {
  it('passes for a free port and names the port and the remedy for a taken one', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(assertPortFree(port, '127.0.0.1', 'Node-RED editor', 'set LUCID_PORT')).rejects.toThrow(
        `port ${port} on 127.0.0.1 (Node-RED editor) is already in use; set LUCID_PORT`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await expect(assertPortFree(port, '127.0.0.1', 'x', 'y')).resolves.toBeUndefined();
  });
});
