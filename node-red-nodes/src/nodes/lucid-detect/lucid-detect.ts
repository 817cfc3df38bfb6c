import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { InputError } from '../../lib/contracts/errors';
import type { Adaptation, Detection, Reading } from '../../lib/contracts/types';
import { StreamingDetector, type DetectorSnapshot } from '../../lib/detect/streaming-detector';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import { STATE_KEY, parseDetectNodeDef, type DetectNodeDef, type DetectNodeSettings } from './detect-node-config';

type DetectMsg = NodeMessageInFlow & { adaptation?: Adaptation };

export = function (RED: NodeAPI) {
  function LucidDetectNode(this: Node, config: DetectNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: DetectNodeSettings | undefined;
    let detector: StreamingDetector | undefined;
    let configError: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let dirty = false;
    let anomalies = 0;
    let ready: Promise<void> = Promise.resolve();

    const save = (cb?: (err?: Error) => void) => {
      if (!detector || !settings) return cb?.();
      const snapshot = detector.snapshot();
      dirty = false;
      node.context().set(STATE_KEY, snapshot, settings.contextStore, (err?: Error) => {
        if (err) node.warn(`lucid-detect: could not save state to context store "${settings?.contextStore ?? 'default'}": ${err.message}`);
        cb?.(err);
      });
    };

    const showStatus = () => {
      if (!detector) return;
      node.status({
        fill: anomalies > 0 ? 'yellow' : 'green',
        shape: anomalies > 0 ? 'dot' : 'ring',
        text: RED._('lucid-detect.status.running', { series: detector.seriesCount, anomalies }),
      });
    };

    try {
      settings = parseDetectNodeDef(config);
      const { registry } = resolveFleet((id) => RED.nodes.getNode(id), config.fleet);
      const s = settings;
      detector = new StreamingDetector(s.detect, registry);
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lucid-detect.status.restoring') });
      ready = new Promise<void>((resolve) => {
        node.context().get(STATE_KEY, s.contextStore, (err: Error | undefined, value: unknown) => {
          if (err) {
            node.warn(`lucid-detect: could not read state from context store "${s.contextStore ?? 'default'}": ${err.message}; starting fresh`);
          } else if (value !== undefined) {
            try {
              detector = StreamingDetector.restore(value as DetectorSnapshot, s.detect, registry);
            } catch (restoreErr) {
              node.warn(`lucid-detect: ignoring saved state: ${(restoreErr as Error).message}`);
            }
          }
          showStatus();
          resolve();
        });
      });
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

    const handle = (msg: DetectMsg, send: (m: NodeMessageInFlow) => void, done: (err?: Error) => void) => {
      try {
        if (!detector || !settings) throw configError ?? new Error('lucid-detect is not configured');
        if (msg.adaptation !== undefined) {
          detector.applyAdaptation(msg.adaptation);
          dirty = true;
          done();
          return;
        }
        const payload = msg.payload as unknown;
        if (payload === null || typeof payload !== 'object') {
          throw new InputError('invalid_reading', `payload: expected a Reading or an array of Readings, got ${payload === null ? 'null' : typeof payload}`);
        }
        const batch = Array.isArray(payload);
        const readings = (batch ? payload : [payload]) as Reading[];
        const scores = batch ? detector.detectBatch(readings) : [detector.detect(readings[0])];
        dirty = true;
        let detections: Detection[] = readings.map((reading, i) => ({ reading, score: scores[i] }));
        const flagged = detections.filter((d) => d.score.isAnomaly).length;
        anomalies += flagged;
        showStatus();
        if (settings.outputMode === 'anomalies') detections = detections.filter((d) => d.score.isAnomaly);
        if (detections.length === 0 && (settings.outputMode === 'anomalies' || !batch)) {
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

    node.on('input', (msg: DetectMsg, send, done) => {
      // Chained on the restore so no reading is scored before the saved state is back, in order.
      ready = ready.then(() => handle(msg, send, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      timer = undefined;
      ready.then(() => save(() => done()));
    });
  }

  RED.nodes.registerType('lucid-detect', LucidDetectNode);
};
