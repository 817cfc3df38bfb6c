import { Worker } from 'node:worker_threads';
import { ModelError } from '../contracts/errors';

/**
 * The worker's code: one onnxruntime-node CPU session (one intra-op thread) made from the verified
 * bytes it is given, then one `run` per message, in arrival order. Kept as a string (an eval worker)
 * so the same code runs from TypeScript sources under jest and from the compiled package.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const message = (err) => String((err && err.message) || err);
let session;
ort.InferenceSession.create(workerData.bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 }).then(
  (s) => {
    session = s;
    parentPort.postMessage({ type: 'ready' });
  },
  (err) => parentPort.postMessage({ type: 'failed', message: message(err) }),
);
parentPort.on('message', async (m) => {
  try {
    const out = await session.run({ [workerData.inputName]: new ort.Tensor('float32', m.windows, m.dims) });
    const rec = out[workerData.outputName];
    if (!rec) throw new Error('output "' + workerData.outputName + '" missing');
    // A copy the worker owns, so its buffer can be transferred without touching onnxruntime's memory.
    const data = new Float32Array(rec.data);
    parentPort.postMessage({ type: 'result', id: m.id, rec: data }, [data.buffer]);
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: m.id, message: message(err) });
  }
});
`;

type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; rec: Float32Array }
  | { type: 'error'; id: number; message: string };

interface Pending {
  resolve: (rec: Float32Array) => void;
  reject: (err: Error) => void;
}

/**
 * Runs one model's inference in a worker thread of its own (Node's `worker_threads`), so the
 * event loop keeps working (streaming detectors, windowing, merging) while a batch is inferred on
 * another core. Runs are answered in submission order. The worker holds the process open only
 * while runs are pending. Inputs are copied to the worker; outputs are transferred back.
 * @example
 * const w = await InferenceWorker.start(bytes, { modelName: 'pump-ae', inputName: 'window', outputName: 'reconstruction' });
 * const rec = await w.run(windows, [batch, 60, 8]);
 * await w.terminate();
 */
export class InferenceWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: ModelError | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly modelName: string,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.type === 'result') p.resolve(m.rec);
      else p.reject(new ModelError(`model "${modelName}": inference failed in its worker: ${m.message}`));
    });
    const fail = (why: string) => {
      this.failure ??= new ModelError(`model "${modelName}": its inference worker stopped: ${why}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  /**
   * Starts a worker and creates its session from `bytes` (already verified by the caller).
   * @throws ModelError when the worker cannot start or onnxruntime cannot load the bytes
   */
  static async start(
    bytes: Uint8Array,
    names: { modelName: string; inputName: string; outputName: string },
  ): Promise<InferenceWorker> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        bytes,
        ortPath: require.resolve('onnxruntime-node'),
        inputName: names.inputName,
        outputName: names.outputName,
      },
    });
    const ready = await new Promise<FromWorker | Error>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', resolve);
    });
    if (ready instanceof Error || ready.type !== 'ready') {
      await worker.terminate();
      const why = ready instanceof Error ? ready.message : 'message' in ready ? ready.message : ready.type;
      throw new ModelError(`model "${names.modelName}": its inference worker could not load it: ${why}`);
    }
    worker.unref();
    return new InferenceWorker(worker, names.modelName);
  }

  /**
   * Infers one batch in the worker.
   * @param windows row-major `dims` (float32), copied to the worker
   * @param dims `[batch, W, F]`
   * @returns the output tensor's values, transferred from the worker
   * @throws ModelError when inference fails or the worker has stopped
   */
  run(windows: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, windows, dims });
    });
  }

  /** Stops the worker; pending runs reject. Idempotent. */
  async terminate(): Promise<void> {
    this.failure ??= new ModelError(`model "${this.modelName}": its inference worker has been stopped`);
    await this.worker.terminate();
  }
}
