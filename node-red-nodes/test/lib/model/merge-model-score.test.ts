import type { AnomalyScore, DetectionEvidence, MetricEvidence } from '../../../src/lib/contracts/types';
import { mergeModelScore, mergeModelScoreInPlace } from '../../../src/lib/model/merge-model-score';
import type { ModelScore } from '../../../src/lib/model/model-scorer';

const metric = (name: string, score: number): MetricEvidence => ({
  metric: name,
  unit: '',
  value: 1,
  score,
  kind: score > 0.5 ? 'level' : null,
  detectorScores: { level: score },
  direction: 'none',
  baseline: { median: 1, mad: 0.1, count: 100 },
  expected: { value: 1, lower: 0.8, upper: 1.2 },
});

const base = (score: number, contributions: Record<string, number>): AnomalyScore => ({
  deviceId: 'd',
  tsMs: 5,
  score,
  isAnomaly: score > 0.5,
  detector: 'streaming',
  contributions,
  evidence: {
    metrics: { a: metric('a', contributions.a ? score : 0), b: metric('b', 0.1) },
    warmingUp: false,
    combined: { method: 'fisher', anomalousMetrics: score > 0.5 ? ['a'] : [] },
  } satisfies DetectionEvidence,
});

const model = (
  status: ModelScore['status'],
  score: number,
  contributions: Record<string, number>,
): ModelScore => ({
  deviceId: 'd',
  tsMs: 5,
  status,
  score,
  isAnomaly: score > 0.5,
  reconstructionError: score,
  contributions,
  imputed: [],
  evidence: { name: 'pump-ae', score, reconstructionError: score, imputed: [] },
});

describe('mergeModelScore', () => {
  it('a model that sees what the streaming detectors miss raises score, flag, contributions and metric evidence', () => {
    const merged = mergeModelScore(base(0.1, { a: 1 }), model('scored', 0.9, { a: 0.1, b: 0.9 }));
    expect(merged.score).toBe(0.9);
    expect(merged.isAnomaly).toBe(true);
    expect(merged.detector).toBe('streaming+model:pump-ae');
    expect(merged.contributions.a! + merged.contributions.b!).toBeCloseTo(1, 12);
    expect(merged.contributions.a).toBeCloseTo((0.1 * 1 + 0.9 * 0.1) / 1.0, 12);
    expect(merged.contributions.b).toBeCloseTo(0.81, 12);
    const ev = merged.evidence as DetectionEvidence;
    expect(ev.model).toEqual({ name: 'pump-ae', score: 0.9, reconstructionError: 0.9, imputed: [] });
    expect(ev.metrics.b).toMatchObject({
      score: 0.9,
      kind: 'model',
      detectorScores: { level: 0.1, model: 0.9 },
    });
    expect(ev.metrics.a!.detectorScores.model).toBeCloseTo(0.9 * 0.2, 12);
    expect(ev.combined.anomalousMetrics).toEqual(['b']);
  });

  it('keeps the streaming verdict when it is the stronger one, and does not mutate its inputs', () => {
    const b = base(0.95, { a: 1 });
    const snapshot = JSON.stringify(b);
    const merged = mergeModelScore(b, model('scored', 0.2, { a: 0.5, b: 0.5 }));
    expect(merged.score).toBe(0.95);
    expect(merged.detector).toBe('streaming');
    expect(merged.isAnomaly).toBe(true);
    expect(JSON.stringify(b)).toBe(snapshot);
  });

  it.each(['warming_up', 'skipped'] as const)(
    '%s: only evidence.model is added (streaming fallback)',
    (status) => {
      const b = base(0.3, { a: 1 });
      const merged = mergeModelScore(b, model(status, 0, {}));
      expect({ ...merged, evidence: undefined }).toEqual({ ...b, evidence: undefined });
      expect((merged.evidence as DetectionEvidence).model).toMatchObject({ name: 'pump-ae', score: 0 });
    },
  );

  it('all-zero scores keep all-zero contributions', () => {
    const merged = mergeModelScore(base(0, { a: 0 }), model('scored', 0, { a: 0, b: 0 }));
    expect(merged.contributions).toEqual({ a: 0, b: 0 });
  });

  describe('mergeModelScoreInPlace', () => {
    const cases: [string, () => AnomalyScore, () => ModelScore][] = [
      ['model stronger', () => base(0.1, { a: 1 }), () => model('scored', 0.9, { a: 0.1, b: 0.9 })],
      ['streaming stronger', () => base(0.95, { a: 1 }), () => model('scored', 0.2, { a: 0.5, b: 0.5 })],
      ['model-only feature', () => base(0.4, { a: 0.7, b: 0.3 }), () => model('scored', 0.6, { c: 1 })],
      ['all zero', () => base(0, { a: 0 }), () => model('scored', 0, { a: 0, b: 0 })],
      ['warming up', () => base(0.3, { a: 1 }), () => model('warming_up', 0, {})],
      ['skipped', () => base(0.3, { a: 1 }), () => model('skipped', 0, {})],
    ];

    it.each(cases)('%s: serialises exactly as the pure merge (values and key order)', (_, b, m) => {
      expect(JSON.stringify(mergeModelScoreInPlace(b(), m()))).toBe(
        JSON.stringify(mergeModelScore(b(), m())),
      );
    });

    it('writes into and returns the base, and does not list an anomalous metric twice', () => {
      const b = base(0.9, { a: 1 });
      const merged = mergeModelScoreInPlace(b, model('scored', 0.95, { a: 0.9, b: 0.1 }));
      expect(merged).toBe(b);
      expect(b.detector).toBe('streaming+model:pump-ae');
      expect((b.evidence as DetectionEvidence).combined.anomalousMetrics).toEqual(['a']);
      expect((b.evidence as DetectionEvidence).metrics.a!.detectorScores.model).toBeCloseTo(0.95, 12);
    });
  });
});
