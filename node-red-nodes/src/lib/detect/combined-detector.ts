import {
  InputError,
  type Adaptation,
  type AnomalyScore,
  type DetectionEvidence,
  type Reading,
} from '../contracts';
import { FleetRegistry } from '../fleet/fleet-registry';
import type { DetectConfig } from './detect-config';
import {
  JointStateDetector,
  type JointDetectorSnapshot,
  type JointReadingScore,
} from './joint-state-detector';
import { StreamingDetector, type DetectorSnapshot } from './streaming-detector';

/** Name reported in {@link AnomalyScore.detector} when the joint-state detector gave the score. */
export const JOINT_DETECTOR_NAME = 'lucid-joint';

/** State of a {@link CombinedDetector}: the streaming detector's snapshot plus the joint detector's. */
export interface CombinedDetectorSnapshot extends DetectorSnapshot {
  joint?: JointDetectorSnapshot;
}

/**
 * Combines a metric's univariate share and its joint (conditional-residual) share into one
 * contribution per metric. Each detector's shares (each summing to 1) are weighted by that
 * detector's score on the reading, so the detector that found the anomaly explains it; with both
 * scores 0, each counts equally. The result sums to 1 over the reading's metrics (all 0 when
 * neither detector attributes anything). A metric the joint model does not cover (constant in the
 * commissioning window, or new) gets only its univariate share.
 *
 * Ties: metrics with exactly equal contributions are ranked by name, in code-point order
 * ({@link rankContributions}).
 *
 * @param univariate - the streaming detector's contributions (shares of surprise).
 * @param joint - shares of the squared standardised conditional residuals, or undefined.
 */
export function combineContributions(
  univariate: Record<string, number>,
  univariateScore: number,
  joint: Record<string, number> | undefined,
  jointScore: number,
): Record<string, number> {
  if (!joint) return univariate;
  let uniTotal = 0;
  for (const k in univariate) uniTotal += univariate[k];
  let wu = uniTotal > 0 ? Math.max(univariateScore, 0) : 0;
  let wj = Math.max(jointScore, 0);
  if (wu === 0 && wj === 0) {
    wu = uniTotal > 0 ? 1 : 0;
    wj = 1;
  }
  const out: Record<string, number> = {};
  let total = 0;
  for (const k in univariate) {
    const v = (wu * (uniTotal > 0 ? univariate[k] / uniTotal : 0) + wj * (joint[k] ?? 0)) / (wu + wj);
    out[k] = v;
    total += v;
  }
  for (const k in out) out[k] = total > 0 ? out[k] / total : 0;
  return out;
}

/**
 * Metric names by contribution, largest first; equal contributions in code-point order of the
 * name (the documented tie rule of Lucid's contributions).
 */
