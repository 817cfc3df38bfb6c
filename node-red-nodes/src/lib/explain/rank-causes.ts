import { CONNECTIVITY_METRIC, type CauseFamily, type Explanation } from '../contracts/types';
import { outsideRange } from './classify-anomaly';
import { movementSentence, placeName, type ExplainContext, type MetricView } from './explain-context';
import { formatDuration, formatQuantity } from './format';
import type { CauseRule, GenericPriors } from './playbook';
import { resolveTermMetrics, termMatch } from './term-match';

/** A probable cause with its id and family (as in `Explanation.causes`). */
export type RankedCause = Explanation['causes'][number] & { id: string; family: CauseFamily };

/** Units of power and radio metrics: supply/battery voltage and RSSI. Read from the fleet, never from names. */
export const POWER_UNITS: ReadonlySet<string> = new Set(['V', 'mV', 'dBm']);

/**
 * A metric's deviation is significant when its movement strength (see `metricMovement`)
 * reaches this: the band edge, or 4 robust σ of its own recent noise and at least the sensor's
 * accuracy. A metric the detector itself found anomalous (the primary, or one it lists as
 * anomalous, e.g. from the device's joint state) counts as significant too. Only significant
 * deviations are quoted as evidence.
 */
export const SIGNIFICANT_STRENGTH = 0.5;

/**
 * Log likelihood ratio per unit of matched signature weight: a fully matched term of weight 1
 * makes the evidence e^1.5 ≈ 4.5 times likelier under the cause than under no cause.
 */
export const EVIDENCE_LOG_LR = 1.5;

/** Prior weights of the generic causes when the playbook gives none. */
export const DEFAULT_PRIORS: Required<GenericPriors> = {
  sensor_fault: 0.3,
  connectivity_power: 0.5,
  environment: 0.6,
  unexplained: 0.3,
};

/** Log likelihood ratios of the generic causes' positive evidence. */
const LOG_LR = {
  stuck: Math.log(40),
  outsideRange: Math.log(30),
  rangeDetector: Math.log(15),
  redundantDisagrees: Math.log(15),
  gap: Math.log(60),
  powerPrimary: Math.log(3),
  /** Per related device (same zone/line, same metric, same way), times its similarity. */
  neighbour: Math.log(8),
} as const;

const MAX_CAUSES = 4;
const MIN_CONFIDENCE = 0.05;

interface Candidate {
  id: string;
  family: CauseFamily;
  cause: string;
  prior: number;
  logLR: number;
  /** Evidence lines, by the metric they quote (`''` for lines about no single metric). */
  support: { metric: string; text: string; weight: number }[];
  /** Significant movements that speak against the cause. */
  against: { metric: string; text: string }[];
  because?: string;
}

const isPower = (v: MetricView) => POWER_UNITS.has(v.unit) || v.ev.metric === CONNECTIVITY_METRIC;
const movedSignificantly = (v: MetricView) =>
  v.movement.strength >= SIGNIFICANT_STRENGTH && v.movement.direction !== 'none';

/**
 * Ranks probable causes by their posterior probability under a naive-Bayes combination of the
 * evidence (each piece of evidence treated as independent given the cause):
 *
 *   P(c | e) = π_c · Λ_c / (Σ_k π_k · Λ_k + π₀),   log Λ_c = Σ_i log λ_{c,i}
 *
 * where π are prior weights (a cause rule's `weight`, the playbook's `priors` for the generic
 * causes, {@link DEFAULT_PRIORS} otherwise; π₀ the `unexplained` prior: a change none of the
 * causes explains, Λ = 1) and λ the likelihood ratios of the evidence:
 * - **playbook cause rules** (see `termMatch`): log λ = {@link EVIDENCE_LOG_LR} · w · m per
 *   signature term over a metric the device has (m in -1..1 from the metric's movement; a term
 *   over a missing metric carries no evidence). A rule is only a candidate when it explains the
 *   anomaly: one of its moving terms matches a metric that is anomalous now or earlier in the
 *   device's episode and deviates significantly.
 * - **faulty sensor**, only with positive evidence: the value is stuck (λ 40), beyond the
 *   physical range the sensor can report (λ 30; the range detector alone λ 15), or a redundant
 *   sensor of the same quantity (playbook `redundant`) holds steady while this one moved (λ 15).
 *   A metric moving alone is not such evidence (an imbalance moves only vibration).
 * - **connectivity or power**: a gap or lost-connectivity event (λ 60); the anomaly on a power or
 *   radio metric (unit V, mV, dBm) that no rule explains (λ 3).
 * - **shared environment**: each neighbour (same zone/line) that moved the same way on the same
 *   metric within the correlation window multiplies λ by 8^similarity.
 *
 * Evidence lines quote only significant deviations ({@link SIGNIFICANT_STRENGTH}). A line
 * supports at most one cause, the most probable one it fits: a less probable cause never repeats
 * the same lines; it lists what it alone explains and the significant movements that speak
 * against it ("Vibration rose to … (this cause would keep it steady)").
 *
 * Confidence = the posterior, floored to 2 decimals. Sorted by confidence, then id; at most 4,
 * each ≥ 0.05 (the first always kept). Deterministic.
 */
