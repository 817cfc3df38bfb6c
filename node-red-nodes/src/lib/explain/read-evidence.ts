import { InputError } from '../contracts/errors';
import type {
  DetectionEvidence,
  Detection,
  DetectorKind,
  ExpectedBand,
  MetricEvidence,
} from '../contracts/types';

const KINDS: readonly DetectorKind[] = ['level', 'rate', 'stuck', 'range', 'gap', 'model'];

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const finite = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x) ? x : undefined;

function band(x: unknown, fallback: number): ExpectedBand {
  if (isObject(x)) {
    const value = finite(x.value);
    const lower = finite(x.lower);
    const upper = finite(x.upper);
    if (value !== undefined) return { value, lower: lower ?? value, upper: upper ?? value };
  }
  return { value: fallback, lower: fallback, upper: fallback };
}

/**
 * Checks the shape of a Detection enough to explain it safely.
 * @throws InputError `bad_detection` naming the field, when `reading.deviceId`, `reading.tsMs`,
 * `reading.metrics` or `score.isAnomaly` is missing or of the wrong type.
 */
export function assertDetection(x: unknown, where = 'payload'): asserts x is Detection {
  if (!isObject(x))
    throw new InputError(
      'bad_detection',
      `${where}: expected a Detection object {reading, score}, got ${Array.isArray(x) ? 'an array' : x === null ? 'null' : typeof x}`,
    );
  const { reading, score } = x;
  if (!isObject(reading))
    throw new InputError(
      'bad_detection',
      `${where}.reading: expected an object, got ${reading === null ? 'null' : typeof reading}`,
    );
  if (typeof reading.deviceId !== 'string' || reading.deviceId === '')
    throw new InputError(
      'bad_detection',
      `${where}.reading.deviceId: expected a non-empty string, got ${JSON.stringify(reading.deviceId)}`,
    );
  if (finite(reading.tsMs) === undefined)
    throw new InputError(
      'bad_detection',
      `${where}.reading.tsMs: expected a finite epoch-ms number, got ${JSON.stringify(reading.tsMs)}`,
    );
  if (!isObject(reading.metrics))
    throw new InputError('bad_detection', `${where}.reading.metrics: expected an object of metric values`);
  if (!isObject(score))
    throw new InputError(
      'bad_detection',
      `${where}.score: expected an AnomalyScore object, got ${score === null ? 'null' : typeof score}`,
    );
  if (typeof score.isAnomaly !== 'boolean')
    throw new InputError(
      'bad_detection',
      `${where}.score.isAnomaly: expected a boolean, got ${JSON.stringify(score.isAnomaly)}`,
    );
}

/**
 * The detection's evidence as a complete {@link DetectionEvidence}. Evidence written to the
 * contract is copied field by field with defaults for what is missing; evidence of another form
 * (`score.evidence` is `unknown` in the contract) is rebuilt from `reading.metrics`,
 * `score.expected` and `score.contributions`, so a detection from any detector can be explained
 * (with less detail).
 */
