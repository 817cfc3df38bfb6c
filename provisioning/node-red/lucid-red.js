/**
 * Starts Node-RED in the Lucid image with `settings.js`, mounted as `lucid start` mounts it
 * (node-red-contrib-lucid's `mountNodeRed`): the editor and admin API need the admin login and
 * send no `Access-Control-*` header, and requests for the store API (`/lucid/api`) never pass
 * through the admin app, so they are authenticated and size-checked before any body is parsed.
 * Node-RED's own `red.js` mounts the admin app in front of everything, with
 * `Access-Control-Allow-Origin: *` on every answer, whatever `httpAdminCors` says.
 *
 * Environment: NODE_RED_USER_DIR [/data], PORT [1880], LUCID_LISTEN_HOST [0.0.0.0: the
 * container's port; Compose publishes it on 127.0.0.1 by default], plus what settings.js reads.
 * Exits 1 with the reason when the settings refuse to load or the port cannot be bound; stops
 * the flows cleanly on SIGTERM and SIGINT.
 */
'use strict';
const http = require('node:http');
const path = require('node:path');

async function main() {
  const settings = require(path.join(__dirname, 'settings.js'));
  const express = require('express');
  const RED = require('node-red');
  const { mountNodeRed } = require('node-red-contrib-lucid/dist/cli/cross-origin');

  settings.userDir = process.env.NODE_RED_USER_DIR || '/data';
  const host = process.env.LUCID_LISTEN_HOST || '0.0.0.0';
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);
  RED.init(server, settings);
  mountNodeRed(app, RED);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.uiPort, host, resolve);
  });
  await RED.start();
  RED.log.info(`Lucid: Node-RED listens on http://${host}:${settings.uiPort}/`);

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    RED.log.info(`Lucid: ${signal}, stopping the flows`);
    try {
      await RED.stop();
    } finally {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(`Lucid: Node-RED did not start: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
