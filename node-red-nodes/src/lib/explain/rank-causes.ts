import { CONNECTIVITY_METRIC, type CauseFamily, type Explanation } from '../contracts/types';
import { outsideRange } from './classify-anomaly';
import { movementSentence, placeName, type ExplainContext, type MetricView } from './explain-context';
import { formatDuration, formatQuantity, formatRatio } from './format';
import { scoreCauseRule } from './score-cause-rule';

/** A probable cause with its id and family (as in `Explanation.causes`). */
export type RankedCause = Explanation['causes'][number] & { id: string; family: CauseFamily };

/** Units of power and radio metrics: supply/battery voltage and RSSI. Read from the fleet, never from names. */
export const POWER_UNITS: ReadonlySet<string> = new Set(['V', 'mV', 'dBm']);
/** A rate of change this many times the usual one is faster than the physical process (sensor fault). */
export const IMPOSSIBLE_RATE_RATIO = 20;
/** Uncertainty mass kept out of the confidences, so they never claim certainty: conf = raw / (Σ raw + this). */
export const UNEXPLAINED_MASS = 0.25;
/** Playbook rules below this match are not reported. */
export const RULE_MIN_MATCH = 0.25;
const MAX_CAUSES = 4;
const MIN_CONFIDENCE = 0.05;
/** A metric moved "as well" when its movement strength reaches this. */
const CO_MOVEMENT_MIN = 0.5;

interface Candidate {
  id: string;
  family: CauseFamily;
  cause: string;
  /** Noisy-OR of the evidence weights: 1 - Π(1 - wᵢ). */
  raw: number;
  evidence: string[];
}

class Builder {
  private raw = 0;
  readonly evidence: string[] = [];
  constructor(
    readonly id: string,
    readonly family: CauseFamily,
    readonly cause: string,
  ) {}
  add(weight: number, sentence: string): void {
    this.raw = 1 - (1 - this.raw) * (1 - weight);
    this.evidence.push(sentence);
  }
  build(): Candidate | undefined {
    return this.raw > 0
      ? { id: this.id, family: this.family, cause: this.cause, raw: this.raw, evidence: this.evidence }
      : undefined;
  }
}

const isPower = (v: MetricView) => POWER_UNITS.has(v.unit) || v.ev.metric === CONNECTIVITY_METRIC;

/**
 * Ranks probable causes from the evidence. Generic, evidence-based rules per family (each piece
 * of evidence has a weight; a family's raw score is their noisy-OR):
 * - `sensor_fault`: stuck value (0.85); value beyond the physical range (0.7); a change ≥ 20× the
 *   usual rate in a spike/drop of a non-power metric (0.45, physically implausible for a process
 *   with inertia; 0.15 when another non-power metric moved with it); only this metric moved while the
 *   device's other metrics stayed normal and no neighbour moved (0.3; 0.15 when the device has
 *   no other metric to confirm).
 * - `environment`: neighbours in the same zone/line moved the same way on the same metric
 *   (0.45 + 0.15 per extra neighbour, max 0.9, times their mean similarity).
 * - `connectivity_power`: a connectivity gap or lost-connectivity event (0.85); the anomaly is on a
 *   power/radio metric (unit V, mV or dBm) (0.6); another power/radio metric moved with it (0.5 each).
 * - `process_anomaly`: a sustained change (level shift or drift) of a non-power metric (0.4); other
 *   non-power metrics of the device moved at the same time (0.35 each: the change is real and
 *   physical); a short spike/drop alone (0.15).
 * Then the playbook's cause rules (see `scoreCauseRule`) add specific causes with raw =
 * match × weight when ≥ {@link RULE_MIN_MATCH}; a matching rule replaces the generic candidate of
 * its family (it is the more specific explanation).
 *
 * Confidence = raw / (Σ raw + {@link UNEXPLAINED_MASS}), floored to 2 decimals, so confidences sum
 * to < 1. Sorted by confidence, then id; at most 4, each ≥ 0.05. Deterministic.
 */
