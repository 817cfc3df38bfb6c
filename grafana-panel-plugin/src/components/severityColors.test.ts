import { createTheme } from '@grafana/data';
import { MIN_TEXT_CONTRAST, severityColors } from './severityColors';

describe('severityColors', () => {
  const severities = ['critical', 'high', 'medium', 'low', 'info', 'unknown'];
  it.each((['light', 'dark'] as const).flatMap((mode) => severities.map((s) => [mode, s] as const)))(
    '%s theme, %s: text contrast ≥ 4.5:1',
    (mode, severity) => {
      const { contrast } = severityColors(createTheme({ colors: { mode } }), severity);
      expect(contrast).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    }
  );

  it('gives each severity its own colour', () => {
    const theme = createTheme({ colors: { mode: 'dark' } });
    const backgrounds = ['critical', 'high', 'medium', 'low', 'info'].map((s) => severityColors(theme, s).background);
    expect(new Set(backgrounds).size).toBe(5);
  });
});
