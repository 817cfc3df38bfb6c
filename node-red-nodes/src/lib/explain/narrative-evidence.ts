import type { Detection, DetectionEvidence, Explanation } from '../contracts/types';
import { CONNECTIVITY_METRIC } from '../contracts/types';

/** Causes, evidence lines per cause and actions the evidence keeps (the most confident first). */
export const NARRATIVE_MAX_CAUSES = 3;
export const NARRATIVE_MAX_EVIDENCE_LINES = 4;
export const NARRATIVE_MAX_ACTIONS = 3;

/**
 * What a language model may read about one explained detection, and nothing else: the lines of
 * text it is given (`lines`), and the names the grounding check works with (`deviceIds`,
 * `readingMetrics`, `units`). Every number, device, metric and cause the narrative may use is in `lines`.
 */
export interface NarrativeEvidence {
  /** The prompt's evidence, one fact per line. */
  lines: string[];
  /** The explained device first, then its related devices. */
  deviceIds: string[];
  /**
   * The reading's metric names (the connectivity metric excluded): names the grounding check
   * looks for, which the narrative may use only where `lines` use them too.
   */
  readingMetrics: string[];
  /** Unit symbols of those metrics (non-empty ones). */
  units: string[];
}

/**
 * The evidence of an explained detection, as the lines a model reads: device, anomaly type,
 * metric, the template title and summary, the insight, the probable causes with their
 * confidence in percent and their evidence lines, the recommended actions, the related devices
 * and how many devices are involved. No tenant, no site topology beyond what the template text
 * already says, no raw reading history.
 *
 * @param d - a detection with an explanation.
 * @returns the evidence, or undefined when the detection has no explanation.
 */
export function narrativeEvidence(d: Detection): NarrativeEvidence | undefined {
  const x: Explanation | undefined = d.explanation;
  if (!x) return undefined;
  const causes = [...x.causes].sort((a, b) => b.confidence - a.confidence).slice(0, NARRATIVE_MAX_CAUSES);
  const related = x.related.map((r) => r.deviceId).filter((id) => id !== d.reading.deviceId);
  const lines = [
    `Device: ${d.reading.deviceId}`,
    `Anomaly type: ${x.type.replace(/_/g, ' ')}`,
    ...(x.metric ? [`Metric: ${x.metric}`] : []),
    `Title: ${x.title}`,
    `Summary: ${x.summary}`,
    ...(x.insight ? [`Insight: ${x.insight}`] : []),
  ];
  // No ordinal in the line ("cause 1"): a number the evidence itself adds would ground invented ones.
  for (const c of causes) {
    lines.push(`Probable cause: ${c.cause} (confidence ${Math.round(c.confidence * 100)}%)`);
    for (const e of c.evidence.slice(0, NARRATIVE_MAX_EVIDENCE_LINES)) lines.push(`  Evidence: ${e}`);
  }
  for (const a of x.actions.slice(0, NARRATIVE_MAX_ACTIONS)) lines.push(`Recommended action: ${a.action}`);
  if (related.length > 0) lines.push(`Related devices: ${related.join(', ')}`);
  lines.push(`Devices involved: ${1 + related.length}`);

  const ev = d.score.evidence as Partial<DetectionEvidence> | undefined;
  const metrics = new Set<string>();
  if (x.metric && x.metric !== CONNECTIVITY_METRIC) metrics.add(x.metric);
  for (const m of Object.keys(d.reading.metrics)) if (m !== CONNECTIVITY_METRIC) metrics.add(m);
  const units = new Set<string>();
  for (const m of Object.values(ev?.metrics ?? {})) if (m?.unit) units.add(m.unit);
  return {
    lines,
    deviceIds: [d.reading.deviceId, ...related],
    readingMetrics: [...metrics],
    units: [...units],
  };
}
