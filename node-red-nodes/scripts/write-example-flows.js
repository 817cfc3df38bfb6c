#!/usr/bin/env node
// Writes examples/*.json from the flow definitions in src/cli/example-flows.ts (compiled to
// dist/). Run after `npm run build` whenever the flows change; a test checks they are current.
const fs = require('node:fs');
const path = require('node:path');
const { EXAMPLE_FLOWS } = require('../dist/cli/example-flows.js');

for (const [file, build] of Object.entries(EXAMPLE_FLOWS)) {
  const target = path.join(__dirname, '..', 'examples', file);
  fs.writeFileSync(target, `${JSON.stringify(build(), null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}
