/**
 * Latency of the synchronous scoring API (`POST /lucid/api/score`, `score/batch`) under a fixed
 * request rate from a local load generator (autocannon), next to `GET /lucid/api/health` on the
 * same server at the same rate (the baseline: HTTP, routing, bearer auth and a store read,
 * without scoring). The server runs in a child process (score-api-server.ts) so that the load
 * generator does not share its event loop. Every phase is bounded by its duration.
 *
 * Run alone: `npm run bench:score-api` (prints the table); `npm run bench:speed` includes it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SCORE_METRICS, scoreBenchDevice } from './score-api-data';

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonInstance extends Promise<AutocannonResult> {
  on(
    event: 'response',
    fn: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}
interface AutocannonResult {
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;

/** One phase's figures: latencies in ms measured per response by autocannon. */
export interface LatencyFigures {
  label: string;
  ratePerSec: number;
  requests: number;
  achievedPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

export interface ScoreApiSpeed {
  devices: number;
  durationS: number;
  phases: LatencyFigures[];
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function phase(
  autocannon: Autocannon,
  label: string,
  url: string,
  ratePerSec: number,
  durationS: number,
  requests: Record<string, unknown>[],
): Promise<LatencyFigures> {
  const latencies: number[] = [];
  const instance = autocannon({
    url,
    connections: 16,
    pipelining: 1,
    overallRate: ratePerSec,
    duration: durationS,
    timeout: 10,
    requests,
  });
  instance.on('response', (_c, _s, _b, ms) => latencies.push(ms));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    label,
    ratePerSec,
    requests: result.requests.total,
    achievedPerSec: result.requests.total / (result.duration || durationS),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Starts the server child, warms it up, then measures health, single scoring and batch scoring.
 * @param durationS - seconds per measured phase (the warm-up is 2 s).
 * @param ratePerSec - requests per second of the health and single-scoring phases; the batch
 *   phase sends batches of 100 at ratePerSec / 100.
 */
export async function measureScoreApi(durationS = 10, ratePerSec = 1000): Promise<ScoreApiSpeed> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const child: ChildProcess = fork(join(__dirname, 'score-api-server.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const info = await new Promise<{ port: number; token: string; lastTsMs: number; devices: number }>(
      (resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('score-api server did not start within 120 s')),
          120_000,
        );
        child.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as { port: number; token: string; lastTsMs: number; devices: number });
        });
        child.once('exit', (code) => reject(new Error(`score-api server exited with ${code}`)));
      },
    );
    const base = `http://127.0.0.1:${info.port}`;
    const headers = { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' };
    const reading = (d: number, k: number) => ({
      deviceId: scoreBenchDevice(d),
      tsMs: info.lastTsMs + 1000 + k,
      metrics: Object.fromEntries(SCORE_METRICS.map((m, j) => [m, 20 + j * 5 + ((d + k) % 7) * 0.1])),
    });
    const singles = Array.from({ length: info.devices }, (_, d) => ({
      method: 'POST',
      path: '/lucid/api/score',
      headers,
      body: JSON.stringify(reading(d, 0)),
    }));
    const batches = Array.from({ length: 10 }, (_, b) => ({
      method: 'POST',
      path: '/lucid/api/score/batch',
      headers,
      body: JSON.stringify({
        readings: Array.from({ length: 100 }, (_, i) =>
          reading((b * 10 + i) % info.devices, Math.floor(i / info.devices)),
        ),
      }),
    }));
    const health = [
      { method: 'GET', path: '/lucid/api/health', headers: { authorization: headers.authorization } },
    ];
    await phase(autocannon, 'warm-up', base, ratePerSec, 2, [...singles, ...health]);
    const phases = [
      await phase(autocannon, 'GET health (baseline)', base, ratePerSec, durationS, health),
      await phase(autocannon, 'POST score (1 reading)', base, ratePerSec, durationS, singles),
      await phase(autocannon, 'POST score/batch (100 readings)', base, ratePerSec / 100, durationS, batches),
    ];
    return { devices: info.devices, durationS, phases };
  } finally {
    child.disconnect?.();
    await new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      setTimeout(() => {
        child.kill();
        r();
      }, 5000).unref();
    });
  }
}

/** The figures as table rows: label, offered and achieved rate, p50, p99, max, non-2xx. */
export function scoreApiRows(s: ScoreApiSpeed): string[][] {
  return s.phases.map((p) => [
    p.label,
    `${p.ratePerSec.toFixed(0)}/s`,
    `${p.achievedPerSec.toFixed(0)}/s`,
    p.p50.toFixed(2),
    p.p99.toFixed(2),
    p.max.toFixed(2),
    `${p.non2xx + p.errors}`,
  ]);
}

export const SCORE_API_COLUMNS = [
  'Request',
  'offered',
  'achieved',
  'p50 ms',
  'p99 ms',
  'max ms',
  'non-2xx / errors',
];

if (require.main === module) {
  const durationS = Number(process.env.LUCID_BENCH_SCORE_SECONDS ?? 10);
  measureScoreApi(durationS)
    .then((s) => {
      const rows = [SCORE_API_COLUMNS, ...scoreApiRows(s)];
      process.stdout.write(`Scoring API, ${s.devices} devices × 6 metrics, ${s.durationS} s per phase\n`);
      for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
      const single = s.phases[1];
      process.stdout.write(
        `target p99 < 20 ms at 1,000 requests/s: ${single.p99.toFixed(2)} ms → ${single.p99 < 20 && single.non2xx === 0 ? 'met' : 'NOT met'}\n`,
      );
    })
    .catch((err) => {
      process.stderr.write(`bench:score-api: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    });
}
