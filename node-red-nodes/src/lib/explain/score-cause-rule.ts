import type { CauseRule, CauseSignatureTerm, MetricExpectation } from './playbook';
import { movementSentence, type MetricView } from './explain-context';

/** A term of a rule must match at least this well to count as a matched movement. */
export const TERM_MATCH_MIN = 0.3;

/** The matched non-`steady` terms must carry at least this share of the rule's (present) non-`steady` weight. */
export const MOVING_COVERAGE_MIN = 0.5;

/** The result of scoring one cause rule. */
export interface CauseRuleScore {
  /** 0..1 before the rule's prior weight. */
  match: number;
  /** Evidence sentences of the terms that matched, strongest first, then the rule's `because`. */
  evidence: string[];
}

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

/**
 * How well a movement (signed strength, -1..1) matches an expectation, -1..1:
 * `up` → s, `down` → -s, `change` → |s|, `steady` → 1 - 2|s| (a metric inside its band, |s| < 0.5,
 * counts as steady; a strongly moving one contradicts).
 */
export function expectationMatch(expect: MetricExpectation, signed: number): number {
  switch (expect) {
    case 'up':
      return signed;
    case 'down':
      return -signed;
    case 'change':
      return Math.abs(signed);
    case 'steady':
      return Math.max(-1, 1 - 2 * Math.abs(signed));
  }
}

/**
 * Scores a cause rule against the movements of a device's metrics:
 * `match = max(0, Σ wᵢ·mᵢ / Σ wᵢ) · coverage`, over the terms whose metrics the device has, where
 * mᵢ is {@link expectationMatch} combined over the term's metrics (`max`: the best one, for
 * "one or both accelerometers"; `mean`; `min`: the worst one, for "all steady") and coverage = Σ w of present terms / Σ w of all terms
 * (a rule the device cannot fully observe is less certain).
 *
 * A rule is only a candidate when it explains the anomaly: some non-`steady` term over an
 * anomalous metric must match at least {@link TERM_MATCH_MIN}, and the matched non-`steady` terms
 * must carry at least {@link MOVING_COVERAGE_MIN} of the non-`steady` weight (its leading
 * symptoms are there); otherwise the match is 0.
 * Method: a weighted signature (template) match of fault symptoms, as in qualitative
 * fault-signature tables used in pump diagnostics (e.g. Hydraulic Institute troubleshooting
 * charts), evaluated on the detector's per-metric direction and strength.
 */
export function scoreCauseRule(
  rule: CauseRule,
  metrics: Record<string, MetricView>,
  anomalous: ReadonlySet<string>,
): CauseRuleScore {
  let weighted = 0;
  let presentWeight = 0;
  let totalWeight = 0;
  let explainsAnomaly = false;
  let movingWeight = 0;
  let movingMatchedWeight = 0;
  const matched: { m: number; sentence: string }[] = [];
  for (const term of rule.signature) {
    const w = term.weight ?? 1;
    totalWeight += w;
    const views = resolveTermMetrics(term, metrics);
    if (views.length === 0) continue;
    presentWeight += w;
    if (term.expect !== 'steady') movingWeight += w;
    const scored = views.map((v) => ({ v, m: expectationMatch(term.expect, v.movement.signed) }));
    let m: number;
    if (term.combine === 'mean') m = scored.reduce((s, x) => s + x.m, 0) / scored.length;
    else if (term.combine === 'min') m = Math.min(...scored.map((x) => x.m));
    else m = Math.max(...scored.map((x) => x.m));
    weighted += w * m;
    if (m >= TERM_MATCH_MIN) {
      const best = scored.filter((x) => x.m >= TERM_MATCH_MIN);
      for (const x of best) matched.push({ m: x.m * w, sentence: movementSentence(x.v) });
      if (term.expect !== 'steady') movingMatchedWeight += w;
      if (term.expect !== 'steady' && best.some((x) => anomalous.has(x.v.ev.metric))) explainsAnomaly = true;
    }
  }
  if (!explainsAnomaly || presentWeight === 0 || movingMatchedWeight < MOVING_COVERAGE_MIN * movingWeight)
    return { match: 0, evidence: [] };
  const match = Math.max(0, weighted / presentWeight) * (presentWeight / totalWeight);
  const evidence = matched
    .sort((a, b) => b.m - a.m)
    .map((x) => `${x.sentence}.`)
    .filter((s, i, all) => all.indexOf(s) === i);
  if (rule.because) evidence.push(rule.because);
  return { match: Math.min(1, match), evidence };
}
