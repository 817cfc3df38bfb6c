import type { DeviceSpec } from '../contracts/fleet';
import type { DetectionEvidence, MetricEvidence, Reading } from '../contracts/types';
import type { Classification } from './classify-anomaly';
import { formatTogether, withUnit } from './format';
import type { MetricMovement } from './metric-movement';
import type { Playbook } from './playbook';
import type { RelatedDevice } from './related-anomaly-memory';

/** One metric of the reading as the explanation talks about it. */
export interface MetricView {
  ev: MetricEvidence;
  /** Human label from the fleet (or the metric name, capitalised). */
  label: string;
  /** Unit symbol from the fleet (or the evidence), `''` when unknown. */
  unit: string;
  movement: MetricMovement;
}

/** Everything the summary, cause and action steps read about one anomalous detection. */
export interface ExplainContext {
  reading: Reading;
  evidence: DetectionEvidence;
  device: DeviceSpec;
  metrics: Record<string, MetricView>;
  primary: MetricView;
  /** Names of the metrics the detector found anomalous (always includes the primary). */
  anomalous: string[];
  classification: Classification;
  related: RelatedDevice[];
  playbook: Playbook;
  /** The correlation window used to find related devices, ms. */
  correlationWindowMs: number;
  /** Metrics that went anomalous earlier in the device's ongoing episode (see `DeviceEpisodes`). */
  episodeMetrics?: string[];
}

/** `Supply voltage` from `supply_voltage` when the fleet has no label. */
export function defaultLabel(metric: string): string {
  const words = metric.replace(/[_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "zone B" for zone `B`; a zone already named like `zone-b` is kept as is. */
export function placeName(kind: 'zone' | 'line', name: string): string {
  return new RegExp(`^${kind}`, 'i').test(name) ? name : `${kind} ${name}`;
}

/**
 * "Current fell to 1.21 A (expected 1.62 A)", "Pressure stayed at 0.25 bar (expected 0.25 bar)":
 * the evidence sentence of one metric's movement.
 */
export function movementSentence(view: MetricView): string {
  const { ev, label, unit, movement } = view;
  const [value, expected] = formatTogether([ev.value, ev.expected.value], ev.value - ev.expected.value);
  const verb =
    movement.direction === 'up' ? 'rose to' : movement.direction === 'down' ? 'fell to' : 'stayed at';
  return `${label} ${verb} ${withUnit(value, unit)} (expected ${withUnit(expected, unit)})`;
}
