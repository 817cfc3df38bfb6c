import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ConfigError } from '../../lib/contracts/errors';
import type { PipelineTiming, Reading } from '../../lib/contracts/types';
import type { IngestStats } from '../../lib/ingest/telemetry-ingestor';
import { TelemetryIngestor } from '../../lib/ingest/telemetry-ingestor';
import type { Reject } from '../../lib/ingest/reject-codes';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import { brokerLinkOf } from './broker-link';
import { optionsFromConfig, type IngestNodeDef } from './ingest-config';
import { timedDone } from '../shared/stage-timer';

/** How often the heartbeat watchdog runs and a pending status update is shown, ms. */
const TICK_MS = 1000;

export = function (RED: NodeAPI) {
  function LucidIngestNode(this: Node, config: IngestNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let ingestor: TelemetryIngestor | undefined;
    let configError: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let statusDirty = false;
    let lastStatusMs = 0;
    /** Broker link of each MQTT node reported by a wired `status` node; down if any is down. */
    const brokerLinks = new Map<string, boolean>();

    try {
      const { registry, node: fleetNode } = resolveFleet((id) => RED.nodes.getNode(id), config.fleet);
      const keyFor = fleetNode ? (deviceId: string) => fleetNode.deviceKey(deviceId) : undefined;
      ingestor = new TelemetryIngestor(optionsFromConfig(config), registry, keyFor, Date.now);
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lucid-ingest.status.waiting') });
      timer = setInterval(tick, TICK_MS);
    } catch (err) {
      configError = err instanceof Error ? err : new Error(String(err));
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    function statusText(s: IngestStats): string {
      const reasons = Object.entries(s.byReason)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([code, n]) => `${RED._(`lucid-ingest.reason.${code}`)} ${n}`)
        .join(', ');
      return s.rejected > 0
        ? RED._('lucid-ingest.status.withRejects', { ok: s.accepted, rejected: s.rejected, reasons })
        : RED._('lucid-ingest.status.ok', { ok: s.accepted });
    }

    function updateStatus(): void {
      if (!ingestor) return;
      const s = ingestor.stats();
      node.status({ fill: s.rejected > 0 ? 'yellow' : 'green', shape: 'dot', text: statusText(s) });
      statusDirty = false;
      lastStatusMs = Date.now();
    }

    /** A readings message; stamped with its arrival time unless an upstream Lucid stage already did. */
    function readingMessage(reading: Reading | Reading[], from?: NodeMessageInFlow): NodeMessage {
      const upstream = (from as PipelineTiming | undefined)?.lucidIngestMs;
      const lucidIngestMs = Number.isFinite(upstream) ? upstream : Date.now();
      return { ...(from ?? {}), lucidIngestMs, payload: reading } as NodeMessage;
    }

    function tick(): void {
      try {
        const lost = ingestor?.checkHeartbeats() ?? [];
        if (lost.length > 0) {
          node.send([lost.map((r) => readingMessage(r)), null]);
          statusDirty = true;
        }
        if (statusDirty) updateStatus();
      } catch (err) {
        node.error(err);
      }
    }

    node.on('input', (msg: NodeMessageInFlow, send, nodeDone) => {
      const done = timedDone('ingest', nodeDone);
      try {
        if (!ingestor) throw configError ?? new ConfigError('lucid-ingest is not configured');
        const link = msg.payload === undefined ? brokerLinkOf(msg) : undefined;
        if (link) {
          // The gateway's own broker link: while it is down, device silence is not their fault.
          brokerLinks.set(link.sourceId, link.connected);
          ingestor.setBrokerConnected([...brokerLinks.values()].every(Boolean));
          done();
          return;
        }
        const { readings, rejects, batch } = ingestor.ingest(msg.payload, msg.topic);
        const out1: NodeMessage[] = [];
        if (batch) {
          if (readings.length > 0) out1.push(readingMessage(readings, msg));
        } else {
          for (const r of readings) out1.push(readingMessage(r, msg));
        }
        const out2 = rejects.map((r: Reject) => ({
          ...msg,
          payload: r.item,
          error: { code: r.code, detail: r.detail, ...(r.index !== undefined ? { index: r.index } : {}) },
        })) as NodeMessage[];
        if (out1.length + out2.length > 0) send([out1, out2]);
        statusDirty = true;
        if (Date.now() - lastStatusMs >= TICK_MS) updateStatus();
        done();
      } catch (err) {
        reportError(node, err, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      timer = undefined;
      done();
    });
  }

  RED.nodes.registerType('lucid-ingest', LucidIngestNode);
};
