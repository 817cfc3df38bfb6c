#!/usr/bin/env node
// Compiles the benchmark harnesses (bench/src) together with the library sources they import
// (node-red-nodes/src) into bench/out/build, then copies the non-TypeScript files the library
// reads at run time from beside its modules (node editor/help/locales, shipped playbooks, models),
// so the harnesses run the current sources without touching the package's dist/.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(__dirname, 'out', 'build');
fs.rmSync(out, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.json')],
    { stdio: 'inherit', cwd: root },
  );
} catch {
  process.stderr.write('bench: TypeScript compilation failed (errors above)\n');
  process.exit(1);
}

function copyTree(from, to, keep) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, keep);
    else if (keep(entry.name)) {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}
const nodes = path.join(root, 'node-red-nodes');
copyTree(path.join(nodes, 'src'), path.join(out, 'node-red-nodes', 'src'), (name) => !name.endsWith('.ts'));
copyTree(path.join(nodes, 'playbooks'), path.join(out, 'node-red-nodes', 'playbooks'), () => true);