export function readEvidence(detection: Detection): DetectionEvidence {
  const raw = isObject(detection.score.evidence) ? detection.score.evidence : {};
  const rawMetrics = isObject(raw.metrics) ? raw.metrics : {};
  const expected = isObject(detection.score.expected) ? detection.score.expected : {};
  const contributions = isObject(detection.score.contributions) ? detection.score.contributions : {};
  const names = new Set<string>([...Object.keys(rawMetrics), ...Object.keys(detection.reading.metrics)]);
  const metrics: Record<string, MetricEvidence> = {};
  for (const name of [...names].sort()) {
    const m = isObject(rawMetrics[name]) ? (rawMetrics[name] as Record<string, unknown>) : {};
    const value = finite(m.value) ?? finite(detection.reading.metrics[name]);
    if (value === undefined) continue;
    const exp = band(m.expected ?? expected[name], value);
    const contribution = finite(contributions[name]) ?? 0;
    const direction =
      m.direction === 'up' || m.direction === 'down' || m.direction === 'none'
        ? m.direction
        : value > exp.upper
          ? 'up'
          : value < exp.lower
            ? 'down'
            : 'none';
    const baseline = isObject(m.baseline) ? m.baseline : {};
    const ev: MetricEvidence = {
      metric: name,
      unit: typeof m.unit === 'string' ? m.unit : '',
      value,
      score: Math.min(1, Math.max(0, finite(m.score) ?? (detection.score.isAnomaly ? contribution : 0))),
      kind: KINDS.includes(m.kind as DetectorKind) ? (m.kind as DetectorKind) : null,
      detectorScores: isObject(m.detectorScores)
        ? (m.detectorScores as MetricEvidence['detectorScores'])
        : {},
      direction,
      baseline: {
        median: finite(baseline.median) ?? exp.value,
        mad: Math.abs(finite(baseline.mad) ?? 0),
        count: finite(baseline.count) ?? 0,
      },
      expected: exp,
    };
    if (isObject(m.change)) {
      const c = m.change;
      const fromValue = finite(c.fromValue);
      const toValue = finite(c.toValue) ?? value;
      const durationMs = finite(c.durationMs);
      if (fromValue !== undefined && durationMs !== undefined && durationMs > 0) {
        ev.change = {
          fromValue,
          toValue,
          fromTsMs: finite(c.fromTsMs) ?? detection.reading.tsMs - durationMs,
          durationMs,
          ratePerMin: finite(c.ratePerMin) ?? ((toValue - fromValue) / durationMs) * 60_000,
          usualRatePerMin: Math.abs(finite(c.usualRatePerMin) ?? 0),
        };
      }
    }
    if (isObject(m.stuck) && finite(m.stuck.durationMs) !== undefined) {
      const durationMs = finite(m.stuck.durationMs) as number;
      ev.stuck = {
        durationMs,
        sinceTsMs: finite(m.stuck.sinceTsMs) ?? detection.reading.tsMs - durationMs,
        value: finite(m.stuck.value) ?? value,
      };
    }
    if (isObject(m.range)) ev.range = { min: finite(m.range.min), max: finite(m.range.max) };
    const since = finite(m.anomalousSinceTsMs);
    if (since !== undefined) ev.anomalousSinceTsMs = since;
    metrics[name] = ev;
  }
  const combined = isObject(raw.combined) ? raw.combined : {};
  const anomalousMetrics = Array.isArray(combined.anomalousMetrics)
    ? combined.anomalousMetrics.filter((x): x is string => typeof x === 'string' && x in metrics)
    : Object.values(metrics)
        .filter((m) => m.score >= 0.5)
        .map((m) => m.metric);
  const evidence: DetectionEvidence = {
    metrics,
    warmingUp: raw.warmingUp === true,
    combined: { method: typeof combined.method === 'string' ? combined.method : 'unknown', anomalousMetrics },
  };
  if (isObject(raw.gap) && finite(raw.gap.silentForMs) !== undefined) {
    evidence.gap = {
      silentForMs: finite(raw.gap.silentForMs) as number,
      expectedIntervalMs: finite(raw.gap.expectedIntervalMs) ?? 0,
      lastSeenTsMs:
        finite(raw.gap.lastSeenTsMs) ?? detection.reading.tsMs - (finite(raw.gap.silentForMs) as number),
    };
  }
  if (isObject(raw.model) && typeof raw.model.name === 'string') {
    evidence.model = {
      name: raw.model.name,
      score: finite(raw.model.score) ?? 0,
      reconstructionError: finite(raw.model.reconstructionError) ?? 0,
      imputed: Array.isArray(raw.model.imputed)
        ? raw.model.imputed.filter((x): x is string => typeof x === 'string')
        : [],
    };
    const windowEndTsMs = finite(raw.model.windowEndTsMs);
    if (windowEndTsMs !== undefined) evidence.model.windowEndTsMs = windowEndTsMs;
  }
  return evidence;
}
