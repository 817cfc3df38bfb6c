#!/usr/bin/env node
// Lib-level scoring speed, same run, same readings: StreamingDetector alone vs StreamingDetector +
// ModelScorer batched (scoreBatch of 256-reading messages) vs single (one score() per reading,
// micro-batched across devices by the MicroBatcher, up to 256 per inference), each followed by
// mergeModelScoreInPlace as lucid-detect does. Devices are warmed up (window and device baseline full)
// before timing. Not a test: figures depend on the machine and its load.
// Usage: node models/eval/bench-model-speed.js [pump-ae|fleet-ae ...]
//   LUCID_DIST (compiled node-red-nodes, default node-red-nodes/dist), READINGS (default 20000),
//   DEVICES (default 64), HOP (the hop of the extra "every HOP readings" row, default 5, at most
//   the rows the model scores per window). onnxruntime runs one intra-op thread (LoadedModel's setting).
'use strict';
const path = require('node:path');

const dist = process.env.LUCID_DIST || path.join(__dirname, '..', '..', 'node-red-nodes', 'dist');
const { ModelScorer } = require(path.join(dist, 'lib', 'model', 'model-scorer.js'));
const { LoadedModel } = require(path.join(dist, 'lib', 'model', 'loaded-model.js'));
const mergeLib = require(path.join(dist, 'lib', 'model', 'merge-model-score.js'));
// A dist built before mergeModelScoreInPlace existed (LUCID_DIST, for before/after runs) merges by copy.
const mergeModelScoreInPlace = mergeLib.mergeModelScoreInPlace ?? mergeLib.mergeModelScore;
const { StreamingDetector } = require(path.join(dist, 'lib', 'detect', 'streaming-detector.js'));
const { resolveDetectConfig } = require(path.join(dist, 'lib', 'detect', 'detect-config.js'));
const { FleetRegistry } = require(path.join(dist, 'lib', 'fleet', 'fleet-registry.js'));

const N = Number(process.env.READINGS || 20000);
const DEVICES = Number(process.env.DEVICES || 64);
const BATCH = 256;
const HOP = Number(process.env.HOP || 5);

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

/**
 * Detector + scorer + in-place merge over the chunks, as lucid-detect runs them: each chunk's
 * streaming scores at once, its model scores awaited only after the next chunk is submitted, so
 * with an inference worker the detectors of chunk k+1 run while chunk k is inferred.
 */
async function detectWithModel(det, scorer, chunks) {
  let prev;
  for (const c of chunks) {
    const next = { base: det.detectBatch(c), model: scorer.scoreBatch(c) };
    if (prev) {
      const ms = await prev.model;
      prev.base.forEach((b, i) => mergeModelScoreInPlace(b, ms[i]));
    }
    prev = next;
  }
  const ms = await prev.model;
  prev.base.forEach((b, i) => mergeModelScoreInPlace(b, ms[i]));
}

async function benchModel(name) {
  const cardPath = path.join(__dirname, '..', name, `${name}.card.json`);
  const opts = { maxBatchSize: BATCH, maxWaitMs: 5 };
  const mainModel = await LoadedModel.load(cardPath);
  const workerModel = await LoadedModel.load(cardPath, { inferenceThread: 'worker' });
  const card = mainModel.card;
  const dc = card.scoring.deviceCalibration;
  const hop = Math.min(HOP, dc?.recentSteps ?? card.windowLength, card.windowLength);
  // Each timed pass needs its own device windows, so its own scorer.
  const scorers = {
    alone: new ModelScorer(mainModel, opts),
    batched: new ModelScorer(mainModel, opts),
    single: new ModelScorer(mainModel, opts),
    batchedWorker: new ModelScorer(workerModel, opts),
    hopped: new ModelScorer(mainModel, { ...opts, hopReadings: hop }),
    hoppedWorker: new ModelScorer(workerModel, { ...opts, hopReadings: hop }),
  };
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
    for (const s of Object.values(scorers)) await s.scoreBatch(warmup.slice(i, i + 4096));
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
    for (const c of chunks) await scorers.alone.scoreBatch(c);
  });
  const rates = {};
  const withModel = async (key, label, scorer) => {
    det = fresh();
    rates[key] = await timeIt(label, timed.length, () => detectWithModel(det, scorer, chunks));
  };
  await withModel('batched', '+ ModelScorer, batched (scoreBatch 256)', scorers.batched);
  await withModel('batchedWorker', '+ ModelScorer, batched, inference worker', scorers.batchedWorker);
  await withModel('hopped', `+ ModelScorer every ${hop} readings, batched`, scorers.hopped);
  await withModel(
    'hoppedWorker',
    `+ ModelScorer every ${hop} readings, batched, worker`,
    scorers.hoppedWorker,
  );
  det = fresh();
  await timeIt('+ ModelScorer, single readings (micro-batched)', timed.length, async () => {
    // One message per reading, all devices concurrently in flight, as lucid-detect submits them.
    const pending = [];
    for (const r of timed) {
      const b = det.detect(r);
      pending.push(scorers.single.score(r).then((m) => mergeModelScoreInPlace(b, m)));
      if (pending.length >= 4 * BATCH) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  });
  for (const s of Object.values(scorers)) await s.close();
  await mainModel.release();
  await workerModel.release();
  return { rates, hop };
}

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ['pump-ae', 'fleet-ae'];
  for (const n of names) {
    const { rates, hop } = await benchModel(n);
    const best = (keys) => Math.max(...keys.map((k) => rates[k]));
    const met = (r) => `${Math.round(r).toLocaleString('en-US')}/s ${r >= 1e5 ? 'MET' : 'NOT MET'}`;
    console.log(
      `  target >= 100,000 readings/s with the model (batched, best of main/worker): every reading ${met(best(['batched', 'batchedWorker']))}; every ${hop} readings ${met(best(['hopped', 'hoppedWorker']))}\n`,
    );
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
