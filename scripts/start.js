#!/usr/bin/env node
/**
 * `npm start`: rebuilds node-red-nodes when its sources changed (on a built tree that is a
 * fingerprint check, no compiler; see scripts/build.js), then runs `lucid start` with the
 * arguments given after `--`. The Grafana plugins are not needed here and are not built;
 * `npm run build` builds them.
 */
'use strict';
const path = require('node:path');
const { buildStale } = require('./build');

if (!buildStale({ quiet: true, only: ['node-red-nodes'] })) process.exit(1);
const lucid = path.join(__dirname, '..', 'node-red-nodes', 'bin', 'lucid.js');
// bin/lucid.js reads its arguments from process.argv, as when run as the `lucid` command.
process.argv = [process.argv[0], lucid, 'start', ...process.argv.slice(2)];
require(lucid);
