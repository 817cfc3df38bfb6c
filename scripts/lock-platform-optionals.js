#!/usr/bin/env node
// Records, in package-lock.json, the optional platform builds of native packages (e.g.
// @swc/core-darwin-arm64) that the registry reachable from our build machines does not serve.
// npm leaves an optional dependency it cannot fetch out of the lock, and `npm ci` then reports the
// lock as out of sync. An entry with the package's os/cpu lets `npm ci` validate the lock and skip
// the package on other platforms without fetching it. Run after `npm install` changes the lock:
//   node scripts/lock-platform-optionals.js
const fs = require('node:fs');
const path = require('node:path');

/** Platform suffixes of native builds → npm's os and cpu values. */
const PLATFORMS = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm-gnueabihf': ['linux', 'arm'],
  'linux-arm64-gnu': ['linux', 'arm64'],
  'linux-arm64-musl': ['linux', 'arm64'],
  'linux-ppc64-gnu': ['linux', 'ppc64'],
  'linux-s390x-gnu': ['linux', 's390x'],
  'linux-x64-gnu': ['linux', 'x64'],
  'linux-x64-musl': ['linux', 'x64'],
  'win32-arm64-msvc': ['win32', 'arm64'],
  'win32-ia32-msvc': ['win32', 'ia32'],
  'win32-x64-msvc': ['win32', 'x64'],
};

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const keys = Object.keys(lock.packages);
const added = [];
for (const entry of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (keys.some((k) => k === `node_modules/${dep}` || k.endsWith(`/node_modules/${dep}`))) continue;
    const platform = Object.entries(PLATFORMS).find(([suffix]) => dep.endsWith(suffix));
    if (!platform) continue;
    const [os, cpu] = platform[1];
    lock.packages[`node_modules/${dep}`] = { version, cpu: [cpu], os: [os], optional: true };
    keys.push(`node_modules/${dep}`);
    added.push(`${dep}@${version}`);
  }
}
const sorted = {};
for (const key of Object.keys(lock.packages).sort((a, b) =>
  a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'),
)) {
  sorted[key] = lock.packages[key];
}
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(added.length ? `added ${added.join(', ')}\n` : 'nothing to add\n');
