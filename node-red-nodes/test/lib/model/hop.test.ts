import { ConfigError } from '../../../src/lib/contracts/errors';
import { DeviceWindows, type WindowResult } from '../../../src/lib/model/device-windows';
import { loadModelCard, type DeviceCalibration } from '../../../src/lib/model/model-card';
import { ModelScorer, type ModelScore } from '../../../src/lib/model/model-scorer';
import { cardPathOf, copyModel, pumpReadings } from './model-fixtures';

// hopReadings: the model runs on every h-th reading of a device; the readings between carry the
// last scored window. Each property is checked against the same readings scored with hop 1.

const pumpCard = loadModelCard(cardPathOf('pump-ae'));

const BASELINE = pumpReadings(400, 11);
/** 120 readings after the baseline with a drop in flow on readings 10..39. */
const TAIL = pumpReadings(120, 12, {
  fromS: 400,
  edit: (m, i) => {
    if (i >= 10 && i < 40) m['Volume Flow RateRMS']! -= 20;
  },
});

/** The reading that completes the baseline (the device's first window), then the tail. */
const STREAM = [BASELINE[BASELINE.length - 1]!, ...TAIL];

/**
 * Scores BASELINE then TAIL with pump-ae, the given calibration rule and hop; the scores of
 * STREAM, so with a hop h the windows are at indices 0, h, 2h…
 */
async function scoreTail(rule: DeviceCalibration, hopReadings: number): Promise<ModelScore[]> {
  const copy = copyModel('pump-ae', {
    card: (c) => ((c.scoring as Record<string, unknown>).deviceCalibration = rule),
  });
  const scorer = await ModelScorer.load(copy.cardPath, { hopReadings });
  try {
    const baseline = await scorer.scoreBatch(BASELINE);
    return [baseline[baseline.length - 1]!, ...(await scorer.scoreBatch(TAIL))];
  } finally {
    await scorer.close();
    copy.cleanup();
  }
}

/** No smoothing, no alarm: each window's calibrated value is its own. */
const RAW: DeviceCalibration = {
  quantile: 1,
  factor: 1.5,
  ewmaHalfLifeReadings: 0,
  featureNormalised: true,
  recentSteps: 5,
};

