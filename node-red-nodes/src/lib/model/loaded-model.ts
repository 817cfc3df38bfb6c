import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../contracts/errors';
import { InferenceWorker } from './inference-worker';
import { loadModelCard, type ModelCard } from './model-card';
import { verifyModelFile, type VerifyOptions } from './verify-model-file';

/** Options of {@link LoadedModel.load}. */
export interface LoadModelOptions extends VerifyOptions {
  /**
   * Where `run` infers: `main` (on the event loop's thread) or `worker` (a worker thread of the
   * model's own, see {@link InferenceWorker}: inference overlaps the rest of the flow on another
   * core; worth it on a gateway with a free core). Default `main`.
   */
  inferenceThread?: 'main' | 'worker';
  /**
   * Called after each successful `run` (not the dry run at load) with its wall-clock duration in
   * seconds (including the hop to and from the worker thread, when there is one), the batch size
   * and the card's model name; e.g. to observe `lucid_model_inference_seconds`. Exceptions it
   * throws are ignored.
   */
  onInference?: (seconds: number, batch: number, modelName: string) => void;
}

/**
 * A verified model card and its onnxruntime-node `InferenceSession` (CPU). One instance per
 * model file, shared by every scorer that uses it; `release()` frees the native session.
 */
export class LoadedModel {
  private released = false;

  private worker: InferenceWorker | undefined;

  private onInference: LoadModelOptions['onInference'];

  private constructor(
    /** The validated model card. */
    readonly card: ModelCard,
    /** Absolute path of the ONNX file. */
    readonly modelPath: string,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Where `run` infers (LoadModelOptions.inferenceThread). */
  get inferenceThread(): 'main' | 'worker' {
    return this.worker ? 'worker' : 'main';
  }

  /**
   * Loads a card, verifies the ONNX file (size, SHA-256, optional Ed25519) before parsing it,
   * creates the session and checks it against the card: input/output names, static dimensions,
   * and a dry run on one zero window whose output shape must be `[1, W, F]`; with
   * `inferenceThread: 'worker'`, then starts the worker (its own session from the same bytes).
   * @param cardPath path of `<name>.card.json`; the ONNX file is `card.file` beside it
   * @throws ModelError for a missing/invalid card, a missing/truncated/tampered file, a bad
   *   signature, a file onnxruntime cannot load, or a card that does not match the graph
   * @example const model = await LoadedModel.load('models/pump-ae/pump-ae.card.json');
   */
  static async load(cardPath: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
    const card = loadModelCard(cardPath);
    const modelPath = resolve(dirname(cardPath), card.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(modelPath);
    } catch (err) {
      throw new ModelError(
        `model "${card.name}": ONNX file "${modelPath}" cannot be read: ${(err as Error).message}`,
      );
    }
    verifyModelFile(bytes, card, opts);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
      });
    } catch (err) {
      throw new ModelError(
        `model "${card.name}": onnxruntime cannot load "${modelPath}": ${(err as Error).message}`,
      );
    }
    const model = new LoadedModel(card, modelPath, session);
    try {
      await model.checkAgainstCard();
      if (opts.inferenceThread === 'worker') {
        model.worker = await InferenceWorker.start(bytes, {
          modelName: card.name,
          inputName: card.input.name,
          outputName: card.output.name,
        });
      }
    } catch (err) {
      await session.release();
      throw err;
    }
    model.onInference = opts.onInference;
    return model;
  }

  /** Window length W. */
  get windowLength(): number {
    return this.card.windowLength;
  }

  /** Feature count F. */
  get featureCount(): number {
    return this.card.features.length;
  }

  /**
   * Runs the model on `batch` windows laid out row-major as [batch, W, F] (float32, z units).
   * @returns the reconstructions, same layout and length
   * @throws ModelError when released, on a wrong input length, or when inference fails
   */
  async run(windows: Float32Array, batch: number): Promise<Float32Array> {
    const startNs = process.hrtime.bigint();
    const rec = await this.infer(windows, batch);
    if (this.onInference) {
      try {
        this.onInference(Number(process.hrtime.bigint() - startNs) / 1e9, batch, this.card.name);
      } catch {
        // A metrics hook must never fail an inference.
      }
    }
    return rec;
  }

  private async infer(windows: Float32Array, batch: number): Promise<Float32Array> {
    if (this.released) throw new ModelError(`model "${this.card.name}" has been released`);
    const size = batch * this.windowLength * this.featureCount;
    if (batch < 1 || windows.length !== size) {
      throw new ModelError(
        `model "${this.card.name}": input has ${windows.length} values, expected ${size} for batch ${batch}`,
      );
    }
    const dims = [batch, this.windowLength, this.featureCount];
    if (this.worker) {
      const rec = await this.worker.run(windows, dims);
      if (rec.length !== size) {
        throw new ModelError(
          `model "${this.card.name}": output "${this.card.output.name}" of the wrong size`,
        );
      }
      return rec;
    }
    const tensor = new ort.Tensor('float32', windows, dims);
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run({ [this.card.input.name]: tensor });
    } catch (err) {
      throw new ModelError(`model "${this.card.name}": inference failed: ${(err as Error).message}`);
    }
    const rec = out[this.card.output.name];
    if (!rec || rec.data.length !== size) {
      throw new ModelError(
        `model "${this.card.name}": output "${this.card.output.name}" missing or of the wrong size`,
      );
    }
    return rec.data as Float32Array;
  }

  /** Frees the native session (and stops the inference worker). Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.worker?.terminate();
    await this.session.release();
  }

  private async checkAgainstCard(): Promise<void> {
    const { card, session } = this;
    const where = `model "${card.name}": the card does not match the ONNX graph:`;
    if (session.inputNames.length !== 1 || session.inputNames[0] !== card.input.name) {
      throw new ModelError(
        `${where} inputs are ${JSON.stringify(session.inputNames)}, the card says ["${card.input.name}"]`,
      );
    }
    if (!session.outputNames.includes(card.output.name)) {
      throw new ModelError(
        `${where} outputs are ${JSON.stringify(session.outputNames)}, the card says "${card.output.name}"`,
      );
    }
    const meta = session.inputMetadata[0];
    if (meta && meta.isTensor && meta.shape.length > 0) {
      const dims = meta.shape;
      const want = [card.windowLength, card.features.length];
      if (
        dims.length !== 3 ||
        (typeof dims[1] === 'number' && dims[1] !== want[0]) ||
        (typeof dims[2] === 'number' && dims[2] !== want[1])
      ) {
        throw new ModelError(
          `${where} input shape is ${JSON.stringify(dims)}, the card says [batch, ${want[0]}, ${want[1]}]`,
        );
      }
      if (meta.type !== 'float32')
        throw new ModelError(`${where} input type is ${meta.type}, the card says float32`);
    }
    const out = await this.run(new Float32Array(this.windowLength * this.featureCount), 1);
    if (out.some((v) => !Number.isFinite(v)))
      throw new ModelError(`${where} a zero window gives non-finite outputs`);
  }
}
