import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import { FEEDBACK_VERDICTS, type Adaptation, type Alert, type Feedback } from '../../lib/contracts/types';
import {
  adaptationsForFeedback,
  resolveFeedbackPolicy,
  type FeedbackPolicy,
} from '../../lib/feedback/adaptation-policy';
import type { SqlAlertStore } from '../../lib/store/sql-alert-store';
import { configErrorStatus, reportError } from '../shared/node-status';
import { resolveStore } from '../lucid-store-config/store-config';

interface FeedbackNodeDef extends NodeDef {
  store?: string;
  falsePositive?: FeedbackPolicy['falsePositive'];
  thresholdStep?: number | string;
  suppressHours?: number | string;
  expectedMinutes?: number | string;
  maintenanceHours?: number | string;
  usefulWeight?: number | string;
  notUsefulWeight?: number | string;
  replayOnStart?: boolean;
  /** Delay before re-sending adaptations after a start, ms [1000] (not in the editor). */
  replayDelayMs?: number;
}

type FeedbackMsg = NodeMessageInFlow & { alert?: Alert; adaptation?: Adaptation };

const ACTOR = 'lucid-feedback';

function optional(v: number | string | undefined, scale = 1): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`expected a number, got ${JSON.stringify(v)}`);
  return n * scale;
}

export = function (RED: NodeAPI) {
  function LucidFeedbackNode(this: Node, config: FeedbackNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let policy: FeedbackPolicy | undefined;
    let storePromise: Promise<SqlAlertStore> | undefined;
    let configError: Error | undefined;
    let queue: Promise<void> = Promise.resolve();
    let replayTimer: NodeJS.Timeout | undefined;
    let applied = 0;

    const adaptationMsg = (a: Adaptation): NodeMessage =>
      ({ topic: 'adaptation', payload: a, adaptation: a }) as NodeMessage;
    const status = (): void =>
      node.status({
        fill: 'green',
        shape: 'dot',
        text: RED._('lucid-feedback.status.applied', { count: applied }),
      });

    try {
      policy = resolveFeedbackPolicy({
        falsePositive: config.falsePositive || undefined,
        thresholdStep: optional(config.thresholdStep),
        suppressMs: optional(config.suppressHours, 3_600_000),
        expectedSilenceMs: optional(config.expectedMinutes, 60_000),
        maintenanceSilenceMs: optional(config.maintenanceHours, 3_600_000),
        usefulWeight: optional(config.usefulWeight),
        notUsefulWeight: optional(config.notUsefulWeight),
      });
      if (config.store) storePromise = resolveStore((id) => RED.nodes.getNode(id), config.store).store;
      status();
    } catch (err) {
      configError = err as Error;
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    // After a restart, lucid-detect and lucid-route get back every adaptation still in force.
    if (storePromise && config.replayOnStart !== false) {
      replayTimer = setTimeout(() => {
        queue = queue.then(async () => {
          try {
            const active = await (await storePromise!).activeAdaptations();
            for (const a of active) node.send(adaptationMsg(a));
            if (active.length) node.log(RED._('lucid-feedback.log.replayed', { count: active.length }));
          } catch (err) {
            node.error((err as Error).message);
          }
        });
      }, config.replayDelayMs ?? 1000);
    }

    async function handle(msg: FeedbackMsg): Promise<NodeMessage[]> {
      if (!policy) throw configError ?? new ConfigError('lucid-feedback is not configured');
      if (msg.adaptation !== undefined) {
        // Created or reverted through the API: already recorded by the store; forward it.
        const a = msg.adaptation;
        if (!a || typeof a !== 'object' || typeof a.id !== 'string' || typeof a.kind !== 'string') {
          throw new InputError(
            'invalid_adaptation',
            `adaptation: expected {id, kind, …}, got ${JSON.stringify(a)?.slice(0, 80)}`,
          );
        }
        return [adaptationMsg(a)];
      }
      const fb = msg.payload as Feedback;
      if (
        !fb ||
        typeof fb !== 'object' ||
        !FEEDBACK_VERDICTS.includes(fb.verdict) ||
        typeof fb.alertId !== 'string' ||
        typeof fb.user !== 'string' ||
        !Number.isFinite(fb.tsMs)
      ) {
        throw new InputError(
          'invalid_feedback',
          `msg.payload: expected Feedback {alertId, verdict (${FEEDBACK_VERDICTS.join('|')}), user, tsMs}, got ${JSON.stringify(fb)?.slice(0, 80)}`,
        );
      }
      const store = storePromise ? await storePromise : undefined;
      const alert = msg.alert ?? (store ? await store.getAlert(fb.alertId) : undefined);
      if (!alert)
        throw new InputError('not_found', `alert "${fb.alertId}": not in msg.alert nor in the store`);
      const active = store ? await store.activeAdaptations() : [];
      const adaptations = adaptationsForFeedback(fb, alert, active, policy);
      for (const a of adaptations) if (store) await store.recordAdaptation(a, ACTOR);
      applied += adaptations.length;
      return adaptations.map(adaptationMsg);
    }

    node.on('input', (msg: FeedbackMsg, send, done) => {
      queue = queue.then(async () => {
        try {
          const out = await handle(msg);
          status();
          if (out.length) send([out]);
          done();
        } catch (err) {
          reportError(node, err, done);
        }
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (replayTimer) clearTimeout(replayTimer);
      queue.finally(() => done());
    });
  }

  RED.nodes.registerType('lucid-feedback', LucidFeedbackNode);
};
