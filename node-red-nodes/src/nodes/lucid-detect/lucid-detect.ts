import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { InputError } from '../../lib/contracts/errors';
import type { Adaptation, AnomalyScore, Detection, Reading } from '../../lib/contracts/types';
import {
  ClockJumpGuard,
  detectWithClockGuard,
  muteScore,
  resolveClockJumpOptions,
  type ClockVerdict,
} from '../../lib/detect/clock-jump-guard';
import { CombinedDetector, type CombinedDetectorSnapshot } from '../../lib/detect/combined-detector';
import type { DetectorSnapshot } from '../../lib/detect/streaming-detector';
import type { FleetRegistry } from '../../lib/fleet/fleet-registry';
import { mergeModelScoreInPlace } from '../../lib/model/merge-model-score';
import type { ModelScore, ModelScorer } from '../../lib/model/model-scorer';
import { detectorRegistry } from '../../lib/score/detector-registry';
import { resolveModel, type ModelConfigNode } from '../lucid-model/model-config';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import {
  CLOCK_STATE_KEY,
  STATE_KEY,
  parseDetectNodeDef,
  type DetectNodeDef,
  type DetectNodeSettings,
} from './detect-node-config';
import { timedDone } from '../shared/stage-timer';

type DetectMsg = NodeMessageInFlow & { adaptation?: Adaptation };

/** What the in-order output stage of one message does once its model scores (if any) are in. */
interface Prepared {
  finish: (modelScores: ModelScore[] | undefined) => void;
  modelScores?: Promise<ModelScore[]>;
}

/** Minimum time between two status updates, ms. */
const STATUS_INTERVAL_MS = 1000;

/** A device's declared sampling interval: the smallest `intervalMs` over its fleet metrics. */
function declaredIntervalMs(fleet: FleetRegistry, deviceId: string): number | undefined {
  let best: number | undefined;
  for (const spec of Object.values(fleet.device(deviceId).metrics)) {
    const interval = spec.intervalMs;
    if (typeof interval === 'number' && interval > 0 && (best === undefined || interval < best))
      best = interval;
  }
  return best;
}

