#!/usr/bin/env node
// Lib-level scoring speed, same run, same readings: StreamingDetector alone vs StreamingDetector +
// ModelScorer batched (scoreBatch of 256-reading messages) vs single (one score() per reading,
// micro-batched across devices by the MicroBatcher, up to 256 per inference), each followed by
// mergeModelScoreInPlace as lucid-detect does. Devices are warmed up (window and device baseline full)
// before timing. Not a test: figures depend on the machine and its load.
// Usage: node models/eval/bench-model-speed.js [pump-ae|fleet-ae ...]
//   LUCID_DIST (compiled node-red-nodes, default node-red-nodes/dist), READINGS (default 20000),
//   DEVICES (default 64). onnxruntime runs one intra-op thread (LoadedModel's setting).
'use strict';
const path = require('node:path');

const dist = process.env.LUCID_DIST || path.join(__dirname, '..', '..', 'node-red-nodes', 'dist');
const { ModelScorer } = require(path.join(dist, 'lib', 'model', 'model-scorer.js'));
const mergeLib = require(path.join(dist, 'lib', 'model', 'merge-model-score.js'));
// A dist built before mergeModelScoreInPlace existed (LUCID_DIST, for before/after runs) merges by copy.
const mergeModelScoreInPlace = mergeLib.mergeModelScoreInPlace ?? mergeLib.mergeModelScore;
const { StreamingDetector } = require(path.join(dist, 'lib', 'detect', 'streaming-detector.js'));
const { resolveDetectConfig } = require(path.join(dist, 'lib', 'detect', 'detect-config.js'));
const { FleetRegistry } = require(path.join(dist, 'lib', 'fleet', 'fleet-registry.js'));

const N = Number(process.env.READINGS || 20000);
const DEVICES = Number(process.env.DEVICES || 64);
const BATCH = 256;

function makeReadings(card, from, count, seed) {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const out = [];
  for (let t = from; t < from + count; t++) {
    for (let d = 0; d < DEVICES; d++) {
      out.push({
        deviceId: `dev-${d}`,
        tsMs: 1.7e12 + t * 1000,
        metrics: Object.fromEntries(card.features.map((f) => [f.name, f.mean + rnd() * f.std * 0.2])),
      });
    }
  }
  return out;
}

// Wall-clock rate, and the process's CPU time (user + system, all threads) per reading: on a
// machine shared with other jobs the CPU figure varies less than the wall clock.
async function timeIt(label, n, fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpuUs = (c.user + c.system) / n;
  const rate = n / s;
  console.log(
    `  ${label.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} readings/s  (${n} readings, ${s.toFixed(2)} s, CPU ${cpuUs.toFixed(1)} µs/reading)`,
  );
  return rate;
}

async function benchModel(name) {
  const cardPath = path.join(__dirname, '..', name, `${name}.card.json`);
  const opts = { maxBatchSize: BATCH, maxWaitMs: 5 };
  const batched = await ModelScorer.load(cardPath, opts);
  const single = new ModelScorer(batched.model, opts);
  const alone = new ModelScorer(batched.model, opts); // each timed pass needs its own device windows
  const card = batched.card;
  const warm = Math.max(card.windowLength, card.normalisation.baselineReadings ?? 0);
  const warmup = makeReadings(card, 0, warm, 1);
  const perDevice = Math.ceil(N / DEVICES);
  const timed = makeReadings(card, warm, perDevice, 2);
  const cfg = resolveDetectConfig({});
  const fresh = () => {
    const det = new StreamingDetector(cfg, new FleetRegistry({}));
    for (let i = 0; i < warmup.length; i += BATCH) det.detectBatch(warmup.slice(i, i + BATCH));
    return det;
  };
  for (let i = 0; i < warmup.length; i += 4096) {
    await batched.scoreBatch(warmup.slice(i, i + 4096));
    await single.scoreBatch(warmup.slice(i, i + 4096));
    await alone.scoreBatch(warmup.slice(i, i + 4096));
  }
  const chunks = [];
  for (let i = 0; i < timed.length; i += BATCH) chunks.push(timed.slice(i, i + BATCH));
  console.log(
    `${name}: window ${card.windowLength} x ${card.features.length} features, ${DEVICES} devices, messages of ${BATCH} readings`,
  );

  let det = fresh();
  await timeIt('StreamingDetector alone (batches)', timed.length, async () => {
    for (const c of chunks) det.detectBatch(c);
  });
  await timeIt('ModelScorer alone, batched (no streaming)', timed.length, async () => {
    for (const c of chunks) await alone.scoreBatch(c);
  });
  det = fresh();
  const rate = await timeIt('+ ModelScorer, batched (scoreBatch 256)', timed.length, async () => {
    for (const c of chunks) {
      const base = det.detectBatch(c);
      const ms = await batched.scoreBatch(c);
      base.forEach((b, i) => mergeModelScoreInPlace(b, ms[i]));
    }
  });
  det = fresh();
  await timeIt('+ ModelScorer, single readings (micro-batched)', timed.length, async () => {
    // One message per reading, all devices concurrently in flight, as lucid-detect submits them.
    const pending = [];
    for (const r of timed) {
      const b = det.detect(r);
      pending.push(single.score(r).then((m) => mergeModelScoreInPlace(b, m)));
      if (pending.length >= 4 * BATCH) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  });
  await single.close();
  await alone.close();
  await batched.close();
  return rate;
}

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ['pump-ae', 'fleet-ae'];
  for (const n of names) {
    const rate = await benchModel(n);
    console.log(
      `  target >= 100,000 readings/s with the model (batched): ${rate >= 1e5 ? 'MET' : 'NOT MET'}\n`,
    );
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
