/**
 * The shapes every part of Lucid agrees on (see DESIGN.md, "Shapes"). Defined once here and
 * imported by the nodes, the CLI, the store API and the Grafana plugins. Field names may grow;
 * they do not fork. Times are epoch milliseconds (`…Ms`), durations are milliseconds.
 */

/** Alert severity, most to least severe. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Severities from most to least severe; index 0 is the most severe. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The reserved metric that carries a device's connectivity (1 = connected, 0 = silent). */
export const CONNECTIVITY_METRIC = 'connectivity';

/**
 * What a device says about its own presence on `tenants/{tenant}/devices/{deviceId}/status`
 * (retained or not; also usable as its MQTT last will). JSON `{"state": "offline", "reason":
 * "planned"}` announces a planned departure: its silence then raises no "Connectivity lost". Any
 * other offline (no reason, another reason, or the plain text `offline`, which is what a last will
 * usually carries) says the link broke. `{"state": "online"}` or the plain text `online` says it is back.
 */
export interface DeviceStatus {
  state: 'online' | 'offline';
  /** Why it goes offline; {@link PLANNED_OFFLINE_REASON} marks a planned departure. At most 64 characters. */
  reason?: string;
}

/** The {@link DeviceStatus.reason} of a planned departure (shutdown, maintenance, a simulator that ends). */
export const PLANNED_OFFLINE_REASON = 'planned';

/**
 * Largest magnitude a reading's value may have, in the metric's fleet unit: ingest refuses
 * |value| > 1e15 (reject code `out_of_bounds`). No physical sensor reports more, and the bound
 * keeps every later stage finite: squares (1e30), sums over windows and float32 model inputs
 * stay far below the largest double (1.8e308) and float32 (3.4e38).
 */
export const MAX_ABS_READING_VALUE = 1e15;

/**
 * One device's telemetry at one instant, after ingest has validated it and normalised units
 * (to the unit declared for the metric in `lucid-fleet`) and the timestamp (to `tsMs`).
 */
export interface Reading {
  deviceId: string;
  /** Event time of the sample, epoch ms. */
  tsMs: number;
  /** Metric name → finite value in the metric's fleet unit, |value| ≤ {@link MAX_ABS_READING_VALUE}. */
  metrics: Record<string, number>;
  site?: string;
  tenant?: string;
  /**
   * Free-form labels. `tags.event` is `connectivity_lost` / `connectivity_restored` on the
   * readings the heartbeat watchdog emits (with metric {@link CONNECTIVITY_METRIC}).
   */
  tags?: Record<string, string>;
}

/** The streaming and model detectors that can score a metric. */
export type DetectorKind = 'level' | 'rate' | 'stuck' | 'range' | 'gap' | 'model';

/** Expected value of a metric and its band, in the metric's unit. */
export interface ExpectedBand {
  value: number;
  lower: number;
  upper: number;
}

/**
 * What the detectors saw on one metric of one reading: the evidence `lucid-explain` turns into
 * words. Values are in the metric's fleet unit; rates are per minute.
 */
export interface MetricEvidence {
  metric: string;
  /** Unit symbol from the fleet, e.g. `°C`; empty string when unknown. */
  unit: string;
  value: number;
  /** This metric's anomaly score, 0..1. */
  score: number;
  /** The detector with the highest score, or null while nothing is anomalous. */
  kind: DetectorKind | null;
  /** Score of each detector that ran, 0..1. */
  detectorScores: Partial<Record<DetectorKind, number>>;
  /** Sign of the deviation from the expected value. */
  direction: 'up' | 'down' | 'none';
  /** Robust statistics of the recent window before this reading. */
  baseline: { median: number; mad: number; count: number };
  expected: ExpectedBand;
  /** The change over the rate window: what makes "rose 18 °C in 5 min" possible. */
  change?: {
    fromValue: number;
    toValue: number;
    fromTsMs: number;
    durationMs: number;
    ratePerMin: number;
    /** Typical absolute rate of change per minute for this series (robust). */
    usualRatePerMin: number;
  };
  /** Present while the value has not changed for longer than the stuck threshold. */
  stuck?: { sinceTsMs: number; durationMs: number; value: number };
  /** Physical limits from the fleet, when declared. */
  range?: { min?: number; max?: number };
  /** When the current excursion (consecutive anomalous readings) began, epoch ms. */
  anomalousSinceTsMs?: number;
}

