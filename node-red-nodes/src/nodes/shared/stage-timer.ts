import { lucidMetrics } from '../../lib/api/lucid-metrics';

/** The pipeline stages whose per-message time `lucid_stage_seconds{stage}` reports. */
export type PipelineStage = 'ingest' | 'detect' | 'explain' | 'route' | 'store';

/**
 * Wraps a Node-RED input handler's `done` so that calling it observes, in
 * `lucid_stage_seconds{stage}`, the wall-clock seconds since the message reached the node's
 * input handler (queueing inside the node and asynchronous work such as ONNX inference included).
 * A message that is never `done` is not observed. Cost: one `process.hrtime.bigint()` per message.
 * @param stage which stage the node is
 * @param done the handler's `done` callback (see Node-RED's "Handling messages" guide)
 * @returns a `done` with the same contract
 * @see https://nodered.org/docs/creating-nodes/node-js#handling-errors
 */
export function timedDone(stage: PipelineStage, done: (err?: Error) => void): (err?: Error) => void {
  const startNs = process.hrtime.bigint();
  return (err?: Error) => {
    lucidMetrics().stageSeconds.observe({ stage }, Number(process.hrtime.bigint() - startNs) / 1e9);
    done(err);
  };
}
