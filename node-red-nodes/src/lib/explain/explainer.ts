import { ConfigError, InputError } from '../contracts/errors';
import {
  CONNECTIVITY_METRIC,
  type Detection,
  type DetectionEvidence,
  type Explanation,
  type MetricEvidence,
} from '../contracts/types';
import { FleetRegistry } from '../fleet/fleet-registry';
import { classifyAnomaly } from './classify-anomaly';
import { describeInsight, describeSummary, describeTitle } from './describe-anomaly';
import { defaultLabel, type ExplainContext, type MetricView } from './explain-context';
import { metricMovement } from './metric-movement';
import { PlaybookLibrary } from './playbook-library';
import { rankCauses } from './rank-causes';
import { assertDetection, readEvidence } from './read-evidence';
import { RelatedAnomalyMemory, type Topology } from './related-anomaly-memory';
import { selectActions } from './select-actions';

/** Default correlation window for related devices: 10 min. */
export const DEFAULT_CORRELATION_WINDOW_MS = 10 * 60_000;

/** Options of {@link Explainer}. */
export interface ExplainerOptions {
  /** Units, labels and topology; default: an empty fleet (documented defaults for every device). */
  registry?: FleetRegistry;
  /** Playbook overrides keyed by device type (object or JSON text, see `parsePlaybookOverrides`), or a ready library. */
  playbooks?: PlaybookLibrary | unknown;
  /** Window (event time, ms, > 0) in which anomalies of neighbouring devices count as related. Default 600 000. */
  correlationWindowMs?: number;
  /** Anomalies remembered per device (default 16) and devices remembered (default 10 000). */
  maxPerDevice?: number;
  maxDevices?: number;
}

/**
 * The explanation engine: turns an anomalous {@link Detection} into an {@link Explanation} an
 * operator can act on: anomaly type, title, unit-aware summary, ranked probable causes with their
 * evidence, playbook actions, related devices and an insight.
 *
 * Stateful only through a bounded, event-time memory of recent anomalies (for related devices),
 * so the same sequence of detections always gives the same words. Cost per anomalous reading:
 * O(metrics × playbook rules + remembered anomalies in the window); normal readings cost nothing.
 *
 * @example
 * const explainer = new Explainer({ registry: fleet, correlationWindowMs: 600_000 });
 * const out = explainer.process(detections); // same array, anomalous items get .explanation
 */
export class Explainer {
  readonly correlationWindowMs: number;
  private readonly registry: FleetRegistry;
  private readonly library: PlaybookLibrary;
  private readonly memory: RelatedAnomalyMemory;

  /** @throws ConfigError when the window or the playbook overrides are invalid. */
  constructor(options: ExplainerOptions = {}) {
    const windowMs = options.correlationWindowMs ?? DEFAULT_CORRELATION_WINDOW_MS;
    if (!(typeof windowMs === 'number' && Number.isFinite(windowMs) && windowMs > 0)) {
      throw new ConfigError(
        `correlationWindowMs: expected a positive number of ms, got ${JSON.stringify(windowMs)}`,
      );
    }
    this.correlationWindowMs = windowMs;
    this.registry = options.registry ?? new FleetRegistry({});
    this.library =
      options.playbooks instanceof PlaybookLibrary
        ? options.playbooks
        : new PlaybookLibrary(options.playbooks);
    this.memory = new RelatedAnomalyMemory({
      windowMs,
      maxPerDevice: options.maxPerDevice,
      maxDevices: options.maxDevices,
    });
  }

  /**
   * Explains a batch in order: every item is validated first (nothing is remembered from a bad
   * batch), then anomalous items get a copy with `explanation`; normal ones pass unchanged.
   * @param items - Detection objects.
   * @throws InputError `bad_detection` naming the first invalid item (`payload[3].reading.tsMs: …`).
   */
  process(items: unknown[]): Detection[] {
    items.forEach((item, i) => assertDetection(item, `payload[${i}]`));
    return (items as Detection[]).map((d) =>
      d.score.isAnomaly ? { ...d, explanation: this.explain(d) } : d,
    );
  }