/** Detector evidence carried in {@link AnomalyScore.evidence}. */
export interface DetectionEvidence {
  /** Per metric of the reading. */
  metrics: Record<string, MetricEvidence>;
  /** True while the device's detectors are still learning (score forced to 0). */
  warmingUp: boolean;
  /** Connectivity gap, when the reading reports one or the event time jumped. */
  gap?: { silentForMs: number; expectedIntervalMs: number; lastSeenTsMs: number };
  /** How metric scores were combined into the device score. */
  combined: { method: string; anomalousMetrics: string[] };
  /**
   * Set while the device re-warms after its event clock jumped (lucid-detect's clock guard): the
   * reading is scored and learned from but not flagged. `kind` and `previousTsMs` (the device's
   * newest event time before the jump) are on the reading that revealed the jump;
   * `rewarmReadingsLeft` counts the quiet readings still to come.
   */
  clockJump?: {
    kind?: 'backward' | 'forward' | 'resume_gap';
    previousTsMs?: number;
    rewarmReadingsLeft: number;
  };
  /**
   * Evidence of an ONNX model, when one scored this reading. `windowEndTsMs`: with a hop (the
   * model runs every few readings), the reading whose window gave these figures.
   */
  model?: {
    name: string;
    score: number;
    reconstructionError: number;
    imputed: string[];
    windowEndTsMs?: number;
  };
  /** Evidence of the device's joint-state detector, once it has fitted itself (see {@link JointEvidence}). */
  joint?: JointEvidence;
}

/**
 * What the per-device joint-state (multivariate) detector saw on one reading. `statistic` is the
 * Mahalanobis distance² of the device's smoothed, standardised metrics under its fitted normal
 * state; `limit` is the 99th percentile it took over the commissioning window; `ratio` is
 * `statistic / limit`, which the episode decision compares with its thresholds.
 */
export interface JointEvidence {
  statistic: number;
  limit: number;
  ratio: number;
  /**
   * Metric → standardised conditional residual: how many conditional standard deviations the
   * metric is from what the device's other metrics predict for it (signed).
   */
  residualZ: Record<string, number>;
  /**
   * Metric → how far the metric's smoothed value is from the device's normal level, in the joint
   * model's standard deviations (signed, up > 0): each metric's own departure, whatever the others
   * do. Absent in states saved before it existed.
   */
  levelZ?: Record<string, number>;
  /** Event time of the last reading of the commissioning window the model was fitted on, epoch ms. */
  fittedTsMs: number;
  /** Readings the model was fitted on. */
  fitReadings: number;
}

/**
 * Whether a device is inside an anomalous episode at a reading. An episode opens at an onset
 * (a reading with `isAnomaly`) and stays active, with hysteresis, while the device's state stays
 * anomalous; `isAnomaly` remains the onset event, so routing notifies once per episode.
 */
export interface AnomalyEpisode {
  active: boolean;
  /** Event time of the reading that opened the episode, epoch ms; set while active. */
  sinceTsMs?: number;
}

/**
 * Timing that Lucid's nodes carry on a Node-RED message beside its payload. `lucidIngestMs` is
 * the wall-clock time (epoch ms, `Date.now()`) at which the message reached `lucid-ingest`; every
 * later Lucid stage keeps it, and `lucid-store` observes `lucid_pipeline_latency_seconds` from it.
 * It is wall-clock, unlike a reading's `tsMs` (event time), which a replay or simulator may set
 * anywhere in the past or future.
 */
export interface PipelineTiming {
  lucidIngestMs?: number;
}

/** One reading's anomaly score, produced by `lucid-detect`. */
export interface AnomalyScore {
  deviceId: string;
  tsMs: number;
  /** Calibrated anomaly score, 0..1. */
  score: number;
  isAnomaly: boolean;
  /** Name of the detector (or combination) that produced the score. */
  detector: string;
  /** Metric → share of the anomaly, each ≥ 0, summing to 1 (all 0 when nothing contributes). */
  contributions: Record<string, number>;
  expected?: Record<string, ExpectedBand>;
  evidence: DetectionEvidence | unknown;
  /** Episode state of the device at this reading; absent from producers that do not track one. */
  episode?: AnomalyEpisode;
}

/** Anomaly types `lucid-explain` classifies into. */
export type AnomalyType =
  | 'spike'
  | 'drop'
  | 'level_shift'
  | 'drift'
  | 'stuck_sensor'
  | 'out_of_range'
  | 'connectivity_loss'
  | 'correlated_event';

/** Families of probable cause. */
export type CauseFamily = 'sensor_fault' | 'process_anomaly' | 'environment' | 'connectivity_power';

