import { ConfigError, InputError } from '../contracts/errors';
import {
  CONNECTIVITY_METRIC,
  type AnomalyType,
  type Detection,
  type DetectionEvidence,
  type Explanation,
  type JointEvidence,
  type MetricEvidence,
} from '../contracts/types';
import { JOINT_SETTINGS } from '../detect/joint-state-detector';
import { FleetRegistry } from '../fleet/fleet-registry';
import { classifyAnomaly, SHORT_EXCURSION_MS, type Classification } from './classify-anomaly';
import {
  DeviceEpisodes,
  isBackToNormal,
  isReturning,
  type DeviceEpisode,
  type EpisodeMetric,
} from './device-episodes';
import { describeInsight, describeSummary, describeTitle } from './describe-anomaly';
import { defaultLabel, type ExplainContext, type MetricView } from './explain-context';
import { metricMovement, withJointLevel } from './metric-movement';
import type { Playbook, PlaybookMetric } from './playbook';
import { PlaybookLibrary } from './playbook-library';
import { rankCauses, SIGNIFICANT_STRENGTH } from './rank-causes';
import { assertDetection, readEvidence } from './read-evidence';
import { RelatedAnomalyMemory, type RecentAnomaly, type Topology } from './related-anomaly-memory';
import { selectActions } from './select-actions';

/** Default correlation window for related devices: 10 min. */
export const DEFAULT_CORRELATION_WINDOW_MS = 10 * 60_000;

/** Default longest re-explanation of an episode after its latest anomalous reading: 1 h. */
export const DEFAULT_EPISODE_MAX_MS = 60 * 60_000;