export function rankCauses(ctx: ExplainContext): RankedCause[] {
  const { primary, classification, evidence, related } = ctx;
  const significant = significanceOf(ctx);
  const ownType = classification.ownType;
  const priors = { ...DEFAULT_PRIORS, ...(ctx.playbook.priors ?? {}) };
  const candidates: Candidate[] = [];
  const newCandidate = (id: string, family: CauseFamily, cause: string, prior: number): Candidate => ({
    id,
    family,
    cause,
    prior,
    logLR: 0,
    support: [],
    against: [],
  });

  const sensor = newCandidate(
    'sensor_fault',
    'sensor_fault',
    `Faulty ${primary.label} sensor`,
    priors.sensor_fault,
  );
  if (primary.ev.stuck || ownType === 'stuck_sensor') {
    const duration = primary.ev.stuck
      ? formatDuration(primary.ev.stuck.durationMs)
      : 'an unusually long time';
    sensor.logLR += LOG_LR.stuck;
    sensor.support.push({
      metric: '',
      text: `${primary.label} has not changed for ${duration}, which a live sensor rarely does.`,
      weight: 1,
    });
  }
  const outside = outsideRange(primary.ev);
  if (outside) {
    const limit = outside === 'above' ? primary.ev.range?.max : primary.ev.range?.min;
    sensor.logLR += LOG_LR.outsideRange;
    sensor.support.push({
      metric: '',
      text: `${formatQuantity(primary.ev.value, primary.unit)} is ${outside} the physical ${outside === 'above' ? 'maximum' : 'minimum'} of ${formatQuantity(limit as number, primary.unit)} the sensor can report.`,
      weight: 1,
    });
  } else if (primary.ev.kind === 'range') {
    sensor.logLR += LOG_LR.rangeDetector;
    sensor.support.push({
      metric: '',
      text: `${primary.label} is outside the range the sensor can report.`,
      weight: 1,
    });
  }
  for (const partner of redundantPartners(ctx, primary)) {
    if (!significant(primary) || significant(partner) || partner.movement.strength > 0.25) continue;
    sensor.logLR += LOG_LR.redundantDisagrees;
    sensor.support.push({
      metric: '',
      text: `${partner.label}, which measures the same quantity, stayed at ${formatQuantity(partner.ev.value, partner.unit)}.`,
      weight: 1,
    });
    break;
  }
  if (sensor.logLR > 0) candidates.push(sensor);

  const environment = newCandidate(
    'environment',
    'environment',
    'Local environmental change',
    priors.environment,
  );
  if (related.length > 0) {
    const place =
      related[0].relation === 'same line'
        ? placeName('line', related[0].place)
        : placeName('zone', related[0].place);
    const ids = related.map((r) => r.deviceId).join(', ');
    const word = classification.direction === 'down' ? 'fall' : 'rise';
    environment.logLR += related.reduce((s, r) => s + LOG_LR.neighbour * r.similarity, 0);
    environment.support.push({
      metric: '',
      text: `${related.length} nearby device${related.length === 1 ? '' : 's'} in ${place} ${related.length === 1 ? 'shows' : 'show'} the same ${primary.label} ${word} (${ids}).`,
      weight: 1,
    });
    candidates.push(environment);
  }

  const power = newCandidate(
    'connectivity_power',
    'connectivity_power',
    'Connectivity or power supply problem',
    priors.connectivity_power,
  );
  if (evidence.gap) {
    const every =
      evidence.gap.expectedIntervalMs > 0
        ? ` (expected a reading every ${formatDuration(evidence.gap.expectedIntervalMs)})`
        : '';
    power.logLR += LOG_LR.gap;
    power.support.push({
      metric: '',
      text: `No data for ${formatDuration(evidence.gap.silentForMs)}${every}.`,
      weight: 1,
    });
  } else if (ownType === 'connectivity_loss') {
    power.logLR += LOG_LR.gap;
    power.support.push({ metric: '', text: `${ctx.reading.deviceId} stopped reporting.`, weight: 1 });
  }

  const deviceSpecific =
    ownType === 'connectivity_loss' || ownType === 'stuck_sensor' || ownType === 'out_of_range';
  const episode = new Set([...ctx.anomalous, ...(ctx.episodeMetrics ?? [])]);
  const rules: Candidate[] = [];
  if (!deviceSpecific) {
    for (const rule of ctx.playbook.causes ?? []) {
      if (rule.types && !rule.types.includes(ownType)) continue;
      const scored = scoreRule(rule, ctx, episode);
      if (scored) rules.push(scored);
    }
  }
  if (isPower(primary) && !deviceSpecific && !rules.some((r) => r.family === 'connectivity_power')) {
    power.logLR += LOG_LR.powerPrimary;
    power.support.push({ metric: primary.ev.metric, text: `${movementSentence(primary)}.`, weight: 1 });
  }
  if (power.logLR > 0) candidates.push(power);
  candidates.push(...rules);

  const unexplainedPrior = deviceSpecific ? priors.unexplained / 10 : priors.unexplained;
  const unexplained = newCandidate(
    'process_anomaly',
    'process_anomaly',
    `A cause the playbook does not list (${primary.label} change)`,
    unexplainedPrior,
  );
  unexplained.because = 'No listed cause fits the movements well enough to rule this out.';
  unexplained.support.push({ metric: primary.ev.metric, text: `${movementSentence(primary)}.`, weight: 1 });
  for (const v of Object.values(ctx.metrics))
    if (v !== primary && !isPower(v) && significant(v))
      unexplained.support.push({
        metric: v.ev.metric,
        text: `${movementSentence(v)}.`,
        weight: v.movement.strength / 2,
      });
  const all = [...candidates, unexplained];
  const top = Math.max(...all.map((c) => c.logLR));
  const mass = (c: Candidate) => c.prior * Math.exp(c.logLR - top);
  const total = all.reduce((s, c) => s + mass(c), 0);
  const ranked = (deviceSpecific && candidates.length > 0 ? candidates : all)
    .map((c) => ({ c, posterior: mass(c) / total }))
    .sort((a, b) => b.posterior - a.posterior || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));

  const quoted = new Set<string>();
  return ranked
    .filter((x, i) => i === 0 || x.posterior >= MIN_CONFIDENCE)
    .slice(0, MAX_CAUSES)
    .map(({ c, posterior }) => {
      const lines: string[] = [];
      for (const s of [...c.support].sort((a, b) => b.weight - a.weight)) {
        if (quoted.has(s.text)) continue;
        quoted.add(s.text);
        lines.push(s.text);
      }
      for (const a of c.against) lines.push(a.text);
      if (c.because) lines.push(c.because);
      if (lines.length === 0) lines.push('It fits the same movements less well than the cause above.');
      return {
        id: c.id,
        family: c.family,
        cause: c.cause,
        confidence: Math.floor(posterior * 100) / 100,
        evidence: lines,
      };
    });
}