/** What an operator reads, produced by `lucid-explain`. */
export interface Explanation {
  type: AnomalyType | string;
  title: string;
  summary: string;
  causes: {
    cause: string;
    confidence: number;
    evidence: string[];
    family?: CauseFamily | string;
    /** Stable id of the cause (a playbook cause rule id such as `pump.outlet_valve_closure`, or the family for generic causes). */
    id?: string;
  }[];
  actions: { action: string; why: string }[];
  related: { deviceId: string; relation: string; similarity: number }[];
  /** The metric the explanation is about (highest contribution). */
  metric?: string;
  /** Additional insight, e.g. about related devices ("Similar pattern on 2 nearby sensors…"). */
  insight?: string;
  /** Playbook id and version that produced the actions, e.g. `default@1.0.0`. */
  playbook?: string;
  /**
   * Where in the device's anomaly episode this explanation was made: `onset` (an anomalous
   * reading), `ongoing` (a normal reading while a metric of the episode is still away from its
   * normal level: the explanation re-made with the evidence so far), `recovery` (an anomalous
   * reading that is a metric returning to its normal level: the episode is ending, not a new
   * anomaly). Absent from explainers that do not track episodes (read as `onset`).
   */
  phase?: 'onset' | 'ongoing' | 'recovery';
  /**
   * Sentences a language model wrote from this explanation's evidence, when `lucid-explain` has
   * a narrative endpoint and the text passed the grounding check. Absent otherwise: the template
   * `summary` is then the text to show (the deterministic fallback).
   */
  narrative?: Narrative;
}

/**
 * Text a language model wrote for the operator from an explanation's evidence (two or three
 * sentences). It is machine-generated: always shown as such, beside the template text, never
 * instead of the evidence.
 */
export interface Narrative {
  text: string;
  /** Always true: marks the text as written by a model, not by Lucid's templates. */
  generated: true;
  /** The model's name as the endpoint reported it (else as configured), e.g. `llama3.2:3b`. */
  model: string;
  /** {@link narrativeSubject} of the explanation it narrates: the text is valid while that stays the same. */
  subject: string;
  /** Event time of the detection whose explanation the model read, epoch ms. */
  tsMs: number;
  /** Wall-clock time the text passed the grounding check, epoch ms. */
  createdMs: number;
}

/**
 * A narrative that arrived after its detection had gone on (`lucid-explain` never holds the flow
 * for the model): sent on `msg.narrative` to `lucid-route`, which attaches it to the device's open
 * alert when that alert's explanation still has the same subject.
 */
export interface NarrativeUpdate {
  /** Device whose explanation it narrates. */
  deviceId: string;
  /** The reading's tenant; absent → `default`. */
  tenant?: string;
  narrative: Narrative;
}

/**
 * What a narrative is about: anomaly type, metric and top cause (id, else label) of an
 * explanation, joined. Two explanations with the same subject can share a narrative; numbers that
 * change from reading to reading are not part of it.
 */
export function narrativeSubject(x: Pick<Explanation, 'type' | 'metric' | 'causes'>): string {
  let best: Explanation['causes'][number] | undefined;
  for (const c of x.causes) if (!best || c.confidence > best.confidence) best = c;
  return [x.type, x.metric ?? '', best ? (best.id ?? best.cause) : ''].join('|');
}

/**
 * What travels from `lucid-detect` through `lucid-explain` to `lucid-route`: one per reading.
 * `msg.payload` is one Detection or an array of them (a batch stays a batch).
 */