export function rankContributions(contributions: Record<string, number>): string[] {
  return Object.keys(contributions).sort((a, b) => {
    const d = contributions[b] - contributions[a];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Lucid's default detector: the per-metric {@link StreamingDetector} and, for devices whose
 * readings carry two or more metrics, the per-device {@link JointStateDetector} (fitted on the
 * device's first `config.jointFitReadings` readings).
 *
 * Per reading:
 * - `score` is the larger of the two; `isAnomaly` is a streaming onset or a joint episode's onset;
 * - `episode.active` is true while the joint episode lasts (hysteresis) or on a streaming onset;
 *   `episode.sinceTsMs` is when it opened;
 * - `contributions` are {@link combineContributions} of both; `evidence.joint` carries the joint
 *   statistic and each metric's conditional residual.
 *
 * Until a device's model is fitted the result is exactly the streaming detector's plus
 * `episode`. Threshold adaptations raise the joint cut-off as they raise the device's.
 */
export class CombinedDetector {
  readonly streaming: StreamingDetector;
  readonly joint: JointStateDetector;

  constructor(
    readonly config: DetectConfig,
    readonly fleet?: FleetRegistry,
    parts?: { streaming?: StreamingDetector; joint?: JointStateDetector },
  ) {
    this.streaming = parts?.streaming ?? new StreamingDetector(config, fleet);
    this.joint = parts?.joint ?? new JointStateDetector(config.jointFitReadings, config.maxSeries);
  }

  /** Number of device-metric series the streaming detector tracks. */
  get seriesCount(): number {
    return this.streaming.seriesCount;
  }

  /**
   * Scores one reading and learns from it.
   * @throws InputError as {@link StreamingDetector.detect}, before touching any state.
   */
  detect(reading: Reading): AnomalyScore {
    return this.withJoint(reading, this.streaming.detect(reading));
  }

  /**
   * Scores readings in order; a bad reading rejects the batch without changing any state.
   * @throws InputError naming the index of the first bad reading.
   */
  detectBatch(readings: Reading[]): AnomalyScore[] {
    const scores = this.streaming.detectBatch(readings);
    for (let i = 0; i < scores.length; i++) scores[i] = this.withJoint(readings[i], scores[i]);
    return scores;
  }

  /**
   * Scores readings against a copy of their devices' current state, leaving this detector
   * unchanged: the read-only counterpart of {@link detectBatch} (used by the scoring API, so a
   * reading scored there and also received by the flow is learned once, by the flow). Within the
   * call the readings are scored in order on the copy, each learning into it as in
   * {@link detectBatch}, so a batch of one device's consecutive readings scores as the flow would
   * score them next. Cost: copying the devices' state, O(series × window), plus the scoring.
   * @throws InputError naming the index of the first bad reading (nothing is scored then).
   */
  evaluate(readings: Reading[]): AnomalyScore[] {
    if (!Array.isArray(readings))
      throw new InputError('invalid_reading', `readings: expected an array, got ${typeof readings}`);
    const ids: string[] = [];
    for (const r of readings)
      if (r !== null && typeof r === 'object' && typeof r.deviceId === 'string') ids.push(r.deviceId);
    return this.copyOf(ids).detectBatch(readings);
  }

  /**
   * A detector holding a copy of some devices' state (streaming series, joint model, adaptations)
   * and nothing else: scoring on it never changes this one. Unknown ids are skipped (they start
   * fresh in the copy). O(series of the devices × window).
   */
  copyOf(deviceIds: Iterable<string>): CombinedDetector {
    const ids = [...deviceIds];
    return new CombinedDetector(this.config, this.fleet, {
      streaming: this.streaming.copyDevices(ids),
      joint: this.joint.copyDevices(ids),
    });
  }

  /**
   * Forgets a device's streaming state and its joint detector's time and episode state (after a
   * clock jump); the fitted joint model is kept, since the device's normal state has not changed.
   * @returns whether the streaming detector knew the device.
   */
  forgetDevice(deviceId: string): boolean {
    this.joint.resetClock(deviceId);
    return this.streaming.forgetDevice(deviceId);
  }

  /**
   * Applies an operator adaptation: `threshold` as {@link StreamingDetector.applyAdaptation};
   * `new_normal` refits the device's joint-state detector on a new commissioning window (its
   * revert restores the previous model; an id applied before is ignored).
   * @throws InputError when the adaptation is malformed (`new_normal` without a `deviceId`).
   */
  applyAdaptation(a: Adaptation): void {
    this.streaming.applyAdaptation(a);
    if (a.kind !== 'new_normal') return;
    if (typeof a.deviceId !== 'string' || a.deviceId === '') {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.deviceId is ${JSON.stringify(a.deviceId)}; expected the device whose state is the new normal`,
      );
    }
    if (a.revertedMs !== undefined) this.joint.revertRefit(a.deviceId, a.id);
    else this.joint.refit(a.deviceId, a.id);
  }

  /** The decision cut-off of a device (and metric) at an event time, with adaptations. */
  cutoff(deviceId: string, metric?: string, tsMs = Infinity): number {
    return this.streaming.cutoff(deviceId, metric, tsMs);
  }

  snapshot(): CombinedDetectorSnapshot {
    return { ...this.streaming.snapshot(), joint: this.joint.snapshot() };
  }

  /**
   * Rebuilds a detector from {@link snapshot} output, or from a streaming detector's snapshot
   * (the joint detector then starts commissioning afresh). Joint devices with corrupt state are
   * dropped one by one (they recommission); the others keep theirs.
   * @param onSkip - called once per streaming entry dropped as corrupt (see {@link StreamingDetector.restore}).
   * @throws InputError (`invalid_snapshot`) as {@link StreamingDetector.restore}.
   */
  static restore(
    snapshot: CombinedDetectorSnapshot,
    config: DetectConfig,
    fleet?: FleetRegistry,
    onSkip?: (reason: string) => void,
  ): CombinedDetector {
    const streaming = StreamingDetector.restore(snapshot, config, fleet, onSkip);
    let joint: JointStateDetector | undefined;
    if (snapshot.joint !== undefined) {
      try {
        joint = JointStateDetector.restore(
          snapshot.joint,
          config.jointFitReadings,
          config.maxSeries,
        ).detector;
      } catch {
        joint = undefined;
      }
    }
    return new CombinedDetector(config, fleet, { streaming, joint });
  }

  private withJoint(reading: Reading, s: AnomalyScore): AnomalyScore {
    const j: JointReadingScore = this.joint.score(
      reading.deviceId,
      reading.tsMs,
      reading.metrics,
      this.streaming.cutoff(reading.deviceId, undefined, reading.tsMs),
    );
    if (j.evidence) {
      (s.evidence as DetectionEvidence).joint = j.evidence;
      s.contributions = combineContributions(s.contributions, s.score, j.shares, j.score);
      if (j.score > s.score) {
        s.score = j.score;
        s.detector = JOINT_DETECTOR_NAME;
      }
    }
    if (j.onset) s.isAnomaly = true;
    const active = j.active || s.isAnomaly;
    s.episode = active ? { active, sinceTsMs: j.sinceTsMs ?? reading.tsMs } : { active };
    return s;
  }
}