export = function (RED: NodeAPI) {
  function LucidDetectNode(this: Node, config: DetectNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: DetectNodeSettings | undefined;
    let detector: CombinedDetector | undefined;
    let guard: ClockJumpGuard | undefined;
    let configError: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let dirty = false;
    let anomalies = 0;
    let ready: Promise<void> = Promise.resolve();
    // Model scoring (optional): the config node, this node's scorer on its shared session,
    // why it was refused, and how many messages fell back to the streaming scores.
    let modelNode: ModelConfigNode | undefined;
    let scorer: ModelScorer | undefined;
    let modelRefusal: string | undefined;
    let modelFallbacks = 0;
    // Stage 1 (streaming detectors + submission to the scorer) runs in arrival order and does
    // not wait for inference, so single readings of many devices share micro-batches; stage 2
    // (merge + send) is a second chain in the same order (cf. core 89-trigger's queue).
    let outChain: Promise<void> = Promise.resolve();
    let unregister: (() => void) | undefined;

    const save = (cb?: (err?: Error) => void) => {
      if (!detector || !guard || !settings) return cb?.();
      const snapshot = detector.snapshot();
      const clocks = guard.snapshot();
      dirty = false;
      const store = settings.contextStore;
      const saved = (err?: Error) => {
        if (err)
          node.warn(
            `lucid-detect: could not save state to context store "${store ?? 'default'}": ${err.message}`,
          );
        return err;
      };
      node.context().set(STATE_KEY, snapshot, store, (err?: Error) => {
        const first = saved(err);
        node.context().set(CLOCK_STATE_KEY, clocks, store, (err2?: Error) => cb?.(first ?? saved(err2)));
      });
    };

    // Building and sending the status costs as much as scoring a reading: at most once a second.
    let lastStatusMs = 0;
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatusThrottled = () => {
      const wait = lastStatusMs + STATUS_INTERVAL_MS - Date.now();
      if (wait <= 0) {
        showStatus();
      } else if (!statusTimer) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          showStatus();
        }, wait);
      }
    };

    const showStatus = () => {
      lastStatusMs = Date.now();
      if (!detector) return;
      const running = RED._('lucid-detect.status.running', { series: detector.seriesCount, anomalies });
      if (modelRefusal !== undefined) {
        node.status(configErrorStatus(RED._('lucid-detect.status.modelRefused', { error: modelRefusal })));
        return;
      }
      const model = scorer ? RED._('lucid-detect.status.model', { name: scorer.card.name }) : '';
      const fallbacks =
        modelFallbacks > 0 ? RED._('lucid-detect.status.fallbacks', { count: modelFallbacks }) : '';
      node.status({
        fill: modelFallbacks > 0 || anomalies > 0 ? 'yellow' : 'green',
        shape: anomalies > 0 ? 'dot' : 'ring',
        text: `${running}${model}${fallbacks}`,
      });
    };

    const refuseModel = (err: unknown) => {
      modelRefusal = err instanceof Error ? err.message : String(err);
      node.error(RED._('lucid-detect.errors.modelRefused', { error: modelRefusal }));
    };

    try {
      settings = parseDetectNodeDef(config);
      const { registry } = resolveFleet((id) => RED.nodes.getNode(id), config.fleet);
      const s = settings;
      detector = new CombinedDetector(s.detect, registry);
      // The scoring API reads the live state through the process-wide registry (read-only).
      unregister = detectorRegistry().register({
        id: node.id,
        name: node.name || node.id,
        detector: () => detector,
        fleet: registry,
      });
      // The re-warm after a clock jump lasts as long as a new device's warm-up.
      const clockOptions = resolveClockJumpOptions({ rewarmReadings: s.detect.warmupReadings });
      const declared = (deviceId: string) => declaredIntervalMs(registry, deviceId);
      guard = new ClockJumpGuard(clockOptions, declared);
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lucid-detect.status.restoring') });
      // A missing or refused model never stops the node: it runs on the streaming detectors.
      let registered: Promise<void> = Promise.resolve();
      try {
        modelNode = resolveModel((id) => RED.nodes.getNode(id), config.model);
      } catch (err) {
        refuseModel(err);
      }
      if (modelNode) {
        registered = modelNode.register(node).then((sc) => {
          scorer = sc;
        }, refuseModel);
      }
      const restoreClocks = (value: unknown, snapshot: DetectorSnapshot | undefined) => {
        if (value !== undefined) {
          try {
            const { guard: restored, skipped } = ClockJumpGuard.restore(value, clockOptions, declared);
            guard = restored;
            if (skipped > 0)
              node.warn(`lucid-detect: ignoring ${skipped} malformed device clock(s) in the saved state`);
          } catch (restoreErr) {
            node.warn(`lucid-detect: ignoring saved device clocks: ${(restoreErr as Error).message}`);
          }
        }
        // State saved before the clock guard existed: start each device's clock at its last reading.
        for (const d of snapshot?.devices ?? []) guard!.seed(d.deviceId, d.lastSeenTsMs);
      };
      const restored = new Promise<void>((resolve) => {
        node.context().get(STATE_KEY, s.contextStore, (err: Error | undefined, value: unknown) => {
          if (err) {
            node.warn(
              `lucid-detect: could not read state from context store "${s.contextStore ?? 'default'}": ${err.message}; starting fresh`,
            );
            return resolve();
          }
          let snapshot: DetectorSnapshot | undefined;
          if (value !== undefined) {
            try {
              detector = CombinedDetector.restore(
                value as CombinedDetectorSnapshot,
                s.detect,
                registry,
                (reason) =>
                  node.warn(`lucid-detect: dropping one entry of the saved state (it re-warms): ${reason}`),
              );
              snapshot = value as DetectorSnapshot;
            } catch (restoreErr) {
              node.warn(`lucid-detect: ignoring saved state: ${(restoreErr as Error).message}`);
            }
          }
          if (!snapshot) return resolve();
          node.context().get(CLOCK_STATE_KEY, s.contextStore, (err2: Error | undefined, clocks: unknown) => {
            if (err2) node.warn(`lucid-detect: could not read saved device clocks: ${err2.message}`);
            restoreClocks(err2 ? undefined : clocks, snapshot);
            resolve();
          });
        });
      });
      ready = Promise.all([restored, registered]).then(showStatus);
      if (s.saveIntervalS > 0) {
        timer = setInterval(() => {
          if (dirty) save();
        }, s.saveIntervalS * 1000);
      }
    } catch (err) {
      configError = err instanceof Error ? err : new Error(String(err));
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    /** Stage 1: streaming scores now, model scores submitted; the rest happens in `finish`. */
    const prepare = (
      msg: DetectMsg,
      send: (m: NodeMessageInFlow) => void,
      done: (err?: Error) => void,
    ): Prepared => {
      const fail = (err: unknown): Prepared => ({ finish: () => reportError(node, err, done) });
      try {
        if (!detector || !guard || !settings)
          throw configError ?? new Error('lucid-detect is not configured');
        if (msg.adaptation !== undefined) {
          detector.applyAdaptation(msg.adaptation);
          dirty = true;
          return { finish: () => done() };
        }
        const payload = msg.payload as unknown;
        if (payload === null || typeof payload !== 'object') {
          throw new InputError(
            'invalid_reading',
            `payload: expected a Reading or an array of Readings, got ${payload === null ? 'null' : typeof payload}`,
          );
        }
        const batch = Array.isArray(payload);
        const readings = (batch ? payload : [payload]) as Reading[];
        const { scores, verdicts } = detectWithClockGuard(detector, guard, readings, batch);
        dirty = true;
        // The model sees only readings the streaming detectors accepted (they validate them).
        let modelScores: Promise<ModelScore[]> | undefined;
        if (scorer && readings.length > 0) {
          modelScores = batch ? scorer.scoreBatch(readings) : scorer.score(readings[0]).then((m) => [m]);
        }
        const finish = (model: ModelScore[] | undefined) => {
          try {
            // The scores were just built by the detector for this message: merged in place.
            const merged: AnomalyScore[] = model
              ? scores.map((sc, i) => mergeModelScoreInPlace(sc, model[i]!))
              : scores;
            // A device re-warming after a clock jump raises nothing, whichever scorer flagged it.
            verdicts.forEach((v: ClockVerdict, i) => {
              if (v.mute) muteScore(merged[i]!, v);
            });
            let detections: Detection[] = readings.map((reading, i) => ({ reading, score: merged[i]! }));
            anomalies += detections.filter((d) => d.score.isAnomaly).length;
            // A fallback turns the status yellow: show that change at once, counts at most once a second.
            if (model === undefined && scorer) showStatus();
            else showStatusThrottled();
            if (settings!.outputMode === 'anomalies')
              detections = detections.filter((d) => d.score.isAnomaly);
            if (detections.length === 0 && (settings!.outputMode === 'anomalies' || !batch)) {
              done();
              return;
            }
            msg.payload = batch ? detections : detections[0];
            send(msg);
            done();
          } catch (err) {
            reportError(node, err, done);
          }
        };
        return { finish, modelScores };
      } catch (err) {
        return fail(err);
      }
    };

    /** Stage 2, in arrival order: wait for this message's model scores, merge, send. */
    const complete = async (p: Prepared): Promise<void> => {
      let model: ModelScore[] | undefined;
      if (p.modelScores) {
        try {
          model = await p.modelScores;
        } catch (err) {
          // Inference failed (ModelError, released session…): documented fallback to the
          // unmerged streaming scores for this message, counted in the status.
          modelFallbacks++;
          if (modelFallbacks === 1 || modelFallbacks % 1000 === 0) {
            node.warn(
              RED._('lucid-detect.errors.modelFallback', {
                error: (err as Error).message,
                count: modelFallbacks,
              }),
            );
          }
        }
      }
      p.finish(model);
    };

    node.on('input', (msg: DetectMsg, send, nodeDone) => {
      const done = timedDone('detect', nodeDone);
      // Chained on the restore and the model registration so no reading is scored before both
      // are settled; stage 1 of the next message does not wait for this one's inference.
      const prepared = ready.then(() => prepare(msg, send, done));
      ready = prepared.then(() => undefined);
      outChain = outChain.then(() => prepared).then(complete);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      unregister?.();
      if (timer) clearInterval(timer);
      timer = undefined;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      ready
        // Deregistering closes the scorer, which flushes its queued readings so stage 2 drains.
        .then(() => (modelNode ? modelNode.deregister(node, scorer) : undefined))
        .then(() => outChain)
        .catch(() => undefined)
        .then(() => {
          scorer = undefined;
          save(() => done());
        });
    });
  }

  RED.nodes.registerType('lucid-detect', LucidDetectNode);
};
