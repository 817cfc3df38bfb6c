import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
// The stack as `npm start` runs it, from the workspace package's build (the root `npm test` builds first).
import { startEmbeddedStack } from 'node-red-contrib-lucid/dist/cli/embedded-stack';
import { startChatServer, type ChatServer } from '../../test-support/chat-server';

/** API tokens of the test store: one per role (names as lucid-store-config's credentials). */
export const TOKENS = {
  admin: 'e2e-admin-token-0123456789abcdef',
  operator: 'e2e-operator-token-0123456789ab',
  viewer: 'e2e-viewer-token-0123456789abcd',
} as const;

/** The simulated fleet, sped up so a test run sees warm-up, incidents and alerts in ~20 s. */
const SIMULATION = { speed: 600, seed: 7, durationMin: 150, warmupMin: 30, quietMin: 10 };

type FlowNode = { id: string; type: string; wires?: string[][]; z?: string } & Record<string, unknown>;

export interface LucidBackend {
  /** Node-RED's root (editor and admin API). */
  nodeRedUrl: string;
  /** The store API root, `…/lucid/api`. */
  apiUrl: string;
  /** The editor login `npm start` prints (user and password). */
  editorUser: string;
  editorPassword: string;
  /** What was added to the example flow to complete it (empty when it already had it). */
  added: string[];
  /** The store's SQLite file (for the tamper test). */
  sqliteFile: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Completes the example flow for the browser tests: the simulator sped up, and a store (with one
 * API token per role) wired from lucid-explain (samples for evidence windows, counters) and
 * lucid-route (alerts, notifications, resolutions), and lucid-feedback wired from the store back
 * to lucid-detect and lucid-route (adaptations). Nodes the example flow already has are reused.
 */
export function completeFlow(
  flow: FlowNode[],
  dataDir: string,
  narrativeUrl = '',
): { flow: FlowNode[]; added: string[] } {
  const added: string[] = [];
  const byType = (t: string) => flow.filter((n) => n.type === t);
  const one = (t: string) => {
    const n = byType(t)[0];
    if (!n) {
      throw new Error(`the example flow has no ${t} node`);
    }
    return n;
  };
  const tab = one('lucid-route').z;
  const sim = one('lucid-simulate');
  Object.assign(sim, {
    speed: SIMULATION.speed,
    seed: SIMULATION.seed,
    duration: SIMULATION.durationMin,
    warmup: SIMULATION.warmupMin,
    quiet: SIMULATION.quietMin,
    autoStart: true,
    start: '',
  });
  // A local model for the narrative (see startNarrativeModel); rate high enough for a ×600 simulation.
  Object.assign(one('lucid-explain'), {
    narrativeUrl,
    narrativeModel: NARRATIVE_MODEL,
    narrativeTimeoutMs: 5000,
    narrativeRatePerMin: 6000,
  });
  for (const ingest of byType('lucid-ingest')) {
    ingest.rateLimitPerSec = 100_000;
  }

  let cfg = byType('lucid-store-config')[0];
  if (!cfg) {
    cfg = {
      id: 'e2e0store0config',
      type: 'lucid-store-config',
      name: 'e2e store',
      engine: 'sqlite',
      dataDir,
      retentionDays: 30,
      seriesCap: 5000,
      apiEnabled: true,
    };
    flow.push(cfg);
    added.push('lucid-store-config');
  }
  // The test owns the store's folder (the tamper test edits its SQLite file) and its tokens.
  Object.assign(cfg, {
    engine: 'sqlite',
    dataDir,
    sqliteFile: '',
    tokenEnv: '',
    generateToken: false,
    credentials: { adminToken: TOKENS.admin, operatorToken: TOKENS.operator, viewerToken: TOKENS.viewer },
  });

  let store = byType('lucid-store')[0];
  if (!store) {
    store = {
      id: 'e2e0store0node00',
      type: 'lucid-store',
      name: '',
      store: cfg.id,
      z: tab,
      x: 1100,
      y: 260,
      wires: [[]],
    };
    flow.push(store);
    added.push('lucid-store');
    const explain = one('lucid-explain');
    explain.wires = [[...(explain.wires?.[0] ?? []), store.id]];
    const route = one('lucid-route');
    route.wires = (route.wires ?? [[], [], []]).map((out) => [...out, store!.id]);
  }

  if (byType('lucid-feedback').length === 0) {
    const feedback: FlowNode = {
      id: 'e2e0feedback0000',
      type: 'lucid-feedback',
      name: '',
      store: cfg.id,
      z: tab,
      x: 1300,
      y: 260,
      wires: [[one('lucid-detect').id, one('lucid-route').id]],
    };
    flow.push(feedback);
    store.wires = [[...(store.wires?.[0] ?? []), feedback.id]];
    added.push('lucid-feedback');
  }
  return { flow, added };
}

/**
 * Starts the real embedded Lucid stack (node-red-nodes/src/cli/embedded-stack.ts, from its
 * compiled dist/: MQTT broker, Node-RED with the Lucid nodes and the example flow, simulator),
 * completes the flow (see {@link completeFlow}) through Node-RED's admin API, and waits until the
 * store API serves alerts with evidence.
 * @throws when the stack does not come up or no alert appears within `timeoutMs`.
 */
export async function startLucidBackend(timeoutMs = 120_000): Promise<LucidBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-e2e-'));
  const model = await startNarrativeModel();
  const stack = await startEmbeddedStack({
    port: await freePort(),
    mqttPort: await freePort(),
    dataDir,
    mode: { kind: 'simulate', speed: SIMULATION.speed, seed: SIMULATION.seed },
    logLevel: 'warn',
  });
  const stop = async () => {
    await stack.stop();
    await model.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const nodeRedUrl = stack.editorUrl.replace(/\/$/, '');
    // The editor's admin API needs the login `npm start` prints: exchange it for a bearer token.
    const login = await fetch(`${nodeRedUrl}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: '*',
        username: stack.editorUser,
        password: stack.editorPassword,
      }),
    });
    if (!login.ok)
      throw new Error(`logging into Node-RED failed: HTTP ${login.status} ${await login.text()}`);
    const { access_token: adminToken } = (await login.json()) as { access_token: string };
    const headers = {
      'Content-Type': 'application/json',
      'Node-RED-API-Version': 'v1',
      Authorization: `Bearer ${adminToken}`,
    };
    const flow = (await (await fetch(`${nodeRedUrl}/flows`, { headers })).json()) as FlowNode[];
    const completed = completeFlow(flow, path.join(dataDir, 'store'), model.url);
    const deployed = await fetch(`${nodeRedUrl}/flows`, {
      method: 'POST',
      headers: { ...headers, 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(completed.flow),
    });
    if (!deployed.ok) {
      throw new Error(
        `deploying the completed flow failed: HTTP ${deployed.status} ${await deployed.text()}`,
      );
    }
    const apiUrl = `${nodeRedUrl}/lucid/api`;
    const auth = { Authorization: `Bearer ${TOKENS.admin}` };
    await until(
      'the store API',
      async () => ((await fetch(`${apiUrl}/health`, { headers: auth })).ok ? true : undefined),
      30_000,
    );
    // Alerts whose evidence window holds samples, and a fleet that has gone quiet (simulation over).
    let lastTotal = -1;
    let stableSince = Date.now();
    await until(
      'alerts from the simulated fleet',
      async () => {
        const page = (await (await fetch(`${apiUrl}/alerts?limit=1`, { headers: auth })).json()) as {
          total: number;
          items: Array<{ id: string }>;
        };
        if (page.total !== lastTotal) {
          lastTotal = page.total;
          stableSince = Date.now();
        }
        if (page.total < 3 || Date.now() - stableSince < 4000) {
          return undefined;
        }
        const detail = (await (
          await fetch(`${apiUrl}/alerts/${encodeURIComponent(page.items[0].id)}`, { headers: auth })
        ).json()) as { evidence: { series: Array<{ points: unknown[] }> } };
        return detail.evidence.series.some((s) => s.points.length > 2) ? true : undefined;
      },
      timeoutMs,
    );
    return {
      nodeRedUrl,
      apiUrl,
      editorUser: stack.editorUser,
      editorPassword: stack.editorPassword,
      added: completed.added,
      sqliteFile: path.join(dataDir, 'store', 'lucid.db'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The model name the local narrative endpoint reports. */
export const NARRATIVE_MODEL = 'e2e-echo';

/**
 * A local OpenAI-compatible endpoint for lucid-explain's narrative: it answers with the first
 * sentence of the template summary it was given, so every answer passes the grounding check.
 * What matters here is the path (model → lucid-route → store → data source → panel), not the prose.
 */
async function startNarrativeModel(): Promise<ChatServer> {
  const server = await startChatServer();
  server.fallback = (req) => {
    const user = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
    const summary = /^Summary: (.*)$/m.exec(user)?.[1] ?? '';
    const first = /^.*?[.!?](?=\s|$)/.exec(summary)?.[0] ?? summary;
    return { kind: 'completion', text: `In short: ${first}`, model: NARRATIVE_MODEL };
  };
  return server;
}
