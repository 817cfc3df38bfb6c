/**
 * Child process of the scoring-API benchmark (score-api.ts): the store API as `lucid-store-config`
 * mounts it (express router, SQLite store, bearer tokens, rate limit, Prometheus metrics), with a
 * scorer reading a `CombinedDetector` that has learned `devices` × 6 metrics, as a running
 * `lucid-detect` node registers it. Listens on 127.0.0.1 and sends `{port, token, lastTsMs}` to
 * the parent over IPC; exits when the parent disconnects.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiAuth } from '../../node-red-nodes/src/lib/api/api-auth';
import { createApiRouter } from '../../node-red-nodes/src/lib/api/api-router';
import { lucidMetrics } from '../../node-red-nodes/src/lib/api/lucid-metrics';
import type { Reading } from '../../node-red-nodes/src/lib/contracts/types';
import { CombinedDetector } from '../../node-red-nodes/src/lib/detect/combined-detector';
import { resolveDetectConfig } from '../../node-red-nodes/src/lib/detect/detect-config';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { DetectorRegistry } from '../../node-red-nodes/src/lib/score/detector-registry';
import { ScoreService } from '../../node-red-nodes/src/lib/score/score-service';
import { openAlertStore } from '../../node-red-nodes/src/lib/store/open-alert-store';
import { SCORE_METRICS, scoreBenchReadings } from './score-api-data';

async function main(): Promise<void> {
  const devices = Number(process.env.LUCID_BENCH_SCORE_DEVICES ?? 100);
  const perDevice = 300;
  const startMs = Date.now() - perDevice * 1000 - 60_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'lucid-bench-score-'));
  const store = await openAlertStore({ dataDir });
  const fleet = new FleetRegistry({});
  const detector = new CombinedDetector(resolveDetectConfig({}), fleet);
  const history: Reading[] = scoreBenchReadings(devices, perDevice, startMs);
  for (let i = 0; i < history.length; i += 100) detector.detectBatch(history.slice(i, i + 100));
  const registry = new DetectorRegistry();
  registry.register({ id: 'bench-detect', name: 'bench-detect', detector: () => detector, fleet });
  const token = 'bench-device-token-0123456789';
  const api = createApiRouter({
    store,
    auth: new ApiAuth([{ name: 'bench', role: 'device', token }]),
    metrics: lucidMetrics(),
    scorer: new ScoreService(registry),
  });
  const app = express();
  // The router's express types come from the workspace's own copy of @types/express.
  app.use('/lucid/api', api.router as unknown as express.RequestHandler);
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  process.send!({ port, token, lastTsMs: startMs + (perDevice - 1) * 1000, devices, metrics: SCORE_METRICS });
  process.on('disconnect', () => {
    api.close();
    server.close();
    void store.close().finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

main().catch((err) => {
  process.stderr.write(`score-api-server: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
