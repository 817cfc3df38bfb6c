import helper = require('node-red-node-test-helper');
import modelNode = require('../../src/nodes/lucid-model/lucid-model');
import type { Node } from 'node-red';
import { ConfigError, ModelError } from '../../src/lib/contracts/errors';
import { LoadedModel } from '../../src/lib/model/loaded-model';
import { resolveModel, type ModelConfigNode } from '../../src/nodes/lucid-model/model-config';
import { copyModel } from '../lib/model/model-fixtures';

helper.init(require.resolve('node-red'));

const user = (id: string) => ({ id }) as Node;

describe('lucid-model config node', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('loads the built-in model once and shares the session between users, each with its own scorer', async () => {
    const loadSpy = jest.spyOn(LoadedModel, 'load');
    await helper.load(modelNode, [
      { id: 'm1', type: 'lucid-model', card: 'pump-ae', maxBatchSize: '64', maxWaitMs: '2' },
    ]);
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const a = await node.register(user('detect-a'));
    const b = await node.register(user('detect-b'));
    expect(loadSpy).toHaveBeenCalledTimes(1);
    loadSpy.mockRestore();
    expect(a.model).toBe(b.model);
    expect(a).not.toBe(b);
    expect(node.users).toEqual(new Set(['detect-a', 'detect-b']));
    expect(a.model.card.name).toBe('pump-ae');
    expect(node.scorerOptions).toEqual({
      maxBatchSize: 64,
      maxWaitMs: 2,
      maxImputedShare: 0.5,
      hopReadings: 1,
    });

    // It scores: a reading on a fresh device is warming up (the device baseline is being learnt).
    const metrics = Object.fromEntries(a.card.features.map((f) => [f.name, f.mean]));
    await expect(a.score({ deviceId: 'p1', tsMs: 1, metrics })).resolves.toMatchObject({
      status: 'warming_up',
    });

    await node.deregister(user('detect-a'), a);
    expect(node.users).toEqual(new Set(['detect-b']));
    await expect(b.scoreBatch([{ deviceId: 'p1', tsMs: 2, metrics }])).resolves.toHaveLength(1);
  });

  it('with inference in a worker thread: users score on it, and close stops it', async () => {
    await helper.load(modelNode, [
      { id: 'm1', type: 'lucid-model', card: 'pump-ae', inferenceThread: 'worker' },
    ]);
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const model = await node.ready();
    expect(model.inferenceThread).toBe('worker');
    const scorer = await node.register(user('detect-a'));
    const windows = new Float32Array(model.windowLength * model.featureCount);
    await expect(model.run(windows, 1)).resolves.toHaveLength(windows.length);
    await node.deregister(user('detect-a'), scorer);
    await helper.unload();
    await expect(model.run(windows, 1)).rejects.toThrow(/released/);
  });

  it('releases the session on close', async () => {
    await helper.load(modelNode, [{ id: 'm1', type: 'lucid-model', card: 'pump-ae' }]);
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    const model = await node.ready();
    const release = jest.spyOn(model, 'release');
    await helper.unload();
    expect(release).toHaveBeenCalledTimes(1);
    await expect(model.run(new Float32Array(model.windowLength * model.featureCount), 1)).rejects.toThrow(
      /released/,
    );
    await expect(node.register(user('late'))).rejects.toThrow(/closed/);
  });

  it('refuses a tampered model: users get the ModelError, the runtime keeps running', async () => {
    const copy = copyModel('pump-ae', { bytes: (b) => ((b[b.length - 10] ^= 0x80), b) });
    try {
      await helper.load(modelNode, [{ id: 'm1', type: 'lucid-model', card: copy.cardPath }]);
      const node = helper.getNode('m1') as unknown as ModelConfigNode;
      await expect(node.register(user('d'))).rejects.toThrow(ModelError);
      await expect(node.ready()).rejects.toThrow(/SHA-256 .* refusing a modified model/);
      expect(node.users.size).toBe(0);
    } finally {
      copy.cleanup();
    }
  });

  it.each([
    ['no card', { card: '' }, /no model card is set/],
    [
      'bad max batch',
      { card: 'pump-ae', maxBatchSize: '0' },
      /maxBatchSize "0" must be an integer in 1..65536/,
    ],
    ['bad max wait', { card: 'pump-ae', maxWaitMs: 'soon' }, /maxWaitMs "soon"/],
    [
      'unknown inference thread',
      { card: 'pump-ae', inferenceThread: 'gpu' },
      /inferenceThread "gpu" must be "main" or "worker"/,
    ],
    [
      'fractional hop',
      { card: 'pump-ae', hopReadings: '2.5' },
      /hopReadings "2.5" must be an integer in 1..1024/,
    ],
    // pump-ae's error covers the newest 5 rows of each window: a hop of 6 would leave one unscored.
    [
      'hop longer than the scored rows',
      { card: 'pump-ae', hopReadings: '6' },
      /hopReadings: 6 is more than the 5 newest rows/,
    ],
    ['missing card file', { card: 'no/such/model.card.json' }, /cannot be read/],
  ])('bad config (%s) is a clear error for users, no crash', async (_label, config, message) => {
    await helper.load(modelNode, [{ id: 'm1', type: 'lucid-model', ...config }]);
    const node = helper.getNode('m1') as unknown as ModelConfigNode;
    await expect(node.register(user('d'))).rejects.toThrow(message);
  });

  it('resolveModel: none configured, missing node, present node', async () => {
    await helper.load(modelNode, [{ id: 'm1', type: 'lucid-model', card: 'pump-ae' }]);
    const getNode = (id: string) => helper.getNode(id);
    expect(resolveModel(getNode, '')).toBeUndefined();
    expect(() => resolveModel(getNode, 'nope')).toThrow(ConfigError);
    expect(resolveModel(getNode, 'm1')).toBe(helper.getNode('m1'));
  });
});
