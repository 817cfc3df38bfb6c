import type { Node, NodeAPI, NodeDef } from 'node-red';
import { lucidMetrics } from '../../lib/api/lucid-metrics';
import { LoadedModel } from '../../lib/model/loaded-model';
import { ModelScorer } from '../../lib/model/model-scorer';
import {
  parseInferenceThread,
  parseScorerOptions,
  resolveCardPath,
  type ModelConfigNode,
} from './model-config';

interface ModelNodeDef extends NodeDef {
  card: string;
  publicKey?: string;
  maxBatchSize?: string | number;
  maxWaitMs?: string | number;
  maxImputedShare?: string | number;
  hopReadings?: string | number;
  inferenceThread?: string;
}

export = function (RED: NodeAPI) {
  function LucidModelNode(this: ModelConfigNode, config: ModelNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const users = new Set<string>();
    let closed = false;
    let loading: Promise<LoadedModel>;
    try {
      node.cardPath = resolveCardPath(config.card, RED.settings.userDir ?? process.cwd());
      node.scorerOptions = parseScorerOptions(config);
      const publicKey = config.publicKey?.trim() || undefined;
      loading = LoadedModel.load(node.cardPath, {
        publicKey,
        inferenceThread: parseInferenceThread(config.inferenceThread),
        onInference: (seconds, _batch, model) => lucidMetrics().modelInference.observe({ model }, seconds),
      });
    } catch (err) {
      loading = Promise.reject(err);
    }
    // Config nodes have no status: the refusal goes to the log here and to every user's register().
    loading.then(
      (model) =>
        node.log(
          RED._('lucid-model.log.loaded', {
            name: model.card.name,
            version: model.card.version,
            sha256: model.card.sha256.slice(0, 12),
          }),
        ),
      (err: Error) => node.error(err.message),
    );

    Object.defineProperty(node, 'users', { get: () => users });
    node.ready = () => loading;
    node.register = async (user: Node) => {
      const model = await loading;
      if (closed) throw new Error(RED._('lucid-model.errors.closed'));
      users.add(user.id);
      return new ModelScorer(model, node.scorerOptions);
    };
    node.deregister = async (user: Node, scorer?: ModelScorer) => {
      users.delete(user.id);
      if (scorer) await scorer.close().catch(() => undefined);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      loading
        .then((model) => model.release())
        .catch(() => undefined)
        .then(() => done());
    });
  }
  RED.nodes.registerType(
    'lucid-model',
    LucidModelNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1],
  );
};
