import { readFileSync } from 'node:fs';
import type { Reading } from '../../../src/lib/contracts/types';
import type { DeviceCalibration } from '../../../src/lib/model/model-card';
import { ModelScorer, type ModelScore } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel, pumpReadings } from './model-fixtures';

// The rule fields of scoring.deviceCalibration (recentSteps, aggregate, scoredFeatures, alarm),
// each checked against the same readings scored with the field changed.

const card = JSON.parse(readFileSync(cardPathOf('pump-ae'), 'utf8')) as {
  features: { name: string; mean: number; std: number }[];
};
const BASE: DeviceCalibration = {
  quantile: 1,
  factor: 1.5,
  ewmaHalfLifeReadings: 0,
  featureNormalised: true,
};

/** Scores baseline + `tail` with pump-ae and the given calibration rule; returns the tail's scores. */
async function scoreWith(rule: DeviceCalibration, tail: Reading[]): Promise<ModelScore[]> {
  const copy = copyModel('pump-ae', {
    card: (c) => ((c.scoring as Record<string, unknown>).deviceCalibration = rule),
  });
  const scorer = await ModelScorer.load(copy.cardPath);
  try {
    await scorer.scoreBatch(pumpReadings(400, 11));
    return await scorer.scoreBatch(tail);
  } finally {
    await scorer.close();
    copy.cleanup();
  }
}

const STEP_ON = (feature: string, delta: number, from: number, to = Infinity, length = 60) =>
  pumpReadings(length, 12, {
    fromS: 400,
    edit: (m, i) => {
      if (i >= from && i < to) m[feature]! += delta;
    },
  });

describe('device calibration rules', () => {
  it('alarm: turns on after onReadings consecutive readings above, off after offReadings at or below', async () => {
    const tail = STEP_ON('Volume Flow RateRMS', -20, 10, 30, 120);
    const pointwise = await scoreWith(BASE, tail);
    const alarmed = await scoreWith({ ...BASE, alarm: { onReadings: 4, offReadings: 6 } }, tail);
    const above = pointwise.map((s) => s.calibrated!.value > s.calibrated!.threshold);
    expect(above.filter(Boolean).length).toBeGreaterThan(10); // the step is seen point-wise
    // The same values decide (the alarm changes isAnomaly only).
    alarmed.forEach((s, i) => expect(s.calibrated!.value).toBeCloseTo(pointwise[i]!.calibrated!.value, 12));
    let on = false;
    let runAbove = 0;
    let runBelow = 0;
    const expected = above.map((a) => {
      runAbove = a ? runAbove + 1 : 0;
      runBelow = a ? 0 : runBelow + 1;
      if (runAbove >= 4) on = true;
      if (runBelow >= 6) on = false;
      return on;
    });
    expect(alarmed.map((s) => s.isAnomaly)).toEqual(expected);
    // It differs from point-wise: late to turn on, late to turn off.
    const firstAbove = above.indexOf(true);
    expect(pointwise[firstAbove]!.isAnomaly).toBe(true);
    expect(alarmed[firstAbove]!.isAnomaly).toBe(false);
    const lastAbove = above.lastIndexOf(true);
    expect(alarmed[lastAbove + 1]!.isAnomaly).toBe(true);
    expect(pointwise[lastAbove + 1]!.isAnomaly).toBe(false);
  });

  it('scoredFeatures: a step on a feature left out does not raise the score, but still shows in the contributions', async () => {
    const tail = STEP_ON('Temperature', 8, 20);
    const all = await scoreWith(BASE, tail);
    const nonThermal = card.features
      .map((f) => f.name)
      .filter((n) => n !== 'Temperature' && n !== 'Thermocouple');
    const without = await scoreWith({ ...BASE, scoredFeatures: nonThermal }, tail);
    const only = await scoreWith({ ...BASE, scoredFeatures: ['Temperature'] }, tail);
    const last = tail.length - 1;
    expect(all[last]!.isAnomaly).toBe(true);
    // The model spreads some of the step to other features, but most of it stays on Temperature.
    expect(without[last]!.calibrated!.value).toBeLessThan(all[last]!.calibrated!.value);
    expect(only[last]!.calibrated!.value).toBeGreaterThan(2 * without[last]!.calibrated!.value);
    const shares = without[last]!.contributions;
    expect(Math.max(...Object.values(shares))).toBe(shares.Temperature);
  });

  it('aggregate max: a one-feature step weighs the full error instead of 1/F of it', async () => {
    const tail = STEP_ON('Volume Flow RateRMS', -20, 50);
    const mean = await scoreWith(BASE, tail);
    const max = await scoreWith({ ...BASE, aggregate: 'max' }, tail);
    const last = tail.length - 1;
    // max ≥ mean always; with one dominant feature well above it (at most F = 8 times).
    const ratio = max[last]!.calibrated!.value / mean[last]!.calibrated!.value;
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThanOrEqual(8 + 1e-9);
  });

  it('recentSteps: the error of the newest rows reacts to a fresh step faster than the window mean', async () => {
    const tail = STEP_ON('Volume Flow RateRMS', -20, 55);
    const full = await scoreWith(BASE, tail);
    const recent = await scoreWith({ ...BASE, recentSteps: 5 }, tail);
    // Two readings into the step: over 5 rows it is 2/5 of the error, over 60 rows 2/60.
    const v = (s: ModelScore) => s.calibrated!.value / s.calibrated!.threshold;
    expect(v(recent[56]!)).toBeGreaterThan(3 * v(full[56]!));
  });

  it('rejects recentSteps longer than the window and scoredFeatures the card does not have', async () => {
    for (const [rule, message] of [
      [{ ...BASE, recentSteps: 61 }, /recentSteps is 61, expected at most the window length \(60\)/],
      [{ ...BASE, scoredFeatures: ['Flow'] }, /scoredFeatures: "Flow" is not one of the card's features/],
      [{ ...BASE, alarm: { onReadings: 0, offReadings: 1 } }, /alarm\/onReadings/],
    ] as const) {
      const copy = copyModel('pump-ae', {
        card: (c) => ((c.scoring as Record<string, unknown>).deviceCalibration = rule),
      });
      try {
        await expect(ModelScorer.load(copy.cardPath)).rejects.toThrow(message);
      } finally {
        copy.cleanup();
      }
    }
  });
});
