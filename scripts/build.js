#!/usr/bin/env node
/**
 * `npm run build`: builds each workspace that has a build script, skipping those whose inputs
 * have not changed since their last build by this script.
 *
 * A workspace's inputs are its sources and configuration (node_modules, dist and tool caches
 * excluded), the root package-lock.json and the TypeScript base config, plus, for the Grafana
 * plugins, node-red-nodes/src/lib, which they bundle code from. Their fingerprint (every file's
 * path, size and modification time) is kept in node_modules/.cache/lucid-build/ after a successful build; a
 * workspace whose fingerprint matches and whose dist/ exists is up to date. Adding, removing,
 * editing or touching an input rebuilds it; so does removing its dist/.
 *
 * `--force` rebuilds everything. `require('./build').buildStale({ quiet: true })` is what
 * `npm start` runs before starting (scripts/start.js).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const FINGERPRINTS = path.join(ROOT, 'node_modules', '.cache', 'lucid-build');
const fingerprintFile = (workspace) => path.join(FINGERPRINTS, `${workspace}.fingerprint`);
/** Folders that are outputs or caches, never inputs. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'test-results', 'playwright-report', '.git']);

/** Files under `dir` (relative to ROOT), skipping outputs, caches and dot-files other than .config. */
function listFiles(dir, out = []) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return out;
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    if (entry.name.startsWith('.') && entry.name !== '.config') continue;
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(rel, out);
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Inputs of a workspace's build (paths relative to the repository root). */
function inputsOf(workspace) {
  const files = [...listFiles(workspace), 'package-lock.json', 'tsconfig.base.json'];
  // The plugins bundle modules of the node-red-contrib-lucid library (its main entry is src/lib).
  if (workspace !== 'node-red-nodes')
    files.push(
      ...listFiles(path.join('node-red-nodes', 'src', 'lib')),
      path.join('node-red-nodes', 'package.json'),
    );
  return files.sort();
}

function fingerprint(files) {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    const stat = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    hash.update(`${file}\0${stat ? `${stat.size}:${stat.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

/** Workspaces (in package.json order) that have a build script. */
function buildableWorkspaces() {
  const { workspaces } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return workspaces.filter((ws) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, ws, 'package.json'), 'utf8'));
    return Boolean(pkg.scripts && pkg.scripts.build);
  });
}

function isUpToDate(workspace) {
  const file = fingerprintFile(workspace);
  const dist = path.join(ROOT, workspace, 'dist');
  return (
    fs.existsSync(file) &&
    fs.existsSync(dist) &&
    fs.readdirSync(dist).length > 0 &&
    fs.readFileSync(file, 'utf8').trim() === fingerprint(inputsOf(workspace))
  );
}

/** Writes through a new file and a rename, so a hard-linked node_modules (worktrees) is never shared. */
function saveFingerprint(workspace, print) {
  fs.mkdirSync(FINGERPRINTS, { recursive: true });
  const tmp = `${fingerprintFile(workspace)}.${process.pid}`;
  fs.writeFileSync(tmp, `${print}\n`);
  fs.renameSync(tmp, fingerprintFile(workspace));
}

/**
 * Builds the workspaces whose inputs changed since their last build (all of them with `force`).
 * @param {{ force?: boolean, quiet?: boolean, only?: string[] }} options quiet: say nothing about
 *   up-to-date workspaces; only: build these workspaces only.
 * @returns {boolean} true when every build that ran succeeded.
 */
function buildStale({ force = false, quiet = false, only } = {}) {
  for (const workspace of buildableWorkspaces().filter((ws) => !only || only.includes(ws))) {
    if (!force && isUpToDate(workspace)) {
      if (!quiet) console.log(`[build] ${workspace}: up to date`);
      continue;
    }
    // Fingerprint before building: an input edited during the build triggers the next one.
    const print = fingerprint(inputsOf(workspace));
    fs.rmSync(fingerprintFile(workspace), { force: true });
    console.log(`[build] ${workspace}: building (npm run build)`);
    const t0 = Date.now();
    const r = spawnSync('npm', ['run', 'build', '--silent', '--workspace', workspace], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (r.error || r.status !== 0) {
      console.error(`[build] ${workspace}: build failed`);
      return false;
    }
    saveFingerprint(workspace, print);
    console.log(`[build] ${workspace}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return true;
}

module.exports = { buildStale, inputsOf, isUpToDate };

if (require.main === module) {
  process.exitCode = buildStale({ force: process.argv.includes('--force') }) ? 0 : 1;
}
