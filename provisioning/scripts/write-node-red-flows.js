#!/usr/bin/env node
// Writes provisioning/node-red/{flows,flows_cred,simulator-flows,simulator-flows_cred}.json from
// the example flow in node-red-nodes (compiled to node-red-nodes/dist by `npm run build`).
// Run after the example flow changes; a test checks the files are current.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { simulatedFleetFlow } = require('../../node-red-nodes/dist/cli/example-flows.js');
const { containerFlowFiles } = require('../lib/container-flows');

containerFlowFiles(simulatedFleetFlow()).then((files) => {
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(__dirname, '..', 'node-red', file);
    fs.writeFileSync(target, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
  }
});
