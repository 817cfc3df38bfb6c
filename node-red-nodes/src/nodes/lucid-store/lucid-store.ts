import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { toItems } from '../../lib/batch';
import { InputError } from '../../lib/contracts/errors';
import type {
  Adaptation,
  AlertEvent,
  Detection,
  Incident,
  Notification,
  PipelineTiming,
} from '../../lib/contracts/types';
import { lucidMetrics } from '../../lib/api/lucid-metrics';
import type { SqlAlertStore } from '../../lib/store/sql-alert-store';
import type { StoredFeedback } from '../../lib/store/store-types';
import { configErrorStatus, reportError } from '../shared/node-status';
import { resolveStore, type StoreConfigNode } from '../lucid-store-config/store-config';
import { timedDone } from '../shared/stage-timer';

interface StoreNodeDef extends NodeDef {
  store: string;
}

type StoreMsg = NodeMessageInFlow & {
  event?: AlertEvent;
  incident?: Incident | null;
  notification?: Notification;
  error?: { code?: string };
  narrative?: unknown;
} & PipelineTiming;

/** Actor of lucid-route's own alert events (its changes are not echoed to the output). */
const ROUTE_ACTOR = 'lucid-route';
const MAX_LATENCY_S = 3600;
/** Shortest time between two status refreshes, ms. */
const STATUS_INTERVAL_MS = 1000;

