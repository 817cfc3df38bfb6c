import type { AnomalyScore, DetectionEvidence, MetricEvidence } from '../contracts/types';
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
 * Pure: returns a new object, the inputs are not modified.
 */
export function mergeModelScore(base: AnomalyScore, model: ModelScore): AnomalyScore {
  const evidence: DetectionEvidence | unknown = isDetectionEvidence(base.evidence)
    ? {
        ...base.evidence,
        metrics: { ...base.evidence.metrics },
        combined: { ...base.evidence.combined },
        model: model.evidence,
      }
    : {
        ...(typeof base.evidence === 'object' && base.evidence !== null ? base.evidence : {}),
        model: model.evidence,
      };
  if (model.status !== 'scored') return { ...base, evidence };

  const sb = base.score;
  const sm = model.score;
  const names = new Set([...Object.keys(base.contributions), ...Object.keys(model.contributions)]);
  const contributions: Record<string, number> = {};
  let sum = 0;
  for (const name of names) {
    const v =
      sb + sm > 0
        ? (sb * (base.contributions[name] ?? 0) + sm * (model.contributions[name] ?? 0)) / (sb + sm)
        : 0;
    contributions[name] = v;
    sum += v;
  }
  if (sum > 0) for (const name of names) contributions[name] = contributions[name]! / sum;

  if (isDetectionEvidence(evidence)) {
    const f = Object.keys(model.contributions).length;
    const anomalous = new Set(evidence.combined.anomalousMetrics);
    for (const [name, share] of Object.entries(model.contributions)) {
      const m = evidence.metrics[name];
      if (!m) continue;
      const metricModelScore = sm * Math.min(1, share * f);
      const updated: MetricEvidence = {
        ...m,
        detectorScores: { ...m.detectorScores, model: metricModelScore },
      };
      if (metricModelScore > m.score) {
        updated.score = metricModelScore;
        updated.kind = 'model';
      }
      evidence.metrics[name] = updated;
      if (metricModelScore > 0.5) anomalous.add(name);
    }
    evidence.combined.anomalousMetrics = [...anomalous];
  }

  return {
    ...base,
    score: Math.max(sb, sm),
    isAnomaly: base.isAnomaly || model.isAnomaly,
    detector: sm > sb ? `${base.detector}+model:${model.evidence.name}` : base.detector,
    contributions,
    evidence,
  };
}
