#!/usr/bin/env node
// Dumps lucid-simulate's env-sensor fleet to CSV for training fleet-ae:
//   normal.csv    seed 1, incidents off, 24 devices, 1 day at 10 s (the simulator's default; training data)
//   incidents.csv seed 2, incidents on, 12 devices, 1 day at 10 s (evaluation, with labels)
// Usage: npm run build && node models/fleet-ae/dump-simulator.js [outDir]
// (LUCID_DIST=/path/to/compiled/dist overrides where the compiled library is read from.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = process.env.LUCID_DIST || path.join(__dirname, '..', '..', 'node-red-nodes', 'dist');
const { FleetSimulator } = require(path.join(dist, 'lib', 'simulate', 'fleet-simulator.js'));
const { SIMULATED_METRICS } = require(path.join(dist, 'lib', 'simulate', 'simulated-fleet.js'));

const METRICS = Object.keys(SIMULATED_METRICS);
const outDir = process.argv[2] || path.join(__dirname, 'data');
fs.mkdirSync(outDir, { recursive: true });

function dump(file, options, ticks) {
  const sim = new FleetSimulator(options);
  const out = fs.createWriteStream(path.join(outDir, file));
  out.write(['deviceId', 'tsMs', ...METRICS, 'incident'].join(',') + '\n');
  let rows = 0;
  for (let i = 0; i < ticks; i++) {
    for (const { reading, truth } of sim.next().readings) {
      out.write(
        [
          reading.deviceId,
          reading.tsMs,
          ...METRICS.map((m) => reading.metrics[m] ?? ''),
          truth.incident ?? '',
        ].join(',') + '\n',
      );
      rows++;
    }
  }
  out.end();
  console.log(`${file}: ${rows} rows`);
}

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
dump(
  'normal.csv',
  { seed: 1, deviceCount: 24, intervalMs: 10_000, startTsMs: start, incidents: false },
  DAY / 10_000,
);
dump(
  'incidents.csv',
  { seed: 2, deviceCount: 12, intervalMs: 10_000, startTsMs: start + 10 * DAY, incidents: true },
  DAY / 10_000,
);
