import type { CauseSignatureTerm, MetricExpectation } from './playbook';
import type { MetricView } from './explain-context';

/** The metrics a term names, found exactly first, then case-insensitively; in the term's order. */
export function resolveTermMetrics(
  term: CauseSignatureTerm,
  metrics: Record<string, MetricView>,
): MetricView[] {
  const lower = new Map<string, MetricView>();
  for (const [name, view] of Object.entries(metrics))
    if (!lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), view);
  const found: MetricView[] = [];
  for (const name of term.metrics) {
    const view = metrics[name] ?? lower.get(name.toLowerCase());
    if (view && !found.includes(view)) found.push(view);
  }
  return found;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * How well a movement (signed strength s, -1..1, see `metricMovement`; |s| = 0.5 is a
 * significant deviation) matches what a cause expects of the metric, -1..1:
 * - `up`: 2s − 0.5 (clamped to -1..1): a significant rise +0.5, a strong one +1; no movement
 *   −0.5 (the cause expects a rise that is missing); a fall −1;
 * - `down`: the mirror image; `change`: 2|s| − 0.5 (−0.5..1);
 * - `steady`: 0.5 − 2|s| (−1..0.5): holding still is weaker evidence for the cause than a
 *   movement is against it.
 * Movements below a quarter of the band count as neither for nor against (|m| small).
 */
export function termMatch(expect: MetricExpectation, signed: number): number {
  switch (expect) {
    case 'up':
      return clamp(2 * signed - 0.5, -1, 1);
    case 'down':
      return clamp(-2 * signed - 0.5, -1, 1);
    case 'change':
      return clamp(2 * Math.abs(signed) - 0.5, -0.5, 1);
    case 'steady':
      return clamp(0.5 - 2 * Math.abs(signed), -1, 0.5);
  }
}
