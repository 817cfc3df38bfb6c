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
/**
 * A metric moved "as well" when its movement strength reaches this: the band edge, or
 * `MOVED_ROBUST_Z` robust σ of its own recent noise (see `metricMovement`), whether or not its
 * detector fired at this reading (a streaming detector flags the onset of each metric's
 * excursion separately, so a co-moving metric often reads "normal" at the primary's alert).
 */
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
 * - `sensor_fault`, only from implausibility: stuck value (0.85); value beyond the physical range
 *   (0.7; 0.6 when only the range detector says so); a spike/drop of a non-power metric at ≥ 20×
 *   its usual rate while none of the device's other non-power metrics moved and no neighbour
 *   moved (0.45: a process with inertia cannot move that fast alone; 0.3 when the device has no
 *   other sensor to confirm it). A single metric moving on its own is NOT evidence of a faulty
 *   sensor (an imbalance moves only vibration), and a fast change that physically linked metrics
 *   follow is a real one.
 * - `environment`: neighbours in the same zone/line moved the same way on the same metric
 *   (0.45 + 0.15 per extra neighbour, max 0.9, times their mean similarity).
 * - `connectivity_power`: a connectivity gap or lost-connectivity event (0.85); the anomaly is on a
 *   power/radio metric (unit V, mV or dBm) (0.6); another power/radio metric moved with it (0.5 each).
 * - `process_anomaly`: a sustained change (level shift or drift) of a non-power metric (0.4); other
 *   non-power metrics of the device moved at the same time (0.35 each: the change is real and
 *   physical); a short spike/drop alone (0.15). Co-movement is judged from each metric's
 *   deviation (see `metricMovement`), not from its detector's decision at this reading.
 * Then the playbook's cause rules (see `scoreCauseRule`) add specific causes with raw =
 * match × weight when ≥ {@link RULE_MIN_MATCH}; a matching rule replaces the generic candidate of
 * its family (it is the more specific explanation). When neighbours moved the same way, the
 * device-local `process_anomaly` candidates are explained away: raw × (1 − environment raw), as
 * a local cause does not explain the neighbours' movement while a shared one explains both.
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
  const physicalOthers = others.filter((v) => !isPower(v));
  const confirmed = movedOthers.some((v) => !isPower(v));
  if (
    (ownType === 'spike' || ownType === 'drop') &&
    !isPower(primary) &&
    !confirmed &&
    related.length === 0 &&
    ratio !== undefined &&
    ratio >= IMPOSSIBLE_RATE_RATIO
  ) {
    const speed = Number.isFinite(ratio)
      ? `${formatRatio(ratio)} its usual rate`
      : 'while it usually holds steady';
    if (physicalOthers.length > 0) {
      const n = physicalOthers.length;
      sensor.add(
        0.45,
        `It changed ${speed} while the device's other ${n === 1 ? 'sensor' : `${n} sensors`} stayed within their usual noise: faster than the process itself can move.`,
      );
    } else {
      sensor.add(
        0.3,
        `It changed ${speed}, faster than the process itself can move; no other sensor on the device can confirm it.`,
      );
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
  // Explaining away: a cause local to this device explains its own movement but not the same
  // movement on its neighbours, which the shared (environment) cause explains too.
  const shared = candidates.find((c) => c.id === 'environment' && c.family === 'environment');
  if (shared) {
    for (const c of candidates) if (c.family === 'process_anomaly') c.raw *= 1 - shared.raw;
  }
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
