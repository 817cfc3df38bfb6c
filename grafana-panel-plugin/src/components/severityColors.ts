import { colorManipulator, type GrafanaTheme2 } from '@grafana/data';
import type { Severity } from 'node-red-contrib-lucid';

/** WCAG 2.1 AA contrast for normal text. */
export const MIN_TEXT_CONTRAST = 4.5;

/** Background of each severity, from the theme's palette. */
function severityBackground(theme: GrafanaTheme2, severity: Severity | string): string {
  switch (severity) {
    case 'critical':
      return theme.colors.error.main;
    case 'high':
      return theme.visualization.getColorByName('orange');
    case 'medium':
      return theme.colors.warning.main;
    case 'low':
      return theme.colors.info.main;
    default:
      return theme.colors.secondary.main;
  }
}

/**
 * Colours of a severity pill: the theme's severity colour as background and, of the theme's
 * strongest text colour and its canvas colour, the one with the higher contrast (WCAG 2.1
 * relative luminance), so the label stays readable (≥ 4.5:1 for every severity in both themes).
 */
export function severityColors(
  theme: GrafanaTheme2,
  severity: Severity | string
): { background: string; text: string; contrast: number } {
  const background = severityBackground(theme, severity);
  const candidates = [
    theme.colors.text.maxContrast,
    theme.colors.background.canvas,
    theme.colors.getContrastText(background),
  ];
  let best = candidates[0];
  let bestRatio = 0;
  for (const c of candidates) {
    const ratio = colorManipulator.getContrastRatio(c, background);
    if (ratio > bestRatio) {
      best = c;
      bestRatio = ratio;
    }
  }
  return { background, text: best, contrast: bestRatio };
}
