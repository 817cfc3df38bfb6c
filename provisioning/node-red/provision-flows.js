#!/usr/bin/env node
/**
 * Puts the provisioned flow into Node-RED's user dir before Node-RED starts (the container's
 * entrypoint runs it; the stack test too).
 *
 *   LUCID_FLOW               pipeline (flows.json) | simulator (simulator-flows.json) [pipeline]
 *   LUCID_FLOW_PROVISIONING  auto | always | never [auto]
 *       auto:   write the flow on first start, and again when the image brings a new flow and
 *               the flow in the user dir is still the one provisioned last time (an upgrade);
 *               a flow changed in the editor is kept (a warning says so)
 *       always: write it at every start (changes made in the editor are lost on restart)
 *       never:  leave the user dir alone
 *   NODE_RED_USER_DIR        the user dir [/data]
 *   LUCID_STORE_ENGINE, LUCID_POSTGRES_URL: with `postgres`, waits (at most
 *       LUCID_POSTGRES_WAIT_S seconds [120]) until PostgreSQL answers, so that the store opens.
 *
 * The credentials file holds `${VAR}` references only; Node-RED encrypts it with
 * NODE_RED_CREDENTIAL_SECRET when it next saves the flow.
 */
'use strict';
const { setTimeout: sleep } = require('node:timers/promises');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const FLOWS = {
  pipeline: { flows: 'flows.json', credentials: 'flows_cred.json' },
  simulator: { flows: 'simulator-flows.json', credentials: 'simulator-flows_cred.json' },
};
/** Remembers the hash of the flow written last, to tell an untouched flow from an edited one. */
const STAMP = '.lucid-provisioned.json';

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/**
 * Provisions the flow; returns what it did (`written`, `kept`, `unchanged` or `skipped`).
 * @param {{ env?: NodeJS.ProcessEnv, sourceDir?: string, log?: (line: string) => void }} [options]
 * @throws Error for an unknown LUCID_FLOW or LUCID_FLOW_PROVISIONING.
 */
function provisionFlows(options = {}) {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line) => process.stdout.write(`[lucid] ${line}\n`));
  const sourceDir = options.sourceDir ?? __dirname;
  const kind = env.LUCID_FLOW || 'pipeline';
  const mode = env.LUCID_FLOW_PROVISIONING || 'auto';
  const userDir = env.NODE_RED_USER_DIR || '/data';
  const files = FLOWS[kind];
  if (!files) throw new Error(`LUCID_FLOW must be pipeline or simulator, got "${kind}"`);
  if (!['auto', 'always', 'never'].includes(mode)) {
    throw new Error(`LUCID_FLOW_PROVISIONING must be auto, always or never, got "${mode}"`);
  }
  if (mode === 'never') return 'skipped';

  const source = fs.readFileSync(path.join(sourceDir, files.flows));
  const sourceCred = fs.readFileSync(path.join(sourceDir, files.credentials));
  const target = path.join(userDir, 'flows.json');
  const targetCred = path.join(userDir, 'flows_cred.json');
  const stampFile = path.join(userDir, STAMP);
  fs.mkdirSync(userDir, { recursive: true });

  const current = fs.existsSync(target) ? fs.readFileSync(target) : undefined;
  const stamp = fs.existsSync(stampFile) ? JSON.parse(fs.readFileSync(stampFile, 'utf8')) : {};
  if (current && mode === 'auto') {
    // Node-RED rewrites the file in its own format: compare the parsed flows, not the bytes.
    const currentHash = sha256(JSON.stringify(JSON.parse(current.toString('utf8'))));
    const sourceHash = sha256(JSON.stringify(JSON.parse(source.toString('utf8'))));
    if (currentHash === sourceHash) return 'unchanged';
    if (stamp.flowHash !== currentHash) {
      log(
        `${target} was changed in the editor: kept. The image's flow is in ${path.join(sourceDir, files.flows)}; ` +
          'set LUCID_FLOW_PROVISIONING=always for one start to replace yours with it.',
      );
      return 'kept';
    }
  }
  fs.writeFileSync(target, source);
  fs.writeFileSync(targetCred, sourceCred, { mode: 0o600 });
  const flowHash = sha256(JSON.stringify(JSON.parse(source.toString('utf8'))));
  fs.writeFileSync(
    stampFile,
    `${JSON.stringify({ flow: kind, flowHash, writtenAt: new Date().toISOString() })}\n`,
  );
  log(`provisioned the ${kind} flow into ${target}`);
  return 'written';
}

/**
 * With LUCID_STORE_ENGINE=postgres, waits until PostgreSQL accepts a query (the Compose file
 * cannot make Node-RED depend on a service of an optional profile).
 * @returns {Promise<void>} resolves when ready or when the engine is not postgres.
 * @throws Error when the database does not answer within LUCID_POSTGRES_WAIT_S seconds.
 */
async function waitForPostgres(env = process.env, log = (line) => process.stdout.write(`[lucid] ${line}\n`)) {
  if ((env.LUCID_FLOW || 'pipeline') !== 'pipeline' || env.LUCID_STORE_ENGINE !== 'postgres') return;
  const url = env.LUCID_POSTGRES_URL;
  if (!url) throw new Error('LUCID_STORE_ENGINE=postgres needs LUCID_POSTGRES_URL');
  const { Client } = require('pg');
  const deadline = Date.now() + Number(env.LUCID_POSTGRES_WAIT_S || 120) * 1000;
  let lastError;
  while (Date.now() < deadline) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      log(`waiting for PostgreSQL: ${err.message}`);
      await sleep(2000);
    }
  }
  throw new Error(`PostgreSQL did not answer: ${lastError ? lastError.message : 'timeout'}`);
}

module.exports = { provisionFlows, waitForPostgres, FLOWS, STAMP };

if (require.main === module) {
  (async () => {
    provisionFlows();
    await waitForPostgres();
  })().catch((err) => {
    process.stderr.write(`[lucid] ${err.message}\n`);
    process.exit(1);
  });
}
