import { ConfigError } from '../../../src/lib/contracts/errors';
import { unitConverter } from '../../../src/lib/ingest/unit-converter';

describe('unitConverter', () => {
  // Reference values: NIST SP 811 (2008) Appendix B, and the definitions of °F and K.
  test.each<[string, string, number, number]>([
    ['°F', '°C', 212, 100],
    ['°F', '°C', 32, 0],
    ['°F', '°C', -40, -40],
    ['°F', '°C', 98.6, 37],
    ['°C', '°F', 100, 212],
    ['K', '°C', 273.15, 0],
    ['K', '°C', 0, -273.15],
    ['°F', 'K', 32, 273.15],
    ['degF', 'C', 50, 10],
    ['mV', 'V', 3300, 3.3],
    ['V', 'mV', 3.7, 3700],
    ['mA', 'A', 20, 0.02],
    ['kPa', 'hPa', 101.325, 1013.25],
    ['psi', 'kPa', 14.6959488, 101.325],
    ['bar', 'Pa', 1, 100000],
    ['in/s', 'mm/s', 1, 25.4],
    ['m/s', 'mm/s', 0.0045, 4.5],
    ['g', 'm/s²', 1, 9.80665],
    ['fraction', '%', 0.42, 42],
    ['%RH', '%', 55, 55],
    ['rpm', 'Hz', 3000, 50],
    ['min', 's', 2, 120],
    ['°C', '°C', 21.5, 21.5],
    ['unknown', 'unknown', 7, 7],
  ])('%s → %s: %p → %p', (from, to, value, expected) => {
    expect(unitConverter(from, to)(value)).toBeCloseTo(expected, 6);
  });

  test.each<[string, string, RegExp]>([
    ['°F', 'V', /temperature.*voltage/],
    ['dBm', 'mW', /"dBm" cannot be converted/],
    ['°C', 'furlong', /"furlong" cannot be converted/],
  ])('%s → %s throws ConfigError', (from, to, message) => {
    expect(() => unitConverter(from, to)).toThrow(ConfigError);
    expect(() => unitConverter(from, to)).toThrow(message);
  });
});