/** Options of {@link Explainer}. */
export interface ExplainerOptions {
  /**
   * Units, labels and topology; default: an empty fleet (documented defaults for every device).
   * A metric's unit is the fleet's, else the one the detector reported, else the playbook's
   * (`metrics[name].unit`), else none: the value is then printed bare, never read as a power or
   * radio metric, and moves in its own numbers (never in percentage points). Likewise a metric's
   * label and physical range fall back to the playbook's label and plausible range.
   */
  registry?: FleetRegistry;
  /** Playbook overrides keyed by device type (object or JSON text, see `parsePlaybookOverrides`), or a ready library. */
  playbooks?: PlaybookLibrary | unknown;
  /** Window (event time, ms, > 0) in which anomalies of neighbouring devices count as related. Default 600 000. */
  correlationWindowMs?: number;
  /** Anomalies remembered per device (default 16) and devices remembered (default 10 000). */
  maxPerDevice?: number;
  maxDevices?: number;
  /**
   * How long after a device's latest anomalous reading its readings are still re-explained while
   * a metric of the episode stays away from its normal level (event time, ms, > 0). Default 1 h.
   */
  episodeMaxMs?: number;
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
  private readonly episodes: DeviceEpisodes;

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
    this.episodes = new DeviceEpisodes({
      idleMs: options.episodeMaxMs ?? DEFAULT_EPISODE_MAX_MS,
      maxDevices: options.maxDevices,
    });
  }

  /**
   * Explains a batch in order: every item is validated first (nothing is remembered from a bad
   * batch), then anomalous items get a copy with `explanation` (`phase` `onset`, or `recovery`
   * when the anomaly is a metric of the device's episode returning to its normal level). A
   * normal item of a device in an episode whose metrics have not all returned to normal is
   * re-explained too (`phase` `ongoing`), so the open alert follows the evidence as it
   * accumulates; other normal items pass unchanged.
   * @param items - Detection objects.
   * @throws InputError `bad_detection` naming the first invalid item (`payload[3].reading.tsMs: …`).
   */
  process(items: unknown[]): Detection[] {
    items.forEach((item, i) => assertDetection(item, `payload[${i}]`));
    return (items as Detection[]).map((d) => {
      if (d.score.isAnomaly) return { ...d, explanation: this.explain(d) };
      const ongoing = this.reexplain(d);
      return ongoing ? { ...d, explanation: ongoing } : d;
    });
  }

  /**
   * Re-explains a normal reading of a device in an episode while some metric of the episode is
   * still away from its normal level (for a stuck episode: still at the stuck value); once all
   * are back the episode is settled (undefined): it is kept a while only to recognise the
   * detector's late flags of the return as a recovery.
   */
  private reexplain(detection: Detection): Explanation | undefined {
    const { deviceId, tsMs, metrics } = detection.reading;
    const episode = this.episodes.get(deviceId, tsMs);
    if (!episode || episode.settledTsMs !== undefined) return undefined;
    const present = episode.metrics.filter((m) => typeof metrics[m.metric] === 'number');
    if (present.length === 0) return undefined;
    const over =
      episode.type === 'stuck_sensor'
        ? present.every((m) => metrics[m.metric] !== m.peakValue)
        : present.every((m) => isBackToNormal(m, metrics[m.metric]));
    if (over) {
      episode.settledTsMs = tsMs;
      return undefined;
    }
    return this.explainIn(detection, episode, 'ongoing').explanation;
  }

  /**
   * Explains one detection (whether or not `score.isAnomaly`) and remembers it for related-device
   * correlation.
   * @throws InputError `bad_detection` when the detection is malformed; `no_metrics` when it has
   * no metric value and no connectivity evidence to explain.
   */
  explain(detection: Detection): Explanation {
    assertDetection(detection);
    const { deviceId, tsMs } = detection.reading;
    const episode = detection.score.isAnomaly ? this.episodes.get(deviceId, tsMs) : undefined;
    let made = this.explainIn(detection, episode, 'onset');
    if (episode?.settledTsMs !== undefined && made.explanation.phase !== 'recovery') {
      // The device had come back: this is a new anomaly, explained on its own.
      this.episodes.end(deviceId);
      made = this.explainIn(detection, undefined, 'onset');
    }
    if (made.record) this.remember(detection, made.record);
    return made.explanation;
  }

  /** Remembers an anomaly for related devices and in the device's episode. */
  private remember(detection: Detection, record: EpisodeRecord): void {
    const { reading } = detection;
    this.memory.record({ ...record.current, type: record.ownType });
    if (record.type === 'connectivity_loss') return;
    this.episodes.record(
      reading.deviceId,
      reading.tsMs,
      record.ownType,
      record.moved.map((v) => ({
        metric: v.ev.metric,
        direction: v.movement.direction as 'up' | 'down',
        expected: v.ev.expected.value,
        value: v.ev.value,
        halfBand: (v.ev.expected.upper - v.ev.expected.lower) / 2,
        mad: v.ev.baseline.mad,
      })),
      record.before,
    );
  }

  private explainIn(
    detection: Detection,
    episode: DeviceEpisode | undefined,
    phase: 'onset' | 'ongoing',
  ): { explanation: Explanation; record?: EpisodeRecord } {
    const { reading } = detection;
    const evidence = readEvidence(detection);
    addConnectivityMetric(detection, evidence);
    if (phase === 'ongoing') {
      // On a normal reading a repeated value the stuck detector did not flag is not a stuck sensor
      // (a flow meter repeats its value while a closed valve holds the flow still).
      for (const ev of Object.values(evidence.metrics))
        if (ev.stuck && !((ev.detectorScores.stuck ?? 0) >= 0.5)) delete ev.stuck;
    }
    const spec = this.registry.device(reading.deviceId);
    const topology: Topology = spec.known
      ? { site: spec.site, zone: spec.zone, line: spec.line }
      : { site: reading.site ?? spec.site, zone: reading.tags?.zone, line: reading.tags?.line };
    const device = { ...spec, zone: topology.zone ?? spec.zone };
    const playbook = this.library.forDeviceType(spec.deviceType);
    // The device's joint state, when its joint model finds it away from normal (above the 99th
    // percentile of its commissioning window), measures each metric against the normal level.
    const joint = jointEvidenceOf(detection);
    const jointLevel = joint && joint.ratio >= 1 ? joint.levelZ : undefined;
    const metrics: Record<string, MetricView> = {};
    for (const [name, ev] of Object.entries(evidence.metrics)) {
      const fleetSpec = this.registry.metric(reading.deviceId, name);
      const known = playbookMetric(playbook, name);
      const unit = fleetSpec.unit || ev.unit || known?.unit || '';
      const range =
        ev.range ??
        (fleetSpec.min !== undefined || fleetSpec.max !== undefined
          ? { min: fleetSpec.min, max: fleetSpec.max }
          : known?.min !== undefined || known?.max !== undefined
            ? { min: known.min, max: known.max }
            : undefined);
      const withFleet: MetricEvidence = anchorToEpisode(
        { ...ev, unit, ...(range ? { range } : {}) },
        episode?.metrics.find((m) => m.metric === name) ?? episode?.before[name],
      );
      metrics[name] = {
        ev: withFleet,
        label: fleetSpec.label ?? known?.label ?? defaultLabel(name),
        unit,
        movement: withJointLevel(
          metricMovement(withFleet, { accuracy: fleetSpec.accuracy }),
          jointLevel?.[name],
        ),
      };
    }
    const ongoingNames = episode
      ? episode.metrics
          .filter((m) => m.metric in metrics && !isBackToNormal(m, metrics[m.metric].ev.value))
          .map((m) => m.metric)
      : [];
    const primaryName = pickPrimary(
      phase === 'ongoing' ? {} : detection.score.contributions,
      metrics,
      playbook.primaryOrder ?? [],
      ongoingNames,
    );
    if (primaryName === undefined) {
      throw new InputError(
        'no_metrics',
        `payload.reading.metrics: device "${reading.deviceId}" at ${reading.tsMs} has no finite metric value to explain`,
      );
    }
    const primary = metrics[primaryName];
    const anomalous = [...new Set([primaryName, ...evidence.combined.anomalousMetrics])];
    const episodeMetric = episode?.metrics.find((m) => m.metric === primaryName);
    const rawPrimary = evidence.metrics[primaryName];
    const present = (episode?.metrics ?? []).filter((m) => m.metric in metrics);
    // An onset while the joint model finds the device's state far from normal (beyond its episode
    // threshold at the default sensitivity) is no return to normal, whatever one metric does.
    const returning =
      phase === 'onset' &&
      !(joint !== undefined && joint.ratio >= JOINT_SETTINGS.enterRatio) &&
      episode !== undefined &&
      episode.type !== 'stuck_sensor' &&
      rawPrimary !== undefined &&
      (episodeMetric !== undefined
        ? rawPrimary.direction !== 'none' &&
          rawPrimary.direction !== episodeMetric.direction &&
          isReturning(episodeMetric, rawPrimary.value)
        : present.length > 0 && present.every((m) => isBackToNormal(m, metrics[m.metric].ev.value)));
    const current = {
      deviceId: reading.deviceId,
      metric: primaryName,
      direction: primary.movement.direction,
      strength: primary.movement.strength,
      tsMs: reading.tsMs,
      topology,
    };

    const ownOnly = episodeType(
      classifyAnomaly({ reading, evidence, primary: primary.ev, relatedCount: 0 }),
      episode,
      reading.tsMs,
    );
    const deviceSpecific =
      ownOnly.ownType === 'stuck_sensor' ||
      ownOnly.ownType === 'out_of_range' ||
      ownOnly.ownType === 'connectivity_loss';
    const related = deviceSpecific || primaryName === CONNECTIVITY_METRIC ? [] : this.memory.related(current);
    const classification =
      related.length > 0 && !deviceSpecific ? { ...ownOnly, type: 'correlated_event' as const } : ownOnly;
    const recovery = returning && !deviceSpecific;
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
      episodeMetrics: episode?.metrics.map((m) => m.metric) ?? [],
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
      metric: type === 'connectivity_loss' ? CONNECTIVITY_METRIC : primaryName,
      playbook: `${playbook.id}@${playbook.version}`,
      phase: recovery ? 'recovery' : phase,
    };
    const insight = describeInsight(ctx);
    if (insight) explanation.insight = insight;
    if (phase !== 'onset' || recovery) return { explanation };
    const moved = Object.values(metrics).filter(
      (v) =>
        v.ev.metric !== CONNECTIVITY_METRIC &&
        v.movement.direction !== 'none' &&
        (v === primary || v.movement.strength >= SIGNIFICANT_STRENGTH),
    );
    const before: DeviceEpisode['before'] = {};
    for (const v of Object.values(metrics))
      if (v.ev.metric !== CONNECTIVITY_METRIC)
        before[v.ev.metric] = {
          normalValue: v.ev.expected.value,
          halfBand: (v.ev.expected.upper - v.ev.expected.lower) / 2,
          mad: v.ev.baseline.mad,
        };
    return { explanation, record: { before, current, type, ownType: classification.ownType, moved } };
  }

  /**
   * Replaces the playbook overrides in use (see `PlaybookLibrary.update`): when they fail
   * validation nothing changes and the previous playbooks stay in use.
   * @returns `id@version` of each override now in use, keyed by device type.
   * @throws ConfigError naming the device type, the JSON path and the reason.
   */
  updatePlaybooks(overrides: unknown): Record<string, string> {
    return this.library.update(overrides);
  }

  /** Playbook updates refused since construction (see {@link Explainer.updatePlaybooks}). */
  get rejectedPlaybookUpdates(): number {
    return this.library.rejectedUpdates;
  }

  /** Forgets the remembered anomalies and episodes. */
  reset(): void {
    this.memory.clear();
    this.episodes.clear();
  }
}