export = function (RED: NodeAPI) {
  function LucidStoreNode(this: Node, config: StoreNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const metrics = lucidMetrics();
    let store: SqlAlertStore | undefined;
    let configNode: StoreConfigNode | undefined;
    let openError: Error | undefined;
    let queue: Promise<void> = Promise.resolve();
    let alerts = 0;
    let samples = 0;
    const detach: (() => void)[] = [];

    let lastStatusMs = 0;
    let statusDirty = false;
    const showStatus = (): void => {
      statusDirty = false;
      lastStatusMs = Date.now();
      node.status({
        fill: 'green',
        shape: 'dot',
        text: RED._('lucid-store.status.summary', { alerts, detections: samples }),
      });
    };
    /** The counts in the status: refreshed at most once per STATUS_INTERVAL_MS (the timer shows the last change). */
    const status = (): void => {
      statusDirty = true;
      if (Date.now() - lastStatusMs >= STATUS_INTERVAL_MS) showStatus();
    };
    const statusTimer = setInterval(() => {
      if (statusDirty) showStatus();
    }, STATUS_INTERVAL_MS);

    const observeLatency = (fromMs: number | undefined): void => {
      if (typeof fromMs !== 'number' || !Number.isFinite(fromMs)) return;
      const s = (Date.now() - fromMs) / 1000;
      if (s >= 0 && s <= MAX_LATENCY_S) metrics.pipelineLatency.observe(s);
    };

    try {
      configNode = resolveStore((id) => RED.nodes.getNode(id), config.store);
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lucid-store.status.opening') });
      const ready = configNode.store.then((s) => {
        store = s;
        const onFeedback = (e: { feedback: StoredFeedback; alert: unknown }): void => {
          node.send({ topic: 'feedback', payload: e.feedback, alert: e.alert } as NodeMessage);
        };
        const onAdaptation = (e: { adaptation: Adaptation; actor: string }): void => {
          if (e.actor !== 'lucid-feedback')
            node.send({
              topic: 'adaptation',
              payload: e.adaptation,
              adaptation: e.adaptation,
            } as NodeMessage);
        };
        const onAlert = (e: { event: AlertEvent }): void => {
          if (
            e.event.by !== ROUTE_ACTOR &&
            (e.event.kind === 'acknowledged' || e.event.kind === 'resolved')
          ) {
            node.send({ topic: 'alert', payload: e.event.alert, event: e.event } as NodeMessage);
          }
        };
        s.on('feedback', onFeedback);
        s.on('adaptation', onAdaptation);
        s.on('alert', onAlert);
        detach.push(
          () => s.off('feedback', onFeedback),
          () => s.off('adaptation', onAdaptation),
          () => s.off('alert', onAlert),
        );
        status();
      });
      queue = ready.catch((err: Error) => {
        openError = err;
        node.status(configErrorStatus(err.message));
      });
    } catch (err) {
      openError = err as Error;
      node.status(configErrorStatus(openError.message));
      node.error(openError.message);
    }

    const countAlert = (r: { duplicate: boolean; alert: { severity: string } }, msg: StoreMsg): void => {
      if (r.duplicate) return;
      alerts++;
      metrics.alerts.inc({ severity: r.alert.severity, kind: msg.event!.kind });
      observeLatency(msg.lucidIngestMs);
    };

    /** Writes a run of alert-event messages in one transaction (group commit). */
    async function handleEvents(msgs: StoreMsg[]): Promise<void> {
      if (!store) throw openError ?? new Error('lucid-store: the store is not open');
      const t0 = process.hrtime.bigint();
      const results = await store.applyAlertEvents(
        msgs.map((m) => ({ event: m.event!, incident: m.incident ?? undefined })),
      );
      metrics.storeWrite.observe({ op: 'alerts' }, Number(process.hrtime.bigint() - t0) / 1e9);
      results.forEach((r, i) => countAlert(r, msgs[i]));
    }

    async function handle(msg: StoreMsg): Promise<void> {
      if (!store) throw openError ?? new Error('lucid-store: the store is not open');
      if (msg.event !== undefined) {
        await handleEvents([msg]);
        return;
      }
      if (msg.notification !== undefined) {
        store.recordNotification(msg.notification);
        metrics.notifications.inc({ channel: String(msg.notification?.channel ?? 'unknown') });
        return;
      }
      // lucid-explain's late narrative: it reaches the store as lucid-route's `updated` event.
      if (msg.narrative !== undefined) return;
      if (msg.error && typeof msg.error === 'object' && typeof msg.error.code === 'string') {
        metrics.rejects.inc({ reason: msg.error.code.slice(0, 64) });
        return;
      }
      const items = toItems<unknown>(msg.payload);
      if (
        items.length > 0 &&
        items.every((d) => d && typeof d === 'object' && 'reading' in d && 'score' in d)
      ) {
        const t0 = process.hrtime.bigint();
        const r = store.recordDetections(items as Detection[]);
        metrics.storeWrite.observe({ op: 'detections' }, Number(process.hrtime.bigint() - t0) / 1e9);
        samples += r.accepted;
        metrics.readings.inc(r.accepted);
        for (const d of items as Detection[]) {
          if (!d?.score) continue;
          metrics.detections.inc({ anomalous: d.score.isAnomaly ? 'true' : 'false' });
        }
        observeLatency(msg.lucidIngestMs);
        if (r.skipped > 0)
          throw new InputError(
            'invalid_detection',
            `${r.skipped} of ${items.length} detections have no valid reading (deviceId, tsMs, metrics)`,
          );
        return;
      }
      if (msg.incident) {
        await store.upsertIncident(msg.incident);
        return;
      }
      throw new InputError(
        'unrecognised_message',
        'lucid-store: expected msg.event (lucid-route out 1/3), msg.notification (out 2), Detection(s) in msg.payload (lucid-detect) or msg.error (lucid-ingest rejects)',
      );
    }

    // Messages are written in arrival order. While a write is in flight, arriving messages wait;
    // a run of waiting alert events is then written in one transaction (group commit).
    const pending: { msg: StoreMsg; done: (err?: Error) => void }[] = [];
    let draining = false;

    async function drain(): Promise<void> {
      draining = true;
      await queue;
      while (pending.length) {
        const batch = pending.splice(0, 500);
        for (let i = 0; i < batch.length;) {
          let j = i;
          while (j < batch.length && batch[j].msg.event !== undefined) j++;
          if (j - i > 1) {
            const run = batch.slice(i, j);
            try {
              await handleEvents(run.map((p) => p.msg));
              status();
              for (const p of run) p.done();
            } catch {
              // One bad event refuses the whole transaction: write them one by one to find it.
              for (const p of run) await one(p);
            }
            i = j;
          } else {
            await one(batch[i]);
            i++;
          }
        }
      }
      draining = false;
    }

    async function one(p: { msg: StoreMsg; done: (err?: Error) => void }): Promise<void> {
      try {
        await handle(p.msg);
        status();
        p.done();
      } catch (err) {
        reportError(node, err, p.done);
      }
    }

    node.on('input', (msg: StoreMsg, _send, nodeDone) => {
      const done = timedDone('store', nodeDone);
      // Detections, notifications and rejects only touch memory (samples are buffered and
      // flushed by the store's timer): once the store is open they do not queue behind alert
      // events, which wait for the database (e.g. while a sample flush holds it).
      if (store && msg.event === undefined && !msg.incident) {
        void one({ msg, done });
        return;
      }
      pending.push({ msg, done });
      if (!draining) {
        queue = drain();
        configNode?.track?.(queue);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      for (const d of detach) d();
      queue.finally(() => done());
    });
  }

  RED.nodes.registerType('lucid-store', LucidStoreNode);
};
