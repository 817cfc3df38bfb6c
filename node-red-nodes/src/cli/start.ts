import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/contracts/errors';
import { formatAlert, formatResolved, formatUpdate } from './alert-console';
import { API_TOKEN_ENV, API_TOKEN_FILE } from '../lib/api/api-token';
import { EDITOR_PASSWORD_ENV } from './editor-auth';
import type { RunningStack, StackOptions } from './embedded-stack';
import { DEMO_SPEED } from './example-flows';

/** `lucid start --help`; the simulator's default speed is DEMO_SPEED, as in the flow and README. */
export const HELP = `usage: npm start -- [options]      (or: lucid start [options])

Runs Lucid on this machine: an MQTT broker on 127.0.0.1, Node-RED with the Lucid nodes and the
example flow (editor on 127.0.0.1), and the simulated fleet publishing over MQTT. Explained
alerts are printed here as they happen. Stop with Ctrl+C; starting again with the same data
folder continues the simulated run and the learned state (a device whose clock jumps re-warms
quietly instead of alerting).

options (environment variable in brackets):
  --port N          Node-RED editor and API port           [LUCID_PORT, default 1880]
  --mqtt-port N     in-process MQTT broker port            [LUCID_MQTT_PORT, default 1883]
  --mqtt-url URL    use this broker instead (mqtt://host:port) [LUCID_MQTT_URL]
  --data-dir DIR    Node-RED user dir, context and store   [LUCID_DATA_DIR, default ./.lucid-data]
  --replay FILE     replay a recorded CSV (NAB, SKAB, generic) instead of the simulator
  --speed X         simulator: simulated seconds per real second (default ${DEMO_SPEED});
                    replay: speed-up over the file's own timestamps (default 0 = as fast as possible)
  --seed N          simulator seed (default 42)
  --log-level L     Node-RED log level: error, warn, info, debug (default warn)
  -h, --help        this text

The editor and its admin API need a login: user admin, with the password printed at start
[LUCID_EDITOR_PASSWORD, default: generated on first start and kept in DATA_DIR/editor-password].
The store API needs the bearer token printed at start [LUCID_API_TOKEN, default: generated and
kept in DATA_DIR/api-token]. The data folder and every file in it are readable by you only.
The MQTT broker takes anonymous clients: it is for local demos.
`;

function parsePort(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be a TCP port between 1 and 65535, got "${value}"`);
  }
  return port;
}

function parseNumber(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new ConfigError(`${name} must be a number ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * Turns command-line arguments and environment variables into stack options.
 * @throws ConfigError on an unknown flag or an invalid value.
 */
export function resolveStackOptions(args: string[], env: NodeJS.ProcessEnv): StackOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        'mqtt-port': { type: 'string' },
        'mqtt-url': { type: 'string' },
        'data-dir': { type: 'string' },
        replay: { type: 'string' },
        speed: { type: 'string' },
        seed: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const logLevel = (v['log-level'] ?? env.LUCID_LOG_LEVEL ?? 'warn') as StackOptions['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of error, warn, info, debug, got "${logLevel}"`);
  }
  const mode: StackOptions['mode'] = v.replay
    ? { kind: 'replay', path: path.resolve(v.replay), speed: parseNumber(v.speed, '--speed', 0, 0) }
    : {
        kind: 'simulate',
        speed: parseNumber(v.speed, '--speed', DEMO_SPEED, 0),
        seed: Math.trunc(parseNumber(v.seed, '--seed', 42, 0)),
      };
  return {
    port: parsePort(v.port ?? env.LUCID_PORT, 'LUCID_PORT / --port', 1880),
    mqttPort: parsePort(v['mqtt-port'] ?? env.LUCID_MQTT_PORT, 'LUCID_MQTT_PORT / --mqtt-port', 1883),
    mqttUrl: v['mqtt-url'] ?? (env.LUCID_MQTT_URL || undefined),
    dataDir: path.resolve(v['data-dir'] ?? env.LUCID_DATA_DIR ?? '.lucid-data'),
    mode,
    logLevel,
  };
}

/** What the banner's first line says the stack runs: the replayed file, or the simulator's seed and speed. */
export function describeMode(mode: StackOptions['mode']): string {
  return mode.kind === 'replay'
    ? `replaying ${mode.path}`
    : `simulating a fleet (seed ${mode.seed}, ${mode.speed}× real time)`;
}

/**
 * The text `lucid start` prints once the stack runs: where the editor, broker and API are, the
 * editor login and the API token, and where both are kept.
 * @param stack - the running stack.
 * @param what - what feeds it, e.g. `simulating a fleet (…)`.
 * @param dataDir - the data folder.
 */
export function startBanner(
  stack: Pick<
    RunningStack,
    | 'editorUrl'
    | 'mqttUrl'
    | 'apiUrl'
    | 'apiToken'
    | 'apiTokenSource'
    | 'editorUser'
    | 'editorPassword'
    | 'editorPasswordSource'
    | 'editorPasswordFile'
  >,
  what: string,
  dataDir: string,
): string {
  const kept = (source: 'env' | 'file' | 'generated', env: string, file: string): string =>
    source === 'env' ? `from ${env}` : `kept in ${file}`;
  return (
    `Lucid is running: ${what}.\n` +
    `  Node-RED editor  ${stack.editorUrl}  (user ${stack.editorUser}, password ${stack.editorPassword})\n` +
    `                   password ${kept(stack.editorPasswordSource, EDITOR_PASSWORD_ENV, stack.editorPasswordFile)}\n` +
    `  MQTT broker      ${stack.mqttUrl}  (no login: for local demos only)\n` +
    `  store API        ${stack.apiUrl}  (Authorization: Bearer ${stack.apiToken})\n` +
    `                   admin token ${kept(stack.apiTokenSource, API_TOKEN_ENV, path.join(dataDir, API_TOKEN_FILE))}\n` +
    `  data folder      ${dataDir}  (owner only: 0700)\n` +
    `Explained alerts appear below as they happen. Stop with Ctrl+C.\n`
  );
}

/** `lucid start`: runs the embedded stack until SIGINT/SIGTERM. Returns the exit code. */
export async function start(args: string[]): Promise<number> {
  let options: StackOptions | 'help';
  try {
    options = resolveStackOptions(args, process.env);
  } catch (err) {
    process.stderr.write(`lucid start: ${(err as Error).message}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  // Alerts carry event time (simulated or recorded), so no "x min ago" against the wall clock.
  const printed = new Set<string>();
  options.onAlert = (alert) => {
    let text: string;
    if (alert.status === 'resolved') {
      text = formatResolved(alert, { colour });
      printed.delete(alert.id);
    } else if (printed.has(alert.id)) {
      text = formatUpdate(alert, { colour });
    } else {
      text = formatAlert(alert, { colour });
      printed.add(alert.id);
    }
    process.stdout.write(`\n${text}`);
  };
  let stack;
  try {
    // Loaded here, not at the top: express, mqtt and Node-RED are not needed for --help or a bad flag.
    const { startEmbeddedStack } = await import('./embedded-stack');
    stack = await startEmbeddedStack(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lucid start: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(startBanner(stack, describeMode(options.mode), options.dataDir));
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  process.stdout.write('\nStopping Lucid…\n');
  await stack.stop();
  return 0;
}