  /**
   * Explains one detection (whether or not `score.isAnomaly`) and remembers it for related-device
   * correlation.
   * @throws InputError `bad_detection` when the detection is malformed; `no_metrics` when it has
   * no metric value and no connectivity evidence to explain.
   */
  explain(detection: Detection): Explanation {
    assertDetection(detection);
    const { reading } = detection;
    const evidence = readEvidence(detection);
    addConnectivityMetric(detection, evidence);
    const spec = this.registry.device(reading.deviceId);
    const topology: Topology = spec.known
      ? { site: spec.site, zone: spec.zone, line: spec.line }
      : { site: reading.site ?? spec.site, zone: reading.tags?.zone, line: reading.tags?.line };
    const device = { ...spec, zone: topology.zone ?? spec.zone };
    const metrics: Record<string, MetricView> = {};
    for (const [name, ev] of Object.entries(evidence.metrics)) {
      const fleetSpec = this.registry.metric(reading.deviceId, name);
      const unit = fleetSpec.unit || ev.unit;
      const range =
        ev.range ??
        (fleetSpec.min !== undefined || fleetSpec.max !== undefined
          ? { min: fleetSpec.min, max: fleetSpec.max }
          : undefined);
      const withFleet: MetricEvidence = { ...ev, unit, ...(range ? { range } : {}) };
      metrics[name] = {
        ev: withFleet,
        label: fleetSpec.label ?? defaultLabel(name),
        unit,
        movement: metricMovement(withFleet, { accuracy: fleetSpec.accuracy }),
      };
    }
    const playbook = this.library.forDeviceType(spec.deviceType);
    const primaryName = pickPrimary(detection.score.contributions, metrics, playbook.primaryOrder ?? []);
    if (primaryName === undefined) {
      throw new InputError(
        'no_metrics',
        `payload.reading.metrics: device "${reading.deviceId}" at ${reading.tsMs} has no finite metric value to explain`,
      );
    }
    const primary = metrics[primaryName];
    const anomalous = [...new Set([primaryName, ...evidence.combined.anomalousMetrics])];
    const current = {
      deviceId: reading.deviceId,
      metric: primaryName,
      direction: primary.movement.direction,
      strength: primary.movement.strength,
      tsMs: reading.tsMs,
      topology,
    };

    const ownOnly = classifyAnomaly({ reading, evidence, primary: primary.ev, relatedCount: 0 });
    const deviceSpecific =
      ownOnly.ownType === 'stuck_sensor' ||
      ownOnly.ownType === 'out_of_range' ||
      ownOnly.ownType === 'connectivity_loss';
    const related = deviceSpecific || primaryName === CONNECTIVITY_METRIC ? [] : this.memory.related(current);
    const classification =
      related.length > 0
        ? classifyAnomaly({ reading, evidence, primary: primary.ev, relatedCount: related.length })
        : ownOnly;
    const ctx: ExplainContext = {
      reading,
      evidence,
      device,
      metrics,
      primary,
      anomalous,
      classification,
      related,
      playbook,
      correlationWindowMs: this.correlationWindowMs,
    };
    const type = classification.type;
    const causes = rankCauses(ctx);
    const explanation: Explanation = {
      type,
      title: describeTitle(ctx, type),
      summary: describeSummary(ctx, type),
      causes,
      actions: selectActions(playbook, type, causes),
      related: related.map((r) => ({ deviceId: r.deviceId, relation: r.relation, similarity: r.similarity })),
      metric: primaryName,
      playbook: `${playbook.id}@${playbook.version}`,
    };
    const insight = describeInsight(ctx);
    if (insight) explanation.insight = insight;
    this.memory.record({ ...current, type: classification.ownType });
    return explanation;
  }

  /** Forgets the remembered anomalies. */
  reset(): void {
    this.memory.clear();
  }
}

/** Contributions within this fraction of the top one count as a tie (the detector does not tell them apart). */
export const PRIMARY_TIE_RATIO = 0.8;

/**
 * The metric with the highest contribution. Metrics whose contribution is within
 * {@link PRIMARY_TIE_RATIO} of the top one tie; a tie goes to the metric listed first in the
 * playbook's `primaryOrder` (the cause rather than its physical echo, e.g. temperature over the
 * relative humidity it pushes down), then the larger deviation in band half-widths, then the
 * higher metric score, then the name.
 */
function pickPrimary(
  contributions: unknown,
  metrics: Record<string, MetricView>,
  order: string[],
): string | undefined {
  const share = (name: string): number => {
    const c =
      typeof contributions === 'object' && contributions !== null
        ? (contributions as Record<string, unknown>)[name]
        : undefined;
    return typeof c === 'number' && Number.isFinite(c) ? c : 0;
  };
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return undefined;
  const top = Math.max(...names.map(share));
  const tied = top > 0 ? names.filter((n) => share(n) >= PRIMARY_TIE_RATIO * top) : names;
  const deviation = (n: string) => {
    const ev = metrics[n].ev;
    const half = (ev.expected.upper - ev.expected.lower) / 2;
    return half > 0 ? Math.abs(ev.value - ev.expected.value) / half : 0;
  };
  const lowerOrder = order.map((m) => m.toLowerCase());
  const rank = (n: string) => {
    const i = lowerOrder.indexOf(n.toLowerCase());
    return i < 0 ? lowerOrder.length : i;
  };
  let best = tied[0];
  for (const name of tied.slice(1)) {
    const d =
      rank(best) - rank(name) ||
      deviation(name) - deviation(best) ||
      metrics[name].ev.score - metrics[best].ev.score;
    if (d > 0) best = name;
  }
  return best;
}

/** A connectivity event or gap with no metric to hang it on gets the connectivity metric (value 0). */
function addConnectivityMetric(detection: Detection, evidence: DetectionEvidence): void {
  const lost = detection.reading.tags?.event === 'connectivity_lost' || evidence.gap !== undefined;
  if (!lost || Object.keys(evidence.metrics).length > 0) return;
  evidence.metrics[CONNECTIVITY_METRIC] = {
    metric: CONNECTIVITY_METRIC,
    unit: '',
    value: 0,
    score: 1,
    kind: 'gap',
    detectorScores: { gap: 1 },
    direction: 'down',
    baseline: { median: 1, mad: 0, count: 0 },
    expected: { value: 1, lower: 1, upper: 1 },
  };
}
