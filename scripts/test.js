#!/usr/bin/env node
/**
 * `npm test`: sets up what a fresh clone needs, builds, then runs every workspace's tests.
 *
 * 1. `npm ci` when node_modules is missing (onnxruntime-node's download script skipped: its CPU
 *    binaries ship in the npm package). `npm ci` builds the workspaces itself (root `prepare`).
 * 2. The system programs some suites drive, from Debian: when one is missing and this runs as
 *    root with apt-get, it is installed (`apt-get install --no-install-recommends`), saying what
 *    and why. When it cannot be had, the suites that need it are skipped with a message saying
 *    how to install it; under CI=true a skip fails the run, since CI must run every suite.
 * 3. `npm run build` (unless step 1 just built), then each workspace's `npm test`.
 *
 * `node scripts/test.js --setup` does steps 1 and 2 only.
 * Suites learn what was skipped from LUCID_TEST_SKIP (see test-support/test-skips.ts).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const isRoot = process.getuid?.() === 0;

function onPath(program) {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, program)));
}

/** initdb and pg_ctl on PATH or in Debian's /usr/lib/postgresql/<version>/bin. */
function havePostgresBinaries() {
  if (onPath('initdb') && onPath('pg_ctl')) return true;
  const base = '/usr/lib/postgresql';
  return (
    fs.existsSync(base) &&
    fs.readdirSync(base).some((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
  );
}

/** The system user PostgreSQL runs as when the tests run as root (root may not run postgres). */
function userExists(name) {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/**
 * System programs the suites need, each with its Debian package, why, and which tests use it.
 * `name` is what LUCID_TEST_SKIP carries.
 */
const COMPONENTS = [
  {
    name: 'chromium',
    packages: ['chromium'],
    why: "the panel's browser tests (e2e/) drive Debian's Chromium; Playwright downloads no browser",
    tests: 'grafana-panel-plugin browser tests (npm run e2e)',
    present: () => fs.existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  },
  {
    name: 'mosquitto',
    packages: ['mosquitto'],
    why: 'the provisioning stack test runs the provisioned broker configuration in Mosquitto',
    tests: 'provisioning/test/stack.test.ts',
    present: () =>
      ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].some((p) => fs.existsSync(p)) &&
      onPath('mosquitto_passwd'),
  },
  {
    name: 'docker-compose',
    packages: ['docker-compose'],
    why: 'docker-compose v1 validates docker-compose.yml offline, without a Docker engine',
    tests: 'the `docker-compose config` cases of provisioning/test/compose.test.ts',
    present: () => onPath('docker-compose'),
  },
  {
    name: 'postgresql',
    packages: ['postgresql'],
    why: "the store's PostgreSQL engine is tested against a real server the suite starts itself",
    tests: 'node-red-nodes/test/store/pg-store.test.ts',
    present: () => havePostgresBinaries() && (!isRoot || userExists('postgres')),
  },
];

/** Needed only by `npm ci`: better-sqlite3 compiles from source with node-gyp. */
const BUILD_TOOLS = {
  name: 'build tools',
  packages: ['g++', 'make', 'python3'],
  why: 'better-sqlite3 is compiled from source during npm ci',
  tests: 'npm ci',
  present: () => onPath('g++') && onPath('make') && onPath('python3'),
};

function log(message) {
  console.log(`[npm test] ${message}`);
}

function banner(lines) {
  const rule = '!'.repeat(78);
  console.log(['', rule, ...lines.map((l) => `!! ${l}`), rule, ''].join('\n'));
}

function run(command, args, env = process.env) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status === 0;
}

function elapsed(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(0)} s`;
}

/**
 * Installs the Debian packages of missing components when this process may (root, apt-get).
 * @returns the components still missing afterwards.
 */
function provide(components) {
  const missing = components.filter((c) => !c.present());
  if (missing.length === 0) return [];
  const canInstall = isRoot && onPath('apt-get');
  if (!canInstall) return missing;
  const packages = [...new Set(missing.flatMap((c) => c.packages))];
  log(`installing Debian packages: ${packages.join(' ')}`);
  for (const c of missing) log(`  ${c.packages.join(' ')}: ${c.why}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const ok =
    run('apt-get', ['update', '-qq'], env) &&
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], env);
  if (!ok) log('apt-get failed (see above)');
  return missing.filter((c) => !c.present());
}

function howToInstall(c) {
  return `apt-get install --no-install-recommends ${c.packages.join(' ')}  (as root)`;
}

/**
 * Steps 1 and 2.
 * @returns {{ skipped: object[], built: boolean }} components that could not be had, and whether npm ci built.
 */
function setup() {
  let built = false;
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.package-lock.json'))) {
    const stillMissing = provide([BUILD_TOOLS]);
    if (stillMissing.length) {
      banner([
        `Cannot install dependencies: ${BUILD_TOOLS.why}, and g++/make/python3 are missing.`,
        `Install them: ${howToInstall(BUILD_TOOLS)}`,
      ]);
      process.exit(1);
    }
    log('node_modules is missing: npm ci (installs the locked dependencies, then builds every workspace)');
    const t0 = Date.now();
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    if (!run('npm', ['ci', '--no-audit', '--no-fund'], env)) process.exit(1);
    log(`npm ci done in ${elapsed(t0)}`);
    built = true;
  }
  const skipped = provide(COMPONENTS);
  if (skipped.length) {
    banner([
      'SOME TEST SUITES WILL BE SKIPPED: programs they need are missing and could not be installed',
      isRoot
        ? '(apt-get is missing, failed, or did not provide them).'
        : '(not running as root, so nothing was installed).',
      ...skipped.flatMap((c) => [
        '',
        `${c.name}: ${c.why}.`,
        `  skipped: ${c.tests}`,
        `  install: ${howToInstall(c)}`,
      ]),
    ]);
  }
  return { skipped, built };
}

function main() {
  const t0 = Date.now();
  const { skipped, built } = setup();
  if (process.argv.includes('--setup')) return;

  if (!built) {
    log('building (npm run build)');
    if (!run('npm', ['run', 'build', '--silent'])) process.exit(1);
  }

  const env = { ...process.env, LUCID_TEST_SKIP: skipped.map((c) => c.name).join(',') };
  const skippedNames = new Set(skipped.map((c) => c.name));
  const { workspaces } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const failed = [];
  for (const workspace of workspaces) {
    // Without Chromium the panel runs its unit tests only (its `test` adds the browser tests).
    const script =
      workspace === 'grafana-panel-plugin' && skippedNames.has('chromium') ? ['run', 'test:unit'] : ['test'];
    log(`${workspace}: npm ${script.join(' ')}`);
    const tw = Date.now();
    if (!run('npm', [...script, '--workspace', workspace], env)) failed.push(workspace);
    log(`${workspace}: ${failed.includes(workspace) ? 'FAILED' : 'passed'} in ${elapsed(tw)}`);
  }

  if (skipped.length) {
    banner([
      `Skipped because ${[...skippedNames].join(', ')} could not be installed:`,
      ...skipped.map((c) => `  ${c.tests}  (${howToInstall(c)})`),
      ...(process.env.CI === 'true' ? ['CI=true: CI must run every suite, so this run fails.'] : []),
    ]);
  }
  log(`total ${elapsed(t0)}`);
  if (failed.length) {
    log(`failed: ${failed.join(', ')}`);
    process.exit(1);
  }
  if (skipped.length && process.env.CI === 'true') process.exit(1);
}

main();
