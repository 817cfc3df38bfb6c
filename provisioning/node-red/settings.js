/**
 * Node-RED settings of the Lucid Docker Compose stack (both the pipeline and the simulator
 * containers). Secrets come from the environment, never from this file:
 *
 *   NODE_RED_CREDENTIAL_SECRET  encrypts flows_cred.json (required; keep it: losing it loses the
 *                               flow's stored credentials)
 *   NODE_RED_ADMIN_USER         editor and admin API user [admin]
 *   NODE_RED_ADMIN_PASSWORD     its password (required, at least 12 characters)
 *
 * Run it with lucid-red.js (the image's entrypoint does), not with Node-RED's red.js.
 *
 * The flow reads more variables as `${VAR}` (broker, store, simulator): their defaults are set
 * below when the environment does not set them. The editor settings mirror the embedded launcher
 * (node-red-nodes/src/cli/embedded-stack.ts): detector state in the localfilesystem context
 * store, no projects, no external modules in function nodes.
 *
 * Loading this file throws an Error naming the variable when a required one is missing.
 */
'use strict';
const crypto = require('node:crypto');

/** Defaults of the variables the provisioned flows reference (Compose sets them from .env). */
const FLOW_ENV_DEFAULTS = {
  LUCID_MQTT_HOST: 'mosquitto',
  LUCID_MQTT_PORT: '1883',
  LUCID_TENANT: 'demo',
  LUCID_STORE_ENGINE: 'sqlite',
  LUCID_POSTGRES_URL: '',
  LUCID_GRAFANA_API_TOKEN: '',
  LUCID_SIMULATOR_DEVICES: '12',
  LUCID_SIMULATOR_SEED: '42',
  LUCID_SIMULATOR_SPEED: '60',
  LUCID_SIMULATOR_DURATION_MIN: '420',
  /** MQTT client id of the persistent session: the broker queues QoS 1 telemetry for it. */
  LUCID_MQTT_CLIENT_ID: `lucid-${process.env.LUCID_FLOW || 'pipeline'}`,
};
for (const [name, value] of Object.entries(FLOW_ENV_DEFAULTS)) {
  if (process.env[name] === undefined) process.env[name] = value;
}

function required(name, minLength) {
  const value = (process.env[name] || '').trim();
  if (!value)
    throw new Error(`Lucid settings: the environment variable ${name} is required (see .env.example)`);
  if (value.length < minLength) {
    throw new Error(
      `Lucid settings: ${name} must have at least ${minLength} characters, got ${value.length}`,
    );
  }
  return value;
}

const sha256 = (text) => crypto.createHash('sha256').update(text, 'utf8').digest();
const adminUser = (process.env.NODE_RED_ADMIN_USER || 'admin').trim();
const adminPasswordHash = sha256(required('NODE_RED_ADMIN_PASSWORD', 12));
const admin = { username: adminUser, permissions: '*' };
const logLevel = process.env.LUCID_LOG_LEVEL || 'info';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
if (!LOG_LEVELS.includes(logLevel)) {
  throw new Error(
    `Lucid settings: LUCID_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
  );
}

module.exports = {
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: required('NODE_RED_CREDENTIAL_SECRET', 16),

  uiPort: Number(process.env.PORT || 1880),
  httpAdminRoot: '/',
  httpNodeRoot: '/',
  /**
   * No cross-origin access to the editor, the admin API or HTTP-in endpoints. Node-RED's admin
   * app answers `Access-Control-Allow-Origin: *` whatever this says: lucid-red.js, which the
   * image runs instead of red.js, removes those headers.
   */
  httpAdminCors: false,
  httpNodeCors: false,

  /**
   * The editor and admin API need a login. The password is compared in constant time with the
   * one from the environment (hashed, so that lengths do not leak); Node-RED keeps the session
   * token, valid for 7 days.
   */
  adminAuth: {
    type: 'credentials',
    sessionExpiryTime: 7 * 24 * 3600,
    users: (username) => Promise.resolve(username === adminUser ? admin : null),
    authenticate: (username, password) => {
      const ok =
        typeof username === 'string' &&
        typeof password === 'string' &&
        username === adminUser &&
        crypto.timingSafeEqual(sha256(password), adminPasswordHash);
      return Promise.resolve(ok ? admin : null);
    },
  },

  /** The simulator container runs headless. */
  disableEditor: process.env.LUCID_FLOW === 'simulator',

  functionExternalModules: false,
  /** Nodes come with the image (rebuild it to add some): no installs from the editor. */
  externalModules: { palette: { allowInstall: false, allowUpload: false } },
  functionGlobalContext: {},
  exportGlobalContextKeys: false,
  contextStorage: { default: { module: 'localfilesystem' } },

  logging: { console: { level: logLevel, metrics: false, audit: false } },
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: {
    projects: { enabled: false },
    tours: false,
    page: { title: 'Lucid · Node-RED' },
    header: { title: 'Lucid · Node-RED' },
  },

  /** Exposed for the provisioning tests. */
  lucidFlowEnvDefaults: FLOW_ENV_DEFAULTS,
};
