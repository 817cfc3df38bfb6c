import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import express from 'express';
import * as mqtt from 'mqtt';
import { getOrCreateApiToken } from '../lib/api/api-token';
import type { Alert } from '../lib/contracts/types';
import { mountNodeRed } from './cross-origin';
import { DATA_UMASK, secureDataFolder } from './data-folder';
import { EDITOR_USER, editorAdminAuth, getOrCreateEditorPassword } from './editor-auth';
import { provisionFlow, type FlowMode, type FlowOverrides } from './flow-provisioning';
import { assertPortFree } from './ports';

/** Options of the embedded stack; every field has a default (see `resolveStackOptions`). */
export interface StackOptions {
  /** Node-RED editor and HTTP port on 127.0.0.1. */
  port: number;
  /** In-process MQTT broker port on 127.0.0.1 (ignored with `mqttUrl`). */
  mqttPort: number;
  /** An external broker to use instead of the in-process one, e.g. `mqtt://broker:1883`. */
  mqttUrl?: string;
  /** Folder for Node-RED's user dir, flows, context and the store. */
  dataDir: string;
  mode: FlowMode;
  /** Log level of Node-RED's console logger. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Node properties to change in the provisioned flow, by node type (tests use this). */
  flowOverrides?: FlowOverrides;
  /** Called for each alert event published on `tenants/+/alerts/#`. */
  onAlert?: (alert: Alert, topic: string) => void;
}

/** A running stack. `stop()` releases every port, timer and connection. */
export interface RunningStack {
  editorUrl: string;
  /** The store's HTTP API root, e.g. `http://127.0.0.1:1880/lucid/api`. */
  apiUrl: string;
  /** The admin API token (from LUCID_API_TOKEN, or generated and kept in the data folder). */
  apiToken: string;
  /** Where the token came from. */
  apiTokenSource: 'env' | 'file' | 'generated';
  /** The user of the Node-RED editor and admin API (`admin`). */
  editorUser: string;
  /** Its password (from LUCID_EDITOR_PASSWORD, or generated and kept in the data folder). */
  editorPassword: string;
  /** Where the password came from. */
  editorPasswordSource: 'env' | 'file' | 'generated';
  /** The file that keeps a generated password (`dataDir/editor-password`, mode 0600). */
  editorPasswordFile: string;
  mqttUrl: string;
  stop(): Promise<void>;
}

/** The broker started in this process, as far as the launcher needs it. */
interface InProcessBroker {
  close(cb?: () => void): void;
}

async function startBroker(port: number): Promise<{ broker: InProcessBroker; server: net.Server }> {
  // aedes 0.51 is CommonJS; `createBroker` is its documented factory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aedes = require('aedes') as { createBroker(): InProcessBroker & { handle: (s: net.Socket) => void } };
  const broker = aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { broker, server };
}

/** Reads the Node-RED credential secret from the data folder, creating it on first start. */
function credentialSecret(dataDir: string): string {
  const file = path.join(dataDir, 'credential-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return secret;
}

/**
 * Starts the embedded Lucid stack in this process: an MQTT broker on 127.0.0.1 (unless
 * `mqttUrl` is given), Node-RED with the Lucid nodes and the provisioned example flow (editor on
 * 127.0.0.1), and a subscriber that hands every alert event to `onAlert`.
 *
 * The editor and admin API need a login (user `admin`, see {@link getOrCreateEditorPassword}); no
 * response carries CORS headers unless the store API's own CORS origins are configured. While the
 * stack runs, the process umask is 077, so every file written in the data folder is 0600 and
 * every folder 0700 ({@link secureDataFolder} tightens what an earlier start left).
 *
 * Node-RED is a per-process singleton: start at most one stack per process.
 * @throws ConfigError when a port is taken or the replay file is missing.
 */
export async function startEmbeddedStack(options: StackOptions): Promise<RunningStack> {
  await assertPortFree(options.port, '127.0.0.1', 'Node-RED editor', 'set LUCID_PORT or pass --port');
  if (!options.mqttUrl) {
    await assertPortFree(
      options.mqttPort,
      '127.0.0.1',
      'MQTT broker',
      'set LUCID_MQTT_PORT or pass --mqtt-port, or use LUCID_MQTT_URL',
    );
  }
  const cleanups: (() => Promise<void>)[] = [];
  const umask = process.umask(DATA_UMASK);
  cleanups.push(async () => {
    process.umask(umask);
  });

  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    cleanups.length = 0;
  };

  try {
    secureDataFolder(options.dataDir);
    const userDir = path.resolve(options.dataDir, 'node-red');
    fs.mkdirSync(userDir, { recursive: true });

    let mqttUrl = options.mqttUrl;
    if (!mqttUrl) {
      const { broker, server } = await startBroker(options.mqttPort);
      cleanups.push(async () => {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      mqttUrl = `mqtt://127.0.0.1:${options.mqttPort}`;
    }

    // The store config node reads the admin token from LUCID_API_TOKEN (its default `tokenEnv`).
    const apiToken = getOrCreateApiToken(options.dataDir);
    process.env.LUCID_API_TOKEN = apiToken.token;
    const editorPassword = getOrCreateEditorPassword(options.dataDir);

    const flowFile = path.join(userDir, 'flows.json');
    fs.writeFileSync(
      flowFile,
      JSON.stringify(
        provisionFlow(options.mode, new URL(mqttUrl), options.dataDir, options.flowOverrides),
        null,
        2,
      ),
    );

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RED = require('node-red');
    const app = express();
    const server = http.createServer(app);
    const settings = {
      userDir,
      flowFile: 'flows.json',
      credentialSecret: credentialSecret(options.dataDir),
      uiHost: '127.0.0.1',
      uiPort: options.port,
      httpAdminRoot: '/',
      httpNodeRoot: '/',
      adminAuth: await editorAdminAuth(editorPassword.secret),
      // No cross-origin access to the editor, the admin API or HTTP-in endpoints.
      httpAdminCors: false,
      httpNodeCors: false,
      functionExternalModules: false,
      // A gateway on a closed network does not ask to phone home for update checks.
      telemetry: { enabled: false, updateNotification: false },
      contextStorage: { default: { module: 'localfilesystem' } },
      logging: { console: { level: options.logLevel, metrics: false, audit: false } },
      editorTheme: { projects: { enabled: false }, tours: false, page: { title: 'Lucid · Node-RED' } },
    };
    RED.init(server, settings);
    mountNodeRed(app, RED);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const client = mqtt.connect(mqttUrl, { clientId: `lucid-console-${process.pid}`, reconnectPeriod: 1000 });
    cleanups.push(() => client.endAsync());
    client.on('connect', () => client.subscribe('tenants/+/alerts/#'));
    client.on('message', (topic, payload) => {
      try {
        options.onAlert?.(JSON.parse(payload.toString('utf8')) as Alert, topic);
      } catch {
        // Not an alert we can read; other publishers may share the topic space.
      }
    });

    await RED.start();
    cleanups.push(() => RED.stop());
    return {
      editorUrl: `http://127.0.0.1:${options.port}/`,
      apiUrl: `http://127.0.0.1:${options.port}/lucid/api`,
      apiToken: apiToken.token,
      apiTokenSource: apiToken.source,
      editorUser: EDITOR_USER,
      editorPassword: editorPassword.secret,
      editorPasswordSource: editorPassword.source,
      editorPasswordFile: editorPassword.file,
      mqttUrl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
