/**
 * `npm run bench:store`: alert writes per second and `GET /lucid/api/alerts` p50/p99 latency
 * with N stored alerts (default 100 000), SQLite and PostgreSQL side by side.
 *
 * Writes go through the real store path (one transaction per alert event: alert row, history,
 * Ed25519-signed audit entry). Reads go through the real HTTP API (express router on a
 * localhost server, bearer auth, validation) with a mix of queries a dashboard makes.
 * PostgreSQL runs in a private server started here (skipped when its binaries are missing).
 *
 * Usage: bench-store.ts [--alerts N] [--single S] [--requests M] [--engines sqlite,postgres]
 * (the first S alerts are written one per transaction, the rest 100 per transaction).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { ApiAuth } from '../../src/lib/api/api-auth';
import { createApiRouter } from '../../src/lib/api/api-router';
import type { Alert, AlertEvent, Severity } from '../../src/lib/contracts/types';
import { SigningKeys } from '../../src/lib/signing';
import { PgEngine } from '../../src/lib/store/pg-engine';
import { SqlAlertStore } from '../../src/lib/store/sql-alert-store';
import type { SqlEngine } from '../../src/lib/store/sql-engine';
import { SqliteEngine } from '../../src/lib/store/sqlite-engine';
import { findPgBin, startPgServer, type PgServer } from '../../test/store/pg-server';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('alerts', '100000'));
const REQUESTS = Number(arg('requests', '400'));
const ENGINES = arg('engines', 'sqlite,postgres').split(',');
const SINGLE = Number(arg('single', '5000'));
const BATCH = 100;
const T0 = 1_700_000_000_000;
const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const TOKEN = 'bench-token-0123456789abcdef';

function alertEvent(i: number): AlertEvent {
  const deviceId = `dev-${i % 500}`;
  const metric = ['temperature', 'vibration', 'current'][i % 3];
  const tsMs = T0 + i * 1000;
  const alert: Alert = {
    id: `alert-${i}`,
    fingerprint: `${deviceId}/${metric}/spike`,
    incidentId: `inc-${Math.floor(i / 4)}`,
    deviceId,
    site: `site-${i % 10}`,
    metric,
    severity: SEVERITIES[i % 5],
    priority: (i * 7919) % 100,
    status: i % 4 === 0 ? 'resolved' : 'open',
    firstSeenMs: tsMs,
    lastSeenMs: tsMs + 30_000,
    count: 1 + (i % 7),
    score: {
      deviceId,
      tsMs,
      score: 0.9,
      isAnomaly: true,
      detector: 'level',
      contributions: { [metric]: 1 },
      expected: { [metric]: { value: 21, lower: 19, upper: 23 } },
      evidence: { metrics: {}, warmingUp: false, combined: { method: 'max', anomalousMetrics: [metric] } },
    },
    explanation: {
      type: 'spike',
      title: `${metric} spike on ${deviceId}`,
      summary: `${metric} rose 18.2 in 5 min, 3.4× its usual rate`,
      causes: [{ cause: 'process anomaly', confidence: 0.6, evidence: ['rate 3.4× usual'] }],
      actions: [{ action: 'inspect the cooling loop', why: 'rising temperature with normal load' }],
      related: [],
    },
  };
  return { kind: 'opened', alert, tsMs, by: 'lucid-route' };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function get(port: number, path: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface Row {
  engine: string;
  writesPerS: number;
  batchWritesPerS: number;
  p50: number;
  p99: number;
  perQuery: Record<string, { p50: number; p99: number }>;
}

async function run(name: string, engine: SqlEngine): Promise<Row> {
  const store = await SqlAlertStore.open(engine, {
    keys: SigningKeys.generate(),
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
    nowMs: () => T0,
  });
  // The first SINGLE alerts one transaction each (what one lucid-route message costs), the rest
  // in transactions of BATCH (what lucid-store's group commit does under a burst).
  const single = Math.min(N, SINGLE);
  let last = Date.now();
  const progress = (i: number): void => {
    if (Date.now() - last > 5000) {
      last = Date.now();
      process.stderr.write(`  ${name}: ${i}/${N} written\n`);
    }
  };
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < single; i++) {
    await store.applyAlertEvent(alertEvent(i));
    progress(i + 1);
  }
  const singleS = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  for (let i = single; i < N; i += BATCH) {
    const items = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) items.push({ event: alertEvent(j) });
    await store.applyAlertEvents(items);
    progress(Math.min(N, i + BATCH));
  }
  const batchS = Number(process.hrtime.bigint() - t0) / 1e9;
  const api = createApiRouter({
    store,
    auth: new ApiAuth([{ name: 'bench', role: 'viewer', token: TOKEN }]),
  });
  const server = http.createServer(express().use('/lucid/api', api.router)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const queries: Record<string, string> = {
    'first page by priority': '/lucid/api/alerts?limit=50',
    'severity=critical,high': '/lucid/api/alerts?severity=critical,high&limit=50',
    'site + last hour by time': `/lucid/api/alerts?site=site-3&from=${T0 + (N - 3600) * 1000}&sort=time&limit=50`,
    'device + status=open': '/lucid/api/alerts?device=dev-42&status=open&limit=50',
    'deep page (offset 5000)': '/lucid/api/alerts?limit=50&offset=5000',
  };
  const all: number[] = [];
  const perQuery: Row['perQuery'] = {};
  for (const [label, path] of Object.entries(queries)) {
    for (let i = 0; i < 10; i++) await get(port, path);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS / Object.keys(queries).length; i++) times.push(await get(port, path));
    times.sort((a, b) => a - b);
    perQuery[label] = { p50: percentile(times, 50), p99: percentile(times, 99) };
    all.push(...times);
  }
  all.sort((a, b) => a - b);
  api.close();
  server.close();
  await store.close();
  return {
    engine: name,
    writesPerS: single / singleS,
    batchWritesPerS: N > single ? (N - single) / batchS : NaN,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    perQuery,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lucid-bench-'));
  let pg: PgServer | undefined;
  try {
    if (ENGINES.includes('sqlite')) {
      process.stderr.write(`SQLite: writing ${N} alerts…\n`);
      rows.push(await run('SQLite (WAL)', new SqliteEngine(join(dir, 'bench.db'))));
    }
    if (ENGINES.includes('postgres')) {
      if (!findPgBin()) process.stderr.write('PostgreSQL: skipped (initdb/postgres not found)\n');
      else {
        pg = await startPgServer();
        process.stderr.write(`PostgreSQL: writing ${N} alerts…\n`);
        rows.push(await run('PostgreSQL 15', new PgEngine(await pg.createDatabase('bench'))));
      }
    }
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (x: number): string => x.toFixed(x < 10 ? 2 : 0);
  console.log(
    `\nLucid store benchmark: ${N} alerts, ${REQUESTS} GET /alerts per engine (node ${process.version})\n`,
  );
  console.log(
    [
      'engine'.padEnd(16),
      'writes/s (1/tx)'.padStart(16),
      `writes/s (${BATCH}/tx)`.padStart(18),
      'GET p50 ms'.padStart(11),
      'GET p99 ms'.padStart(11),
    ].join(' '),
  );
  for (const r of rows) {
    console.log(
      [
        r.engine.padEnd(16),
        fmt(r.writesPerS).padStart(16),
        fmt(r.batchWritesPerS).padStart(18),
        fmt(r.p50).padStart(11),
        fmt(r.p99).padStart(11),
      ].join(' '),
    );
  }
  console.log('\nper query (p50 / p99 ms):');
  for (const label of Object.keys(rows[0]?.perQuery ?? {})) {
    console.log(
      `  ${label.padEnd(26)} ${rows.map((r) => `${r.engine}: ${fmt(r.perQuery[label].p50)} / ${fmt(r.perQuery[label].p99)}`).join('   ')}`,
    );
  }
  console.log(
    `\nwrites: each alert event = alert row + history + Ed25519-signed hash-chained audit entry; first ${Math.min(N, SINGLE)} one per transaction, the rest ${BATCH} per transaction (lucid-store's group commit). PostgreSQL: private test server, fsync off. GET: over HTTP with auth and validation.`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
