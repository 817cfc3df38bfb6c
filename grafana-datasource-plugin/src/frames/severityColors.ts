import { MappingType, type ValueMapping } from '@grafana/data';
import type { Severity } from 'node-red-contrib-lucid';

/**
 * Colour of each severity (Grafana's classic palette: red, orange, yellow, blue, grey), used for
 * annotation colours and the value mappings of severity columns.
 */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  critical: '#F2495C',
  high: '#FF9830',
  medium: '#FADE2A',
  low: '#5794F2',
  info: '#8E8E8E',
};

/** Value mappings that colour a severity column and keep its text. */
export const SEVERITY_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      (Object.keys(SEVERITY_COLORS) as Severity[]).map((s, index) => [s, { text: s, color: SEVERITY_COLORS[s], index }])
    ),
  },
];

/** The colour of a severity, grey for an unknown one. */
export function severityColor(severity: string): string {
  return SEVERITY_COLORS[severity as Severity] ?? SEVERITY_COLORS.info;
}
