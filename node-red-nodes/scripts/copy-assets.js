#!/usr/bin/env node
// Node-RED loads each node's editor template (.html), help and message catalogues (locales/)
// and icons from beside its runtime .js, so the build copies every non-TypeScript file of
// src/ into dist/ at the same relative path.
const fs = require('node:fs');
const path = require('node:path');

const srcRoot = path.join(__dirname, '..', 'src');
const distRoot = path.join(__dirname, '..', 'dist');

function copyAssets(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      copyAssets(from);
    } else if (!entry.name.endsWith('.ts')) {
      const to = path.join(distRoot, path.relative(srcRoot, from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

copyAssets(srcRoot);
