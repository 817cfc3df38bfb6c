import { ConfigError } from '../../../src/lib/contracts';
import {
  DEFAULT_DETECT_CONFIG,
  cutoffForSensitivity,
  resolveDetectConfig,
} from '../../../src/lib/detect/detect-config';

describe('resolveDetectConfig', () => {
  it('fills defaults', () => {
    expect(resolveDetectConfig()).toEqual(DEFAULT_DETECT_CONFIG);
    expect(resolveDetectConfig({ sensitivity: 0.7, windowSize: undefined }).sensitivity).toBe(0.7);
    expect(resolveDetectConfig({}).windowSize).toBe(64);
  });

  it.each([
    { field: 'sensitivity', value: 1.5 },
    { field: 'sensitivity', value: NaN },
    { field: 'warmupReadings', value: 0 },
    { field: 'warmupReadings', value: 2.5 },
    { field: 'windowSize', value: 4 },
    { field: 'windowSize', value: '64' },
    { field: 'rateWindowMs', value: -1 },
    { field: 'stuckMinDurationMs', value: -5 },
    { field: 'stuckMinReadings', value: 1 },
    { field: 'gapFactor', value: 1 },
    { field: 'onsetHalfLifeReadings', value: -1 },
    { field: 'onsetHalfLifeReadings', value: Infinity },
    { field: 'maxSeries', value: 0 },
  ])('rejects $field = $value with a ConfigError naming field and value', ({ field, value }) => {
    const call = () => resolveDetectConfig({ [field]: value } as never);
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(
      new RegExp(`${field} is ${String(JSON.stringify(value)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });

  it('maps sensitivity to a decreasing cut-off', () => {
    expect(cutoffForSensitivity(0)).toBeCloseTo(0.8, 12);
    expect(cutoffForSensitivity(0.5)).toBeCloseTo(0.5, 12);
    expect(cutoffForSensitivity(1)).toBeCloseTo(0.2, 12);
  });
});