/** Whether a metric's deviation is significant (see {@link SIGNIFICANT_STRENGTH}). */
function significanceOf(ctx: ExplainContext): (v: MetricView) => boolean {
  const flagged = new Set(ctx.anomalous);
  return (v) => movedSignificantly(v) || (flagged.has(v.ev.metric) && v.movement.direction !== 'none');
}

/** Metrics the playbook declares redundant with `view` (same quantity, another sensor). */
function redundantPartners(ctx: ExplainContext, view: MetricView): MetricView[] {
  const name = view.ev.metric.toLowerCase();
  const out: MetricView[] = [];
  for (const group of ctx.playbook.redundant ?? []) {
    if (!group.some((m) => m.toLowerCase() === name)) continue;
    for (const other of resolveTermMetrics({ metrics: group, expect: 'steady' }, ctx.metrics))
      if (other !== view && !out.includes(other)) out.push(other);
  }
  return out;
}

/**
 * One cause rule against the evidence (see {@link rankCauses}): its log likelihood ratio, the
 * significant movements it explains and those that speak against it; undefined when it does not
 * explain the anomaly.
 */
function scoreRule(
  rule: CauseRule,
  ctx: ExplainContext,
  episode: ReadonlySet<string>,
): Candidate | undefined {
  const significant = significanceOf(ctx);
  let logLR = 0;
  let explains = false;
  const support: Candidate['support'] = [];
  const against: Candidate['against'] = [];
  for (const term of rule.signature) {
    const views = resolveTermMetrics(term, ctx.metrics);
    if (views.length === 0) continue;
    const w = term.weight ?? 1;
    const scored = views.map((v) => ({ v, m: termMatch(term.expect, v.movement.signed) }));
    let m: number;
    if (term.combine === 'mean') m = scored.reduce((s, x) => s + x.m, 0) / scored.length;
    else if (term.combine === 'min') m = Math.min(...scored.map((x) => x.m));
    else m = Math.max(...scored.map((x) => x.m));
    logLR += EVIDENCE_LOG_LR * w * m;
    for (const { v, m: mv } of scored) {
      if (!significant(v)) continue;
      if (term.expect !== 'steady' && mv > 0) {
        support.push({ metric: v.ev.metric, text: `${movementSentence(v)}.`, weight: w * mv });
        if (episode.has(v.ev.metric)) explains = true;
      } else if (mv < 0) {
        const would =
          term.expect === 'steady'
            ? 'keep it steady'
            : term.expect === 'up'
              ? 'raise it'
              : term.expect === 'down'
                ? 'lower it'
                : 'change it';
        against.push({
          metric: v.ev.metric,
          text: `But ${lowerFirst(movementSentence(v))} (this cause would ${would}).`,
        });
      }
    }
  }
  if (!explains) return undefined;
  return {
    id: rule.id,
    family: rule.family,
    cause: rule.label,
    prior: rule.weight ?? 1,
    logLR,
    support,
    against,
    because: rule.because,
  };
}

/** "Vibration rose…" → "vibration rose…" unless the label starts with an acronym ("RSSI"). */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
