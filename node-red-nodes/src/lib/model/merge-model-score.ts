import type { AnomalyScore, DetectionEvidence } from '../contracts/types';
import type { ModelScore } from './model-scorer';

function isDetectionEvidence(e: unknown): e is DetectionEvidence {
  return typeof e === 'object' && e !== null && 'metrics' in e && 'combined' in e;
}

/**
 * Merges a model's score into the streaming detectors' {@link AnomalyScore} for the same reading,
 * so `lucid-explain` reads one shape whichever detector fired.
 *
 * - Not `scored` (warming up / skipped): the base is returned with `evidence.model` added
 *   (score 0, imputed/missing features listed), nothing else changes: the streaming detectors
 *   are the fallback.
 * - `score` = max(base, model); `isAnomaly` = base OR model.
 * - `contributions` = score-weighted blend (s_b·c_b + s_m·c_m) / (s_b + s_m), renormalised to
 *   sum 1 (all zeros stay zeros); metrics only the model knows are added.
 * - `detector` gains `+model:<name>` when the model's score is the higher one.
 * - Each metric's `MetricEvidence` (when present) gets `detectorScores.model` =
 *   model score × min(1, contribution × F) (a feature with an average share carries the full
 *   model score); when that exceeds the metric's score, `score` and `kind: 'model'` follow it.
 *   `evidence.combined.anomalousMetrics` gains the metrics whose model score crossed 0.5.
 * Pure: returns a new object, the inputs are not modified (it copies the parts the merge changes,
 * then applies {@link mergeModelScoreInPlace}; the result is the same).
 */
export function mergeModelScore(base: AnomalyScore, model: ModelScore): AnomalyScore {
  const scored = model.status === 'scored';
  const ev = base.evidence;
  let evidence: unknown;
  if (isDetectionEvidence(ev)) {
    const metrics = { ...ev.metrics };
    if (scored) {
      for (const name of Object.keys(model.contributions)) {
        const m = metrics[name];
        if (m) metrics[name] = { ...m, detectorScores: { ...m.detectorScores } };
      }
    }
    evidence = {
      ...ev,
      metrics,
      combined: {
        ...ev.combined,
        // The merge treats the list as a set: a duplicate in the input appears once.
        ...(scored ? { anomalousMetrics: [...new Set(ev.combined.anomalousMetrics)] } : {}),
      },
    };
  } else evidence = { ...(typeof ev === 'object' && ev !== null ? ev : {}) };
  return mergeModelScoreInPlace({ ...base, contributions: { ...base.contributions }, evidence }, model);
}

/**
 * {@link mergeModelScore} without the copies: writes the merge into `base` (its `contributions`,
 * `evidence`, the `MetricEvidence` of the model's features and their `detectorScores`,
 * `evidence.combined.anomalousMetrics`) and returns `base`. For a caller that owns `base` and
 * nothing else references it, e.g. `lucid-detect` with the scores the streaming detector just
 * built; the result serialises exactly as {@link mergeModelScore}'s (same values, same key
 * order) when `anomalousMetrics` holds no duplicates.
 * @returns `base`, merged
 */
export function mergeModelScoreInPlace(base: AnomalyScore, model: ModelScore): AnomalyScore {
  const ev = base.evidence;
  if (typeof ev === 'object' && ev !== null) (ev as { model?: unknown }).model = model.evidence;
  else base.evidence = { model: model.evidence };
  if (model.status !== 'scored') return base;

  const sb = base.score;
  const sm = model.score;
  const both = sb + sm;
  const bc = base.contributions;
  const mc = model.contributions;
  // Blend in key order (the base's metrics, then the model's other features), then renormalise.
  let sum = 0;
  for (const name in bc) {
    const v = both > 0 ? (sb * (bc[name] ?? 0) + sm * (mc[name] ?? 0)) / both : 0;
    bc[name] = v;
    sum += v;
  }
  let f = 0;
  for (const name in mc) {
    f++;
    if (name in bc) continue;
    const v = both > 0 ? (sb * 0 + sm * (mc[name] ?? 0)) / both : 0;
    bc[name] = v;
    sum += v;
  }
  if (sum > 0) for (const name in bc) bc[name] = bc[name]! / sum;

  if (isDetectionEvidence(ev)) {
    const anomalous = ev.combined.anomalousMetrics;
    for (const name in mc) {
      const m = ev.metrics[name];
      if (!m) continue;
      const metricModelScore = sm * Math.min(1, mc[name]! * f);
      m.detectorScores.model = metricModelScore;
      if (metricModelScore > m.score) {
        m.score = metricModelScore;
        m.kind = 'model';
      }
      if (metricModelScore > 0.5 && !anomalous.includes(name)) anomalous.push(name);
    }
  }

  base.score = Math.max(sb, sm);
  base.isAnomaly = base.isAnomaly || model.isAnomaly;
  if (sm > sb) base.detector = `${base.detector}+model:${model.evidence.name}`;
  return base;
}
