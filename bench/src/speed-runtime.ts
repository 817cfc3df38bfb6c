/**
 * An embedded Node-RED runtime for the speed benchmark: the Lucid nodes compiled from source,
 * core nodes, node-red-node-smooth (discovered from node_modules), and two bench nodes:
 * `bench-pass` (pass-through: Node-RED's own message cost) and `bench-probe` (a sink that
 * records per-message latency and counts readings).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `bench-probe` records; shared through `globalThis` with the node module. */
export interface Probe {
  readings: number;
  messages: number;
  latenciesMs: number[];
  target: number;
  resolve?: () => void;
}

declare global {
  var __lucidBenchProbe: Probe | undefined;
}

const PASS_JS = `module.exports = function (RED) {
  function BenchPass(n) { RED.nodes.createNode(this, n); this.on('input', function (msg, send, done) { send(msg); done(); }); }
  RED.nodes.registerType('bench-pass', BenchPass);
};`;

// Counts readings (msg.benchCount, else a payload array's length, else 1; with filter
// 'detections' only messages carrying Detections) and,
// for messages stamped with benchT0 (process.hrtime.bigint at injection), the latency.
const PROBE_JS = `module.exports = function (RED) {
  function BenchProbe(n) {
    RED.nodes.createNode(this, n);
    var detectionsOnly = n.filter === 'detections';
    this.on('input', function (msg, send, done) {
      var p = globalThis.__lucidBenchProbe;
      var first = Array.isArray(msg.payload) ? msg.payload[0] : msg.payload;
      if (p && (!detectionsOnly || (first && typeof first === 'object' && 'reading' in first))) {
        var count = msg.benchCount !== undefined ? msg.benchCount : (Array.isArray(msg.payload) ? msg.payload.length : 1);
        p.readings += count;
        p.messages += 1;
        if (msg.benchT0 !== undefined) p.latenciesMs.push(Number(process.hrtime.bigint() - BigInt(msg.benchT0)) / 1e6);
        if (p.resolve && p.readings >= p.target) { var r = p.resolve; p.resolve = undefined; r(); }
      }
      done();
    });
  }
  RED.nodes.registerType('bench-probe', BenchProbe);
};`;

type RedModule = {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): { receive(msg: Record<string, unknown>): void } | null };
  events: { once(event: string, listener: () => void): void };
  runtime: {
    flows: { setFlows(opts: { flows: { flows: unknown[] }; deploymentType?: string }): Promise<unknown> };
  };
};

export class BenchRuntime {
  private red!: RedModule;
  private userDir!: string;
  private server!: http.Server;

  /** @param lucidNodesDir - folder holding the compiled lucid-* node folders (with .html and locales). */
  async start(lucidNodesDir: string): Promise<number> {
    const started = process.hrtime.bigint();
    this.userDir = mkdtempSync(join(tmpdir(), 'lucid-bench-'));
    const benchNodes = join(this.userDir, 'bench-nodes');
    mkdirSync(benchNodes);
    writeFileSync(join(benchNodes, 'bench-pass.js'), PASS_JS);
    writeFileSync(
      join(benchNodes, 'bench-pass.html'),
      '<script type="text/html" data-template-name="bench-pass"></script>',
    );
    writeFileSync(join(benchNodes, 'bench-probe.js'), PROBE_JS);
    writeFileSync(
      join(benchNodes, 'bench-probe.html'),
      '<script type="text/html" data-template-name="bench-probe"></script>',
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.red = require('node-red') as RedModule;
    this.server = http.createServer();
    this.red.init(this.server, {
      userDir: this.userDir,
      nodesDir: [lucidNodesDir, benchNodes],
      httpAdminRoot: false,
      httpNodeRoot: false,
      flowFile: 'flows.json',
      logging: { console: { level: process.env.LUCID_BENCH_LOG ?? 'error', metrics: false, audit: false } },
      editorTheme: { tours: false },
      telemetry: { enabled: false },
      diagnostics: { enabled: false },
      runtimeState: { enabled: false },
      externalModules: {
        autoInstall: false,
        palette: { allowInstall: false },
        modules: { allowInstall: false },
      },
    });
    // start() resolves before the (empty) initial flows run; a deployment before that is lost.
    const flowsStarted = new Promise<void>((resolve) => this.red.events.once('flows:started', resolve));
    await this.red.start();
    await flowsStarted;
    return Number(process.hrtime.bigint() - started) / 1e6;
  }

  /**
   * Deploys a flow (full deployment) and waits until its nodes run; returns the time from the
   * deployment to the last node running, ms.
   * @throws Error when a node of the flow is not running after 20 s (unknown type, failed start).
   */
  async deploy(flow: unknown[]): Promise<number> {
    // Node-RED treats a tab's node without x/y as a config node.
    const placed = (flow as Record<string, unknown>[]).map((n, i) =>
      n.z !== undefined && n.x === undefined ? { ...n, x: 100 + 10 * i, y: 100 } : n,
    );
    const t0 = process.hrtime.bigint();
    await this.red.runtime.flows.setFlows({ flows: { flows: placed }, deploymentType: 'full' });
    const ids = (flow as { id: string; type: string; z?: string }[])
      .filter((n) => n.z !== undefined)
      .map((n) => n.id);
    const deadline = Date.now() + 20_000;
    while (ids.some((id) => !this.red.nodes.getNode(id))) {
      if (Date.now() > deadline)
        throw new Error(
          `bench: nodes ${ids.filter((id) => !this.red.nodes.getNode(id)).join(', ')} did not start (unknown type or a start error; LUCID_BENCH_LOG=warn shows why)`,
        );
      await new Promise((r) => setTimeout(r, 5));
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  node(id: string): { receive(msg: Record<string, unknown>): void } {
    const n = this.red.nodes.getNode(id);
    if (!n) throw new Error(`bench: node ${id} is not running (did the flow deploy? check the node types)`);
    return n;
  }

  async stop(): Promise<void> {
    await this.red.runtime.flows
      .setFlows({ flows: { flows: [] }, deploymentType: 'full' })
      .catch(() => undefined);
    await this.red.stop();
    this.server.close();
    rmSync(this.userDir, { recursive: true, force: true });
  }
}

/**
 * Arms the probe: resolves when `target` readings arrived; rejects after `timeoutMs`, or when no
 * reading arrived for 20 s (messages lost: the error says how many arrived).
 */
export function armProbe(target: number, timeoutMs: number): { probe: Probe; done: Promise<void> } {
  const probe: Probe = { readings: 0, messages: 0, latenciesMs: [], target };
  globalThis.__lucidBenchProbe = probe;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`bench: only ${probe.readings} of ${target} readings arrived within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    timer.unref();
    let last = -1;
    const idle = setInterval(() => {
      if (probe.readings === last) {
        clearInterval(idle);
        clearTimeout(timer);
        reject(
          new Error(
            `bench: stalled: ${probe.readings} of ${target} readings arrived, none in the last 20 s (messages lost or errored)`,
          ),
        );
      }
      last = probe.readings;
    }, 20_000);
    idle.unref();
    const finish = resolve;
    resolve = () => {
      clearInterval(idle);
      finish();
    };
    probe.resolve = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  // Awaited later; without this a timeout while messages are still being injected would be an unhandled rejection.
  done.catch(() => undefined);
  return { probe, done };
}