export function rankCauses(ctx: ExplainContext): RankedCause[] {
  const { primary, classification, evidence, related } = ctx;
  const others = Object.values(ctx.metrics).filter((v) => v !== primary);
  const ownType = classification.ownType;

  const sensor = new Builder('sensor_fault', 'sensor_fault', `Faulty ${primary.label} sensor`);
  if (primary.ev.stuck || ownType === 'stuck_sensor') {
    const duration = primary.ev.stuck
      ? formatDuration(primary.ev.stuck.durationMs)
      : 'an unusually long time';
    sensor.add(0.85, `${primary.label} has not changed for ${duration}, which a live sensor rarely does.`);
  }
  const outside = outsideRange(primary.ev);
  if (outside) {
    const limit = outside === 'above' ? primary.ev.range?.max : primary.ev.range?.min;
    sensor.add(
      0.7,
      `${formatQuantity(primary.ev.value, primary.unit)} is ${outside} the physical ${outside === 'above' ? 'maximum' : 'minimum'} of ${formatQuantity(limit as number, primary.unit)} the sensor can report.`,
    );
  } else if (primary.ev.kind === 'range') {
    sensor.add(0.6, `${primary.label} is outside the range the sensor can report.`);
  }
  const ratio = classification.rateRatio;
  const movedOthers = others.filter(
    (v) => v.movement.strength >= CO_MOVEMENT_MIN && v.movement.direction !== 'none',
  );
  const confirmed = movedOthers.some((v) => !isPower(v));
  if (
    (ownType === 'spike' || ownType === 'drop') &&
    !isPower(primary) &&
    ratio !== undefined &&
    ratio >= IMPOSSIBLE_RATE_RATIO
  ) {
    const speed = Number.isFinite(ratio)
      ? `${formatRatio(ratio)} its usual rate`
      : 'while it usually holds steady';
    sensor.add(confirmed ? 0.15 : 0.45, `It changed ${speed}: faster than the process itself can move.`);
  }
  if (related.length === 0 && ownType !== 'connectivity_loss' && !isPower(primary)) {
    if (others.length >= 1 && movedOthers.length === 0) {
      sensor.add(
        0.3,
        `Only ${primary.label} moved; the device's other ${others.length === 1 ? 'metric' : `${others.length} metrics`} stayed normal.`,
      );
    } else if (others.length === 0) {
      sensor.add(0.15, 'No other sensor on the device or nearby confirms the change.');
    }
  }

  const environment = new Builder('environment', 'environment', 'Local environmental change');
  if (related.length > 0) {
    const meanSimilarity = related.reduce((s, r) => s + r.similarity, 0) / related.length;
    const place =
      related[0].relation === 'same line'
        ? placeName('line', related[0].place)
        : placeName('zone', related[0].place);
    const ids = related.map((r) => r.deviceId).join(', ');
    const word = classification.direction === 'down' ? 'fall' : 'rise';
    environment.add(
      Math.min(0.9, 0.45 + 0.15 * (related.length - 1)) * meanSimilarity,
      `${related.length} nearby device${related.length === 1 ? '' : 's'} in ${place} ${related.length === 1 ? 'shows' : 'show'} the same ${primary.label} ${word} (${ids}).`,
    );
  }

  const power = new Builder(
    'connectivity_power',
    'connectivity_power',
    'Connectivity or power supply problem',
  );
  if (evidence.gap) {
    const every =
      evidence.gap.expectedIntervalMs > 0
        ? ` (expected a reading every ${formatDuration(evidence.gap.expectedIntervalMs)})`
        : '';
    power.add(0.85, `No data for ${formatDuration(evidence.gap.silentForMs)}${every}.`);
  } else if (ownType === 'connectivity_loss') {
    power.add(0.85, `${ctx.reading.deviceId} stopped reporting.`);
  }
  if (isPower(primary) && ownType !== 'connectivity_loss') {
    power.add(0.6, `The anomaly is on ${primary.label}, a power or radio metric.`);
  }
  for (const v of movedOthers.filter(isPower)) power.add(0.5, `${movementSentence(v)} at the same time.`);

  const process = new Builder(
    'process_anomaly',
    'process_anomaly',
    `Real change in the monitored process (${primary.label})`,
  );
  if (
    !isPower(primary) &&
    ownType !== 'stuck_sensor' &&
    ownType !== 'out_of_range' &&
    ownType !== 'connectivity_loss'
  ) {
    if (ownType === 'level_shift' || ownType === 'drift') {
      const lasting =
        classification.excursionMs > 0 ? ` for ${formatDuration(classification.excursionMs)}` : '';
      process.add(
        0.4,
        `The change is sustained (${ownType === 'drift' ? 'a steady trend' : 'a new level'}${lasting}), as a process change would be.`,
      );
    } else {
      process.add(0.15, `A short ${primary.label} excursion can be a real process transient.`);
    }
    for (const v of movedOthers.filter((x) => !isPower(x)))
      process.add(0.35, `${movementSentence(v)} at the same time.`);
  }

  const generic = [sensor, environment, power, process]
    .map((b) => b.build())
    .filter((c): c is Candidate => c !== undefined);
  const anomalous = new Set(ctx.anomalous);
  const specific: Candidate[] = [];
  if (ownType !== 'connectivity_loss' && ownType !== 'stuck_sensor') {
    for (const rule of ctx.playbook.causes ?? []) {
      if (rule.types && !rule.types.includes(ownType)) continue;
      const { match, evidence: sentences } = scoreCauseRule(rule, ctx.metrics, anomalous);
      const raw = match * (rule.weight ?? 1);
      if (raw >= RULE_MIN_MATCH)
        specific.push({ id: rule.id, family: rule.family, cause: rule.label, raw, evidence: sentences });
    }
  }
  const specificFamilies = new Set(specific.map((c) => c.family));
  const candidates = [...generic.filter((c) => !specificFamilies.has(c.family)), ...specific];
  if (candidates.length === 0) {
    candidates.push({
      id: 'process_anomaly',
      family: 'process_anomaly',
      cause: `Unexplained change in ${primary.label}`,
      raw: 0.2,
      evidence: [`${movementSentence(primary)}.`],
    });
  }
  const total = candidates.reduce((s, c) => s + c.raw, 0) + UNEXPLAINED_MASS;
  return candidates
    .map((c) => ({ c, confidence: Math.floor((c.raw / total) * 100) / 100 }))
    .sort(
      (a, b) =>
        b.confidence - a.confidence || b.c.raw - a.c.raw || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0),
    )
    .filter((x, i) => i === 0 || x.confidence >= MIN_CONFIDENCE)
    .slice(0, MAX_CAUSES)
    .map(({ c, confidence }) => ({
      id: c.id,
      family: c.family,
      cause: c.cause,
      confidence,
      evidence: c.evidence,
    }));
}
