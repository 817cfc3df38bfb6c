import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModelError } from '../../../src/lib/contracts/errors';
import { LoadedModel } from '../../../src/lib/model/loaded-model';
import { cardPathOf, copyModel } from './model-fixtures';

describe.each(['pump-ae', 'fleet-ae'])('LoadedModel %s (committed)', (name) => {
  it('loads, and the card matches the ONNX graph (names, shape, dry run)', async () => {
    const model = await LoadedModel.load(cardPathOf(name));
    try {
      const { card } = model;
      expect(card.opset).toBeLessThanOrEqual(17);
      expect(card.input.shape).toEqual(['batch', card.windowLength, card.features.length]);
      const out = await model.run(
        new Float32Array(2 * card.windowLength * card.features.length).fill(0.5),
        2,
      );
      expect(out).toHaveLength(2 * card.windowLength * card.features.length);
      expect(readFileSync(model.modelPath).length).toBeLessThan(5 * 1024 * 1024);
    } finally {
      await model.release();
    }
  });
});

describe('LoadedModel inference hook', () => {
  it.each(['main', 'worker'] as const)(
    'reports each run (not the dry run) with its duration, batch and model name (%s thread)',
    async (inferenceThread) => {
      const calls: [number, number, string][] = [];
      const model = await LoadedModel.load(cardPathOf('pump-ae'), {
        inferenceThread,
        onInference: (seconds, batch, name) => calls.push([seconds, batch, name]),
      });
      try {
        expect(calls).toEqual([]);
        const { windowLength, features } = model.card;
        await model.run(new Float32Array(3 * windowLength * features.length), 3);
        expect(calls).toHaveLength(1);
        const [seconds, batch, name] = calls[0];
        expect(batch).toBe(3);
        expect(name).toBe(model.card.name);
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThan(30);
      } finally {
        await model.release();
      }
    },
  );

  it('a hook that throws does not fail the inference', async () => {
    const model = await LoadedModel.load(cardPathOf('pump-ae'), {
      onInference: () => {
        throw new Error('metrics down');
      },
    });
    try {
      const { windowLength, features } = model.card;
      const out = await model.run(new Float32Array(windowLength * features.length), 1);
      expect(out).toHaveLength(windowLength * features.length);
    } finally {
      await model.release();
    }
  });
});

describe('LoadedModel refuses bad models with a clear ModelError', () => {
  const cases: [string, Parameters<typeof copyModel>[1], RegExp][] = [
    [
      'one byte flipped',
      { bytes: (b) => ((b[Math.floor(b.length / 2)] ^= 0x01), b) },
      /SHA-256 .* refusing a modified model/,
    ],
    ['truncated file', { bytes: (b) => b.subarray(0, b.length - 100) }, /bytes, the card says .*truncated/],
    [
      'truncated file, card without size',
      { bytes: (b) => b.subarray(0, 1000), card: (c) => delete c.sizeBytes },
      /SHA-256/,
    ],
    [
      'wrong input name',
      { card: (c) => ((c.input as { name: string }).name = 'x') },
      /does not match the ONNX graph: inputs are \["window"\]/,
    ],
    [
      'wrong output name',
      { card: (c) => ((c.output as { name: string }).name = 'y') },
      /does not match the ONNX graph: outputs/,
    ],
    [
      'window length that the graph does not have',
      {
        card: (c) => {
          const w = (c.windowLength as number) + 4;
          c.windowLength = w;
          (c.input as { shape: unknown[] }).shape[1] = w;
          (c.output as { shape: unknown[] }).shape[1] = w;
        },
      },
      /does not match the ONNX graph: input shape/,
    ],
    [
      'card shape inconsistent with windowLength',
      { card: (c) => ((c.input as { shape: unknown[] }).shape[1] = 999) },
      /input.shape .* does not match/,
    ],
    [
      'card without threshold',
      { card: (c) => delete (c.scoring as Record<string, unknown>).threshold },
      /invalid model card: \/scoring must have required property 'threshold'/,
    ],
    ['opset above 17', { card: (c) => (c.opset = 18) }, /\/opset must be <= 17/],
    [
      'zero std',
      { card: (c) => ((c.features as { std: number }[])[0]!.std = 0) },
      /\/features\/0\/std must be > 0/,
    ],
  ];
  it.each(cases)('%s', async (_label, edit, message) => {
    const copy = copyModel('pump-ae', edit);
    try {
      await expect(LoadedModel.load(copy.cardPath)).rejects.toThrow(ModelError);
      await expect(LoadedModel.load(copy.cardPath)).rejects.toThrow(message);
    } finally {
      copy.cleanup();
    }
  });

  it('missing card file', async () => {
    await expect(LoadedModel.load('/nonexistent/x.card.json')).rejects.toThrow(
      /model card "\/nonexistent\/x.card.json" cannot be read/,
    );
  });

  it('card that is not JSON', async () => {
    const copy = copyModel('pump-ae');
    try {
      require('node:fs').writeFileSync(copy.cardPath, '{"name": ');
      await expect(LoadedModel.load(copy.cardPath)).rejects.toThrow(/is not valid JSON/);
    } finally {
      copy.cleanup();
    }
  });

  it('missing ONNX file', async () => {
    const copy = copyModel('pump-ae');
    try {
      require('node:fs').rmSync(copy.onnxPath);
      await expect(LoadedModel.load(copy.cardPath)).rejects.toThrow(/ONNX file .* cannot be read/);
    } finally {
      copy.cleanup();
    }
  });
});

describe('LoadedModel Ed25519 signature', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const signed = () =>
    copyModel('pump-ae', {
      card: (c) => {
        const bytes = readFileSync(cardPathOf('pump-ae').replace('pump-ae.card.json', c.file as string));
        c.signature = sign(null, bytes, privateKey).toString('base64');
      },
    });

  it('loads a signed model with the right key', async () => {
    const copy = signed();
    try {
      const model = await LoadedModel.load(copy.cardPath, { publicKey: pem });
      await model.release();
    } finally {
      copy.cleanup();
    }
  });

  it.each([
    ['a different key', () => signed(), other, /signature does not match/],
    ['an unsigned card', () => copyModel('pump-ae'), pem, /card has no signature/],
    ['a malformed key', () => signed(), 'not a key', /signature check failed/],
  ])('refuses %s', async (_label, make, key, message) => {
    const copy = make();
    try {
      await expect(LoadedModel.load(copy.cardPath, { publicKey: key })).rejects.toThrow(message);
    } finally {
      copy.cleanup();
    }
  });
});