export interface Detection {
  reading: Reading;
  score: AnomalyScore;
  /** Added by `lucid-explain` when `score.isAnomaly`. */
  explanation?: Explanation;
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved' | 'suppressed';

/** An alert, de-duplicated by fingerprint, produced by `lucid-route`. */
export interface Alert {
  id: string;
  /** Stable de-duplication key: device + metric + type. */
  fingerprint: string;
  incidentId: string;
  deviceId: string;
  site?: string;
  zone?: string;
  tenant?: string;
  metric?: string;
  severity: Severity;
  /** 0..100, higher first. */
  priority: number;
  status: AlertStatus;
  firstSeenMs: number;
  lastSeenMs: number;
  resolvedMs?: number;
  /** How many anomalous detections this alert has absorbed. */
  count: number;
  score: AnomalyScore;
  explanation: Explanation;
  signature?: string;
  prevHash?: string;
  /**
   * Every device of the event, the alert's own `deviceId` first, when neighbours that moved the
   * same way (a correlated zone event) were folded into this one alert; absent for one device.
   */
  deviceIds?: string[];
  /** How the explanation changed while the alert was open, oldest first (at most 10 changes). */
  explanationHistory?: ExplanationChange[];
}

/** One change of an open alert's explanation (re-explained as evidence accumulated). */
export interface ExplanationChange {
  /** Event time of the detection that changed it, epoch ms. */
  tsMs: number;
  /** Device whose detection changed it. */
  deviceId: string;
  type: string;
  title: string;
  /** The top cause then (label, id and confidence 0..1), when there was one. */
  cause?: string;
  causeId?: string;
  confidence?: number;
  /** The top cause's evidence lines then (at most {@link MAX_HISTORY_EVIDENCE_LINES}). */
  evidence?: string[];
}

/** Evidence lines an {@link ExplanationChange} keeps of its top cause. */
export const MAX_HISTORY_EVIDENCE_LINES = 3;

/** A change to an alert, as `lucid-route` (and later the store) emits it. */
export interface AlertEvent {
  kind: 'opened' | 'updated' | 'acknowledged' | 'resolved' | 'suppressed';
  alert: Alert;
  tsMs: number;
  /** Who caused the change (`lucid-route` for automatic ones). */
  by: string;
}

/** A group of alerts with a common cause: same site/zone in a window, or same root device. */
export interface Incident {
  id: string;
  site?: string;
  zone?: string;
  rootDeviceId: string;
  alertIds: string[];
  deviceIds: string[];
  severity: Severity;
  topPriority: number;
  openedMs: number;
  lastSeenMs: number;
  status: 'open' | 'resolved';
  title: string;
}

/** A notification ready for a delivery node (e.g. core `http request`). */
export interface Notification {
  channel: 'slack' | 'webhook';
  alertId: string;
  incidentId: string;
  /** Slack Block Kit message or generic webhook JSON. */
  payload: unknown;
}

/** An operator's verdict on an alert. */
export interface Feedback {
  alertId: string;
  verdict:
    'useful' | 'not_useful' | 'false_positive' | 'expected' | 'maintenance' | 'acknowledge' | 'resolve';
  user: string;
  comment?: string;
  tsMs: number;
}

/** Every operator verdict, in the order the store documents them (and its feedback-count columns use). */
export const FEEDBACK_VERDICTS: readonly Feedback['verdict'][] = [
  'useful',
  'not_useful',
  'false_positive',
  'expected',
  'maintenance',
  'acknowledge',
  'resolve',
];

/** A silence: matching alerts are suppressed until `untilMs`. Unset matchers match anything. */
export interface Silence {
  id: string;
  deviceId?: string;
  site?: string;
  zone?: string;
  metric?: string;
  type?: string;
  fingerprint?: string;
  untilMs: number;
  reason?: string;
  createdBy?: string;
}

/** Ground truth that `lucid-simulate` attaches to each reading (`msg.truth`). */
export interface GroundTruth {
  /** Incident type injected on this device at this instant, or null when normal. */
  incident: string | null;
  /** Id of the injected incident (shared by all devices it affects). */
  incidentId?: string;
  /** Expected anomaly type that `lucid-explain` should report. */
  expectedType?: AnomalyType;
  startTsMs?: number;
  endTsMs?: number;
}

/** Every {@link Adaptation} kind, in the order the store and the API document them. */
export const ADAPTATION_KINDS = [
  'threshold',
  'suppress',
  'silence',
  'priority_weight',
  'new_normal',
] as const;
export type AdaptationKind = (typeof ADAPTATION_KINDS)[number];

/**
 * A change to detection or routing made from operator feedback (by `lucid-feedback`), sent to
 * `lucid-detect` and `lucid-route` as `msg.adaptation`. Reverting sends the same id with
 * `revertedMs` set. Unset matchers match anything.
 * - `threshold`: raise the anomaly cut-off of a series (`deviceId` + optional `metric`) by `value` (0..1).
 * - `suppress`: suppress alerts of `fingerprint` until `untilMs`.
 * - `silence`: a silence window (same matchers as {@link Silence}) until `untilMs`.
 * - `priority_weight`: multiply the priority of alerts of `type` (optionally on `deviceId`) by `value` (> 0).
 * - `new_normal`: the operator accepts the current state of `deviceId` as its new normal: its
 *   joint-state detector refits on a new commissioning window (lucid-detect); reverting restores
 *   the model it had. Applying the same id again (e.g. re-sent after a restart) changes nothing.
 */
export interface Adaptation {
  id: string;
  kind: AdaptationKind;
  deviceId?: string;
  metric?: string;
  fingerprint?: string;
  type?: string;
  site?: string;
  zone?: string;
  value?: number;
  untilMs?: number;
  createdBy: string;
  reason: string;
  /** The feedback that caused it, when any. */
  alertId?: string;
  tsMs: number;
  revertedMs?: number;
}