/** What an onset leaves in the explainer's memories. */
interface EpisodeRecord {
  /** Every metric's expected value and noise scale at this reading (the level before a new episode). */
  before: DeviceEpisode['before'];
  current: Omit<RecentAnomaly, 'type'>;
  type: AnomalyType;
  ownType: AnomalyType;
  moved: MetricView[];
}

/** Contributions within this fraction of the top one count as a tie (the detector does not tell them apart). */
export const PRIMARY_TIE_RATIO = 0.8;

/**
 * The metric the explanation is about: the one with the highest contribution. Metrics whose
 * contribution is within {@link PRIMARY_TIE_RATIO} of the top one tie, and so do the metrics of
 * the device's episode that are still away from their normal level (`ongoing`: the episode is
 * one story, so a later echo does not take it over). A tie goes to the metric listed first in
 * the playbook's `primaryOrder` (the cause rather than its physical echo, e.g. temperature over
 * the relative humidity it pushes down), then the larger deviation in band half-widths, then the
 * higher metric score, then the name.
 */
function pickPrimary(
  contributions: unknown,
  metrics: Record<string, MetricView>,
  order: string[],
  ongoing: string[] = [],
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
  const tied =
    top > 0 || ongoing.length > 0
      ? names.filter((n) => (top > 0 && share(n) >= PRIMARY_TIE_RATIO * top) || ongoing.includes(n))
      : names;
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

/**
 * The anomaly type within an episode: the type of its first reading, so the explanation of one
 * event does not flip between spike and drift as the detector's band widens. A device-specific
 * type (stuck, out of range, connectivity) of the reading itself always stands, and an episode
 * that began stuck or out of range stays so; a spike or drop older than
 * {@link SHORT_EXCURSION_MS} is a level shift (it jumped and stayed).
 */
function episodeType(own: Classification, episode: DeviceEpisode | undefined, tsMs: number): Classification {
  if (!episode || own.ownType === 'stuck_sensor' || own.ownType === 'out_of_range') return own;
  if (own.ownType === 'connectivity_loss') return own;
  const first = episode.type as AnomalyType;
  if (first === 'stuck_sensor' || first === 'out_of_range')
    return {
      ...own,
      ownType: first,
      type: first,
      excursionMs: Math.max(own.excursionMs, tsMs - episode.startTsMs),
    };
  if (!['spike', 'drop', 'drift', 'level_shift'].includes(first)) return own;
  const excursionMs = Math.max(own.excursionMs, tsMs - episode.startTsMs);
  const ownType: AnomalyType =
    (first === 'spike' || first === 'drop') && excursionMs > SHORT_EXCURSION_MS ? 'level_shift' : first;
  return { ...own, ownType, type: ownType, excursionMs };
}

/**
 * Within an episode the detector's expected value and noise scale follow the excursion (it learns
 * the new level and widens its band); the explanation compares an episode metric with its level
 * and noise scale before the episode instead (its expected value, band half-width and MAD when it
 * first went anomalous), so the evidence keeps describing the whole event.
 */
function anchorToEpisode(
  ev: MetricEvidence,
  m: Pick<EpisodeMetric, 'normalValue' | 'halfBand' | 'mad'> | undefined,
): MetricEvidence {
  if (!m) return ev;
  const direction =
    ev.value > m.normalValue + m.halfBand ? 'up' : ev.value < m.normalValue - m.halfBand ? 'down' : 'none';
  return {
    ...ev,
    direction,
    baseline: { ...ev.baseline, median: m.normalValue, mad: m.mad },
    expected: { value: m.normalValue, lower: m.normalValue - m.halfBand, upper: m.normalValue + m.halfBand },
  };
}

/**
 * The playbook's spec of a metric (exact name, else case-insensitive), which supplies the unit,
 * label and plausible range of a metric the fleet declares without them.
 */
function playbookMetric(playbook: Playbook, name: string): PlaybookMetric | undefined {
  const specs = playbook.metrics;
  if (!specs) return undefined;
  if (specs[name]) return specs[name];
  const lower = name.toLowerCase();
  const key = Object.keys(specs).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : specs[key];
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

/** The joint-state evidence of a detection, when it carries a well-formed one. */
function jointEvidenceOf(detection: Detection): JointEvidence | undefined {
  const evidence = detection.score.evidence as { joint?: unknown } | null | undefined;
  const joint =
    evidence && typeof evidence === 'object' ? (evidence.joint as JointEvidence | undefined) : undefined;
  if (!joint || typeof joint !== 'object' || !Number.isFinite(joint.ratio)) return undefined;
  if (joint.levelZ !== undefined && (joint.levelZ === null || typeof joint.levelZ !== 'object'))
    return { ...joint, levelZ: undefined };
  return joint;
}
