import type { Reading } from '../../../src/lib/contracts/types';
import { DeviceWindows } from '../../../src/lib/model/device-windows';
import { parseModelCard, type ModelCard } from '../../../src/lib/model/model-card';

function card(normalisation: ModelCard['normalisation'], windowLength = 3): ModelCard {
  return parseModelCard({
    schemaVersion: 1,
    name: 'toy',
    version: '1',
    file: 'toy.onnx',
    sha256: '0'.repeat(64),
    opset: 17,
    input: { name: 'window', dtype: 'float32', shape: ['batch', windowLength, 2] },
    output: { name: 'reconstruction', dtype: 'float32', shape: ['batch', windowLength, 2] },
    windowLength,
    features: [
      { name: 'a', unit: 'V', mean: 10, std: 2 },
      { name: 'b', unit: 'A', mean: 0, std: 4 },
    ],
    normalisation,
    scoring: { threshold: 1 },
  });
}

const r = (deviceId: string, tsMs: number, metrics: Record<string, number>): Reading => ({
  deviceId,
  tsMs,
  metrics,
});

describe('DeviceWindows', () => {
  it('card mode: warms up for W-1 readings, then z-scores with the card, oldest row first', () => {
    const w = new DeviceWindows(card({ mode: 'card' }));
    expect(w.push(r('d', 1, { a: 10, b: 0 }))).toMatchObject({ status: 'warming_up', remainingReadings: 2 });
    expect(w.push(r('d', 2, { a: 12, b: 4 }))).toMatchObject({ status: 'warming_up', remainingReadings: 1 });
    const res = w.push(r('d', 3, { a: 14, b: -8 }));
    expect(res.status).toBe('ready');
    if (res.status !== 'ready') return;
    expect(Array.from(res.window)).toEqual([0, 0, 1, 1, 2, -2]);
    const next = w.push(r('d', 4, { a: 8, b: 0 }));
    expect(next.status === 'ready' && Array.from(next.window)).toEqual([1, 1, 2, -2, -1, 0]);
  });

  it('keeps devices apart', () => {
    const w = new DeviceWindows(card({ mode: 'card' }, 2));
    w.push(r('x', 1, { a: 10, b: 0 }));
    expect(w.push(r('y', 1, { a: 10, b: 0 })).status).toBe('warming_up');
    expect(w.push(r('x', 2, { a: 10, b: 0 })).status).toBe('ready');
    expect(w.size).toBe(2);
  });

  it('device-baseline mode: silent until the baseline is complete, then uses its mean and population std', () => {
    const w = new DeviceWindows(
      card({ mode: 'device-baseline', baselineReadings: 4, stdFloorRatio: 0.01 }, 2),
    );
    const base = [1, 3, 1, 3]; // mean 2, population std 1
    const results = base.map((v, i) => w.push(r('d', i, { a: v, b: 5 })));
    expect(results.slice(0, 3).every((x) => x.status === 'warming_up')).toBe(true);
    const ready = results[3]!;
    expect(ready.status).toBe('ready');
    if (ready.status !== 'ready') return;
    // a: (1-2)/1, (3-2)/1; b is constant: std floored at 0.01 × card std 4 = 0.04, z = 0
    expect(Array.from(ready.window)).toEqual([-1, 0, 1, 0]);
    const next = w.push(r('d', 9, { a: 4, b: 5.04 }));
    expect(next.status === 'ready' && Array.from(next.window).map((x) => +x.toFixed(4))).toEqual([
      1, 0, 2, 1,
    ]);
  });

  it.each([
    ['absent', { a: 12 }],
    ['NaN', { a: 12, b: Number.NaN }],
    ['Infinity', { a: 12, b: Number.POSITIVE_INFINITY }],
  ])('imputes a %s feature with the centre (z = 0) and reports it', (_label, metrics) => {
    const w = new DeviceWindows(card({ mode: 'card' }, 1));
    const res = w.push(r('d', 1, metrics as Record<string, number>));
    expect(res).toMatchObject({ status: 'ready', imputed: ['b'] });
    expect(res.status === 'ready' && Array.from(res.window)).toEqual([1, 0]);
  });

  it('skips a reading with more than maxImputedShare missing, without touching the window', () => {
    const w = new DeviceWindows(card({ mode: 'card' }, 2), { maxImputedShare: 0.5 });
    w.push(r('d', 1, { a: 10, b: 0 }));
    expect(w.push(r('d', 2, { connectivity: 0 }))).toMatchObject({
      status: 'skipped',
      reason: 'missing_features',
      missing: ['a', 'b'],
    });
    expect(w.push(r('d', 3, { a: 12, b: 4 }))).toMatchObject({ status: 'ready' });
  });

  it('skips a reading older than the previous one of its device', () => {
    const w = new DeviceWindows(card({ mode: 'card' }, 1));
    w.push(r('d', 10, { a: 10, b: 0 }));
    expect(w.push(r('d', 5, { a: 10, b: 0 }))).toMatchObject({ status: 'skipped', reason: 'out_of_order' });
    expect(w.push(r('d', 10, { a: 10, b: 0 })).status).toBe('ready');
  });

  it('reset forgets a device', () => {
    const w = new DeviceWindows(card({ mode: 'card' }, 2));
    w.push(r('d', 1, { a: 10, b: 0 }));
    w.reset('d');
    expect(w.push(r('d', 2, { a: 10, b: 0 })).status).toBe('warming_up');
  });
});