describe('hopReadings', () => {
  it('DeviceWindows: a window on the first ready reading and every hop after; the same windows as hop 1', () => {
    const every = new DeviceWindows(pumpCard);
    const hopped = new DeviceWindows(pumpCard, { hopReadings: 3 });
    const readings = [...BASELINE, ...TAIL.slice(0, 10)];
    const a = readings.map((r) => every.push(r));
    const b = readings.map((r) => hopped.push(r));
    // Identical while warming up (the baseline), including the reading that completes it.
    expect(b.slice(0, 399).map((x) => x.status)).toEqual(a.slice(0, 399).map((x) => x.status));
    const tail = b.slice(399);
    expect(tail.map((x) => x.status)).toEqual([
      'ready',
      'between',
      'between',
      'ready',
      'between',
      'between',
      'ready',
      'between',
      'between',
      'ready',
      'between',
    ]);
    expect(
      tail.map((x) =>
        x.status === 'ready' ? x.advancedReadings : x.status === 'between' ? -x.readingsSinceWindow : NaN,
      ),
    ).toEqual([0, -1, -2, 3, -1, -2, 3, -1, -2, 3, -1]);
    tail.forEach((x, i) => {
      if (x.status !== 'ready') return;
      const same = a[399 + i] as Extract<WindowResult, { status: 'ready' }>;
      expect(Array.from(x.window)).toEqual(Array.from(same.window));
    });
    for (const bad of [0, 1.5, -1])
      expect(() => new DeviceWindows(pumpCard, { hopReadings: bad })).toThrow(ConfigError);
  });

  it('ModelScorer: hop points score as hop 1 does; the readings between carry that window, marked', async () => {
    const every = await scoreTail(RAW, 1);
    const hopped = await scoreTail(RAW, 5);
    expect(hopped).toHaveLength(STREAM.length);
    const thresholdEvery = every[0]!.calibrated!.threshold;
    const thresholdHopped = hopped[0]!.calibrated!.threshold;
    // Calibrated on every 5th baseline window (the ones scoring will see): a max over fewer windows.
    expect(thresholdHopped).toBeLessThanOrEqual(thresholdEvery);
    expect(thresholdHopped).toBeGreaterThan(thresholdEvery / 10);
    hopped.forEach((s, i) => {
      expect(s.status).toBe('scored');
      expect(s.tsMs).toBe(STREAM[i]!.tsMs);
      const hopPoint = i - (i % 5);
      if (i === hopPoint) {
        expect(s.windowEndTsMs).toBeUndefined();
        expect(s.evidence.windowEndTsMs).toBeUndefined();
        // The same window and the same feature scale (every baseline window): the same value.
        expect(s.calibrated!.value).toBeCloseTo(every[i]!.calibrated!.value, 9);
        expect(s.reconstructionError).toBeCloseTo(every[i]!.reconstructionError, 9);
        expect(s.isAnomaly).toBe(s.calibrated!.value > thresholdHopped);
      } else {
        const at = hopped[hopPoint]!;
        expect(s.windowEndTsMs).toBe(STREAM[hopPoint]!.tsMs);
        expect(s.evidence.windowEndTsMs).toBe(STREAM[hopPoint]!.tsMs);
        expect([s.score, s.isAnomaly, s.contributions, s.calibrated]).toEqual([
          at.score,
          at.isAnomaly,
          at.contributions,
          at.calibrated,
        ]);
      }
    });
    // The drop is seen with the hop too, no later than the next hop point after hop 1 sees it.
    const firstEvery = every.findIndex((s) => s.isAnomaly);
    const firstHopped = hopped.findIndex((s) => s.isAnomaly);
    expect(firstEvery).toBeGreaterThanOrEqual(10);
    expect(firstHopped).toBeGreaterThanOrEqual(firstEvery);
    expect(firstHopped).toBeLessThan(firstEvery + 5 + 5);
  });

  it('ModelScorer: the EWMA and the alarm count readings, not windows (a window stands for the hop)', async () => {
    const rule: DeviceCalibration = {
      ...RAW,
      ewmaHalfLifeReadings: 5,
      alarm: { onReadings: 10, offReadings: 30 },
    };
    const raw = await scoreTail(RAW, 5);
    const smoothed = await scoreTail(rule, 5);
    const alpha = 1 - Math.pow(2, -5 / 5);
    const threshold = smoothed[0]!.calibrated!.threshold;
    let on = false;
    let runAbove = 0;
    let runBelow = 0;
    let checked = 0;
    for (let i = 0; i < STREAM.length; i += 5) {
      const e = smoothed[i]!.calibrated!.value;
      if (i > 0) {
        const prev = smoothed[i - 5]!.calibrated!.value;
        // One EWMA step per window, with the weight of 5 readings.
        expect(e - prev).toBeCloseTo(alpha * (raw[i]!.calibrated!.value - prev), 9);
        checked++;
      }
      if (e > threshold) {
        runAbove += i === 0 ? 1 : 5;
        runBelow = 0;
      } else {
        runBelow += i === 0 ? 1 : 5;
        runAbove = 0;
      }
      if (runAbove >= 10) on = true;
      if (runBelow >= 30) on = false;
      expect(smoothed[i]!.isAnomaly).toBe(on);
    }
    expect(checked).toBe(Math.ceil(STREAM.length / 5) - 1);
    // The alarm went on during the drop and off again after it.
    const alarms = smoothed.map((s) => s.isAnomaly);
    expect(alarms.slice(10, 45).some(Boolean)).toBe(true);
    expect(alarms.slice(100).some(Boolean)).toBe(false);
  });

  it('refuses a hop longer than the rows the error covers', async () => {
    const copy = copyModel('pump-ae', {
      card: (c) => ((c.scoring as Record<string, unknown>).deviceCalibration = RAW),
    });
    try {
      await expect(ModelScorer.load(copy.cardPath, { hopReadings: 6 })).rejects.toThrow(
        /hopReadings: 6 is more than the 5 newest rows/,
      );
    } finally {
      copy.cleanup();
    }
  });
});
