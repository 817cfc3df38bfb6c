import { ConfigError, InputError } from '../contracts/errors';
import {
  ADAPTATION_KINDS,
  CONNECTIVITY_METRIC,
  type Adaptation,
  type Alert,
  type AlertEvent,
  type Detection,
  type DetectionEvidence,
  type Explanation,
  type ExplanationChange,
  type Incident,
  type Narrative,
  type Notification,
  type Silence,
  MAX_HISTORY_EVIDENCE_LINES,
  narrativeSubject,
} from '../contracts/types';
import type { FleetRegistry } from '../fleet/fleet-registry';
import { alertFingerprint, shortHash } from './fingerprint';
import {
  NotificationRateLimiter,
  type DroppedSummary,
  type RateLimiterState,
} from './notification-rate-limiter';
import { computePriority } from './priority';
import { CHANNELS, type ChannelName, type RouteOptions } from './route-options';
import { severityRank } from './severity-rank';
import { parseSilence, silenceMatches, type SilenceTarget } from './silence-matcher';
import { buildSlackMessage, buildSlackSummary } from './slack-message';
import { buildWebhookPayload, buildWebhookSummary } from './webhook-payload';

/** Who `lucid-route` names as the author of the changes it makes. */
export const ROUTER_ACTOR = 'lucid-route';

/** A detection `route` could not use, by its index in the batch. */
export interface InvalidDetection {
  index: number;
  code: string;
  message: string;
}

/** What one call to {@link AlertRouter.route} produced, in event order. */
export interface RouteResult {
  /** `opened`, `updated` and `suppressed` events (output 1). */
  events: AlertEvent[];
  /** Notifications ready to deliver (output 2), summaries of rate-limited ones included. */
  notifications: Notification[];
  /** `resolved` events (output 3). */
  resolved: AlertEvent[];
  /** The final state of every incident the batch touched (opened, grown or resolved). */
  incidents: Incident[];
  /** Detections that were not valid and were skipped. */
  invalid: InvalidDetection[];
}

/** Counters since the state began (they survive {@link AlertRouter.snapshot}/restore). */
export interface RouteCounters {
  detections: number;
  anomalous: number;
  invalid: number;
  opened: number;
  updated: number;
  suppressed: number;
  resolved: number;
  notifications: number;
}

/** A device of an open alert and its current run of normal readings. */
interface MemberState {
  /** Start of the current run of normal readings of the device, or null. */
  normalSinceMs: number | null;
  normalCount: number;
}

/** Alerts are kept per device and kind of problem: its measurements, or its connectivity. */
type AlertClass = 'measurement' | 'connectivity';

interface OpenAlertState {
  key: string;
  tenant: string;
  type: string;
  alert: Alert;
  /** Event time of the last `opened`/`updated` event emitted. */
  lastEmittedMs: number;
  /** Whether an opening notification went out (or was counted by the rate limit). */
  notified: boolean;
  class: AlertClass;
  /** Device id → its normal run; the alert resolves when every device has read normal long enough. */
  members: Record<string, MemberState>;
}

/** An alert's explanation history keeps at most this many changes (the newest). */
export const MAX_EXPLANATION_HISTORY = 10;

interface PendingState {
  key: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

interface IncidentState {
  tenant: string;
  incident: Incident;
  /** Keys of the incident's alerts that are still open or suppressed. */
  openKeys: string[];
  rootTitle: string;
}

/** JSON-serializable router state, for Node-RED context (see {@link AlertRouter.snapshot}). */
export interface RouterSnapshot {
  version: 1;
  watermarkMs: number | null;
  alerts: OpenAlertState[];
  pending: PendingState[];
  incidents: IncidentState[];
  silences: Silence[];
  adaptations: Adaptation[];
  /** Alert key → firstSeenMs of its earlier (resolved) alerts within the recurrence window. */
  history: [string, number[]][];
  limiter: RateLimiterState;
  counters: RouteCounters;
}

const emptyCounters = (): RouteCounters => ({
  detections: 0,
  anomalous: 0,
  invalid: 0,
  opened: 0,
  updated: 0,
  suppressed: 0,
  resolved: 0,
  notifications: 0,
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a detection speaks about one metric of its device. */
type Normality = 'normal' | 'anomalous' | 'unknown';

/**
 * Turns detections into alerts an operator can act on: priority and severity, de-duplication
 * by fingerprint, incidents, hysteresis, silences, feedback adaptations, rate-limited
 * notifications (Slack Block Kit and generic webhook JSON).
 *
 * Everything runs on event time (`reading.tsMs`; the router's clock is the highest event time
 * seen, its *watermark*), so a replay gives the same alerts, ids and notifications.
 *
 * - **One alert per device and problem**: at most one alert per tenant, device and class
 *   (`connectivity` when the explanation is a connectivity loss, else `measurement`) is open at
 *   a time (a suppressed alert does not absorb a problem of another fingerprint, which gets its
 *   own), so a spike, the humidity it pushes down and its later drift are one alert. Its
 *   fingerprint is {@link alertFingerprint}(deviceId, metric, type) of the explanation that
 *   opened it (else the top contribution and the detector's kind). A repeat updates it (count,
 *   lastSeenMs, the peak score, the latest explanation, a priority and severity that only rise
 *   while open) and emits `updated` at once when the top cause changed or severity escalated
 *   (notified), else at most once per `updateIntervalMs`.
 * - **Re-explanation**: an explanation with `phase` `ongoing` (a normal reading while the
 *   episode's metrics are still away from normal) replaces the open alert's explanation without
 *   counting as an anomaly; every change of type, title or top cause is kept in
 *   `explanationHistory` (the newest {@link MAX_EXPLANATION_HISTORY}).
 * - **Correlated events**: an anomaly whose explanation names related devices (same zone or
 *   line, moving the same way) joins the open measurement alert of one of them: one incident
 *   alert listing its `deviceIds`, not one alert per device.
 * - **Hysteresis**: an alert opens after `openAfterCount` anomalous detections of its device and
 *   class within `openWindowMs` of the first; it resolves when every device of the alert has
 *   read normal continuously for `resolveAfterMs` (measured from the first normal reading of
 *   the run) or for `resolveAfterCount` readings (when > 0), whichever comes first. An anomalous
 *   or `ongoing` reading restarts the device's run; a `recovery` (a metric of the episode
 *   returning to its normal level, flagged by the detector) counts as normal and opens nothing.
 *   For a connectivity alert any reading that is not itself a connectivity loss is normal.
 * - **Ids**: alert `al-` + 16 hex of SHA-256(tenant, fingerprint, firstSeenMs); incident
 *   `inc-` + 16 hex of SHA-256(tenant, root deviceId, openedMs).
 * - **Incidents**: a new alert joins the open incident that already holds its device, else one
 *   whose root device is among its related devices, else one of the same site + zone whose
 *   last alert is within `incidentWindowMs`; otherwise it opens one with itself as root. An
 *   incident resolves with its last alert.
 * - **Silences** and `suppress`/`silence` adaptations: a matching alert is `suppressed` (one
 *   event, no notification) while the silence lasts; when an anomaly recurs after it ended,
 *   the alert is emitted as `opened` again (same id) and notified.
 * - **Notifications** go out on `opened`, on a severity escalation, and (if `notifyResolved`)
 *   on `resolved` of a notified alert, to each enabled channel whose `minSeverity` the alert
 *   meets, through the channel's rate limit; held-back ones come back as one summary.
 *
 * State is O(open alerts + pending fingerprints + silences + adaptations); each detection
 * costs O(open alerts of its device), a new alert O(open incidents).
 *
 * @example
 * const router = new AlertRouter(resolveRouteOptions({}), new FleetRegistry({}));
 * const { events, notifications, resolved } = router.route(detections);
 */
export class AlertRouter {
  private readonly alerts = new Map<string, OpenAlertState>();
  /** tenant NUL deviceId → keys of its open alerts. */
  private readonly byDevice = new Map<string, Set<string>>();
  private readonly pending = new Map<string, PendingState>();
  private readonly incidentStates = new Map<string, IncidentState>();
  private readonly silenceMap = new Map<string, Silence>();
  private readonly adaptationMap = new Map<string, Adaptation>();
  private readonly history = new Map<string, number[]>();
  private limiter: NotificationRateLimiter;
  private counters: RouteCounters = emptyCounters();
  private watermarkMs: number | null = null;
  private lastPruneMs = -Infinity;

  /**
   * @param options - complete options from `resolveRouteOptions`.
   * @param fleet - the device registry (site, zone, criticality).
   * @param nowMs - wall clock, used only to place a silence's `durationMs` before any detection arrived.
   */
  constructor(
    private readonly options: RouteOptions,
    private readonly fleet: FleetRegistry,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.limiter = new NotificationRateLimiter(options.channels);
  }

  /**
   * A router continuing from a {@link snapshot} (e.g. after a redeploy). Options may differ
   * from the ones the snapshot was taken with.
   * @throws ConfigError when the snapshot is not a version-1 router snapshot.
   */
  static restore(
    options: RouteOptions,
    fleet: FleetRegistry,
    snapshot: unknown,
    nowMs: () => number = Date.now,
  ): AlertRouter {
    const s = snapshot as RouterSnapshot;
    const arrays = ['alerts', 'pending', 'incidents', 'silences', 'adaptations', 'history'] as const;
    if (!isObject(s) || s.version !== 1 || arrays.some((k) => !Array.isArray(s[k])) || !isObject(s.limiter)) {
      throw new ConfigError(
        'state: expected a version 1 lucid-route snapshot with alerts, pending, incidents, silences, adaptations, history and limiter',
      );
    }
    const copy = JSON.parse(JSON.stringify(s)) as RouterSnapshot;
    const router = new AlertRouter(options, fleet, nowMs);
    router.watermarkMs = typeof copy.watermarkMs === 'number' ? copy.watermarkMs : null;
    for (const a of copy.alerts) {
      const old = a as OpenAlertState & { normalSinceMs?: number | null; normalCount?: number };
      a.class ??= a.alert.metric === CONNECTIVITY_METRIC ? 'connectivity' : 'measurement';
      a.members ??= {
        [a.alert.deviceId]: { normalSinceMs: old.normalSinceMs ?? null, normalCount: old.normalCount ?? 0 },
      };
      router.alerts.set(a.key, a);
      for (const deviceId of Object.keys(a.members)) router.indexDevice(a.tenant, deviceId, a.key, true);
    }
    for (const p of copy.pending) router.pending.set(p.key, p);
    for (const i of copy.incidents) router.incidentStates.set(i.incident.id, i);
    for (const sil of copy.silences) router.silenceMap.set(sil.id, sil);
    for (const a of copy.adaptations) router.adaptationMap.set(a.id, a);
    for (const [k, v] of copy.history) router.history.set(k, v);
    router.limiter = new NotificationRateLimiter(options.channels, copy.limiter);
    router.counters = { ...emptyCounters(), ...(copy.counters ?? {}) };
    return router;
  }

  /** A JSON-serializable copy of the whole state; pass it to {@link AlertRouter.restore}. */
  snapshot(): RouterSnapshot {
    return JSON.parse(
      JSON.stringify({
        version: 1,
        watermarkMs: this.watermarkMs,
        alerts: [...this.alerts.values()],
        pending: [...this.pending.values()],
        incidents: [...this.incidentStates.values()],
        silences: [...this.silenceMap.values()],
        adaptations: [...this.adaptationMap.values()],
        history: [...this.history.entries()],
        limiter: this.limiter.snapshot(),
        counters: this.counters,
      }),
    ) as RouterSnapshot;
  }

  /** Open and suppressed alerts (copies), highest priority first. */
  openAlerts(): Alert[] {
    return [...this.alerts.values()]
      .map((s) => copyAlert(s.alert))
      .sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
  }

  /** Open incidents (copies). */
  openIncidents(): Incident[] {
    return [...this.incidentStates.values()].map((s) => this.copyIncident(s.incident));
  }

  /** Silences in force (including those from adaptations), not yet expired at the watermark. */
  silences(): Silence[] {
    return [...this.silenceMap.values()].filter(
      (s) => this.watermarkMs === null || s.untilMs > this.watermarkMs,
    );
  }

  /** Adaptations applied and not reverted. */
  adaptations(): Adaptation[] {
    return [...this.adaptationMap.values()];
  }

  /** Counters, plus notifications held back by the rate limits (`dropped`, `pendingSummary`). */
  stats(): RouteCounters & {
    openAlerts: number;
    openIncidents: number;
    dropped: number;
    pendingSummary: number;
  } {
    const t = this.limiter.totals();
    return {
      ...this.counters,
      openAlerts: this.alerts.size,
      openIncidents: this.incidentStates.size,
      dropped: t.dropped,
      pendingSummary: t.pending,
    };
  }

  /**
   * Routes a batch of detections (anomalous and normal ones) in order.
   *
   * @param detections - `Detection` items; invalid ones are skipped and listed in `invalid`
   *   (code `invalid_detection`), never thrown.
   * @returns the events, notifications, resolutions and touched incidents of the batch.
   */
  route(detections: readonly unknown[]): RouteResult {
    const result: RouteResult = { events: [], notifications: [], resolved: [], incidents: [], invalid: [] };
    const touched = new Set<string>();
    detections.forEach((item, index) => {
      let d: Detection;
      try {
        d = validateDetection(item, index);
      } catch (err) {
        const e = err as InputError;
        result.invalid.push({ index, code: e.code ?? 'invalid_detection', message: e.message });
        this.counters.invalid += 1;
        return;
      }
      this.counters.detections += 1;
      const tsMs = d.reading.tsMs;
      this.watermarkMs = this.watermarkMs === null ? tsMs : Math.max(this.watermarkMs, tsMs);
      const tenant = d.reading.tenant || 'default';
      this.trackNormality(d, tenant, result, touched);
      if (d.score.isAnomaly) this.counters.anomalous += 1;
      const phase = d.explanation?.phase;
      if (d.score.isAnomaly && phase !== 'recovery') this.handleAnomaly(d, tenant, result, touched);
      else if (!d.score.isAnomaly && phase === 'ongoing') this.reexplain(d, tenant, result, touched);
    });
    if (this.watermarkMs !== null) {
      for (const channel of CHANNELS) this.flushSummary(channel, this.watermarkMs, result);
      this.prune(this.watermarkMs);
    }
    result.incidents = [...touched]
      .map((id) => this.incidentStates.get(id)?.incident ?? this.closedIncidents.get(id))
      .filter((i): i is Incident => !!i)
      .map((i) => this.copyIncident(i));
    this.closedIncidents.clear();
    return result;
  }

  /** Incidents resolved during the current `route` call, kept until it returns. */
  private readonly closedIncidents = new Map<string, Incident>();

  /**
   * Adds (or replaces, by id) a silence and suppresses the open alerts it matches at once.
   *
   * @param input - a {@link Silence}, with `durationMs` (from the watermark, or the wall clock
   *   before any detection) instead of `untilMs` if preferred; `id` is derived when missing.
   * @returns the silence as stored and the `suppressed` events of the open alerts it matched.
   * @throws InputError `invalid_silence` (see `parseSilence`).
   */
  addSilence(input: unknown): { silence: Silence; events: AlertEvent[] } {
    const silence = parseSilence(input, this.watermarkMs ?? this.nowMs());
    this.silenceMap.set(silence.id, silence);
    return { silence, events: this.suppressMatching() };
  }

  /**
   * Attaches a narrative that arrived after its detection (see `NarrativeUpdate`) to the open
   * alert of its device whose explanation still has the narrative's subject (same type, metric
   * and top cause): the alert's explanation gets the narrative and an `updated` event is
   * returned. A narrative whose alert has closed, or whose explanation has moved on to another
   * subject, is stale and attaches nowhere (null). Not counted as a detection.
   *
   * @param input - a `NarrativeUpdate` (`msg.narrative`).
   * @throws InputError `invalid_narrative` naming the field that is missing or of the wrong type.
   */
  attachNarrative(input: unknown): AlertEvent | null {
    const u = parseNarrativeUpdate(input);
    const tenant = u.tenant || 'default';
    for (const key of this.byDevice.get(`${tenant}\u0000${u.deviceId}`) ?? []) {
      const st = this.alerts.get(key);
      if (!st || narrativeSubject(st.alert.explanation) !== u.narrative.subject) continue;
      const a = st.alert;
      a.explanation = { ...a.explanation, narrative: u.narrative };
      if (a.status === 'suppressed') return null;
      this.counters.updated += 1;
      const tsMs = Math.max(a.lastSeenMs, u.narrative.tsMs);
      st.lastEmittedMs = Math.max(st.lastEmittedMs, tsMs);
      return { kind: 'updated', alert: copyAlert(a), tsMs, by: ROUTER_ACTOR };
    }
    return null;
  }

  /** Removes a silence (or a silence/suppress adaptation) by id; false when there was none. */
  removeSilence(id: string): boolean {
    return this.silenceMap.delete(id);
  }

  /**
   * Applies a feedback adaptation, or reverts it when `revertedMs` is set.
   * - `suppress`: a silence on `fingerprint` until `untilMs` (or until reverted);
   * - `silence`: a silence with the adaptation's matchers until `untilMs` (or until reverted);
   * - `priority_weight`: multiplies the priority of new and updated alerts matching `type`
   *   (and `deviceId`, `metric`, `site`, `zone` when set) by `value`; weights multiply;
   * - `threshold`, `new_normal`: belong to `lucid-detect`; ignored here (`applied: false`).
   *
   * @returns whether it changed anything, and `suppressed` events for open alerts a new silence matched.
   * @throws InputError `invalid_adaptation` naming the field (missing id/kind, `suppress`
   *   without `fingerprint`, `priority_weight` without a finite `value` > 0, no matcher on a `silence`).
   */
  applyAdaptation(input: unknown): { applied: boolean; events: AlertEvent[] } {
    if (!isObject(input) || typeof input.id !== 'string' || input.id === '') {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.id: expected a non-empty string, got ${JSON.stringify(isObject(input) ? input.id : input)}`,
      );
    }
    const a = input as unknown as Adaptation;
    if (!(ADAPTATION_KINDS as readonly string[]).includes(a.kind)) {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.kind: expected one of ${ADAPTATION_KINDS.join(', ')}, got ${JSON.stringify(a.kind)}`,
      );
    }
    if (a.revertedMs !== undefined && a.revertedMs !== null) {
      const had = this.adaptationMap.delete(a.id);
      const hadSilence = this.silenceMap.delete(a.id);
      return { applied: had || hadSilence, events: [] };
    }
    if (a.kind === 'threshold' || a.kind === 'new_normal') return { applied: false, events: [] };
    if (a.kind === 'priority_weight') {
      if (typeof a.value !== 'number' || !Number.isFinite(a.value) || a.value <= 0) {
        throw new InputError(
          'invalid_adaptation',
          `adaptation.value: expected a finite number > 0 for priority_weight, got ${JSON.stringify(a.value)}`,
        );
      }
      this.adaptationMap.set(a.id, { ...a });
      return { applied: true, events: [] };
    }
    if (a.kind === 'suppress' && (typeof a.fingerprint !== 'string' || a.fingerprint === '')) {
      throw new InputError(
        'invalid_adaptation',
        `adaptation.fingerprint: expected a fingerprint for suppress, got ${JSON.stringify(a.fingerprint)}`,
      );
    }
    const untilMs =
      typeof a.untilMs === 'number' && Number.isFinite(a.untilMs) ? a.untilMs : Number.MAX_SAFE_INTEGER;
    const matchers =
      a.kind === 'suppress'
        ? { fingerprint: a.fingerprint }
        : {
            deviceId: a.deviceId,
            site: a.site,
            zone: a.zone,
            metric: a.metric,
            type: a.type,
            fingerprint: a.fingerprint,
          };
    let silence: Silence;
    try {
      silence = parseSilence(
        { ...matchers, id: a.id, untilMs, reason: a.reason, createdBy: a.createdBy },
        this.watermarkMs ?? this.nowMs(),
      );
    } catch (err) {
      throw new InputError('invalid_adaptation', `adaptation ${a.id}: ${(err as Error).message}`);
    }
    this.adaptationMap.set(a.id, { ...a });
    this.silenceMap.set(silence.id, silence);
    return { applied: true, events: this.suppressMatching() };
  }

  // ---------------------------------------------------------------------------------------

  private indexDevice(tenant: string, deviceId: string, key: string, add: boolean): void {
    const dk = `${tenant}\u0000${deviceId}`;
    let set = this.byDevice.get(dk);
    if (add) {
      if (!set) this.byDevice.set(dk, (set = new Set()));
      set.add(key);
    } else if (set) {
      set.delete(key);
      if (set.size === 0) this.byDevice.delete(dk);
    }
  }

  private activeSilence(target: SilenceTarget): Silence | undefined {
    const now = this.watermarkMs ?? -Infinity;
    for (const s of this.silenceMap.values()) {
      if (s.untilMs > now && silenceMatches(s, target)) return s;
    }
    return undefined;
  }

  private targetOf(alert: Alert, type: string): SilenceTarget {
    return {
      deviceId: alert.deviceId,
      site: alert.site,
      zone: alert.zone,
      metric: alert.metric,
      type,
      fingerprint: alert.fingerprint,
    };
  }

  private suppressMatching(): AlertEvent[] {
    const events: AlertEvent[] = [];
    const tsMs = this.watermarkMs ?? this.nowMs();
    for (const st of this.alerts.values()) {
      if (st.alert.status === 'open' && this.activeSilence(this.targetOf(st.alert, st.type))) {
        st.alert.status = 'suppressed';
        this.counters.suppressed += 1;
        events.push({ kind: 'suppressed', alert: copyAlert(st.alert), tsMs, by: ROUTER_ACTOR });
      }
    }
    return events;
  }

  private feedbackWeight(target: SilenceTarget): number {
    let w = 1;
    for (const a of this.adaptationMap.values()) {
      if (a.kind !== 'priority_weight' || typeof a.value !== 'number') continue;
      const matches =
        (a.type === undefined || a.type === target.type) &&
        (a.deviceId === undefined || a.deviceId === target.deviceId) &&
        (a.metric === undefined || a.metric === target.metric) &&
        (a.site === undefined || a.site === target.site) &&
        (a.zone === undefined || a.zone === target.zone);
      if (matches) w *= a.value;
    }
    return w;
  }

  private recurrences(key: string, tsMs: number): number {
    const list = this.history.get(key);
    if (!list) return 0;
    return list.filter((t) => tsMs - t <= this.options.recurrenceWindowMs).length;
  }

  private priorityOf(
    d: Detection,
    x: Explanation,
    target: SilenceTarget,
    key: string,
    incidentDevices: number,
  ) {
    const topCause = x.causes.reduce(
      (m, c) => Math.max(m, Number.isFinite(c.confidence) ? c.confidence : 0),
      -1,
    );
    return computePriority(
      {
        deviation: d.score.score,
        criticality: this.fleet.device(target.deviceId).criticality,
        confidence: topCause >= 0 ? topCause : d.score.score,
        blastRadius: Math.max(new Set(x.related.map((r) => r.deviceId)).size, incidentDevices),
        recurrence: this.recurrences(key, d.reading.tsMs),
        feedbackWeight: this.feedbackWeight(target),
      },
      this.options.weights,
      this.options.severityThresholds,
    );
  }

  private trackNormality(d: Detection, tenant: string, result: RouteResult, touched: Set<string>): void {
    const deviceId = d.reading.deviceId;
    const keys = this.byDevice.get(`${tenant}\u0000${deviceId}`);
    if (!keys) return;
    const tsMs = d.reading.tsMs;
    for (const key of [...keys]) {
      const st = this.alerts.get(key);
      if (!st) continue;
      const member = (st.members[deviceId] ??= { normalSinceMs: null, normalCount: 0 });
      const n = normality(d, st.class);
      if (n === 'anomalous') {
        member.normalSinceMs = null;
        member.normalCount = 0;
        continue;
      }
      if (n === 'unknown') continue;
      // After a clock jump back the run is measured on the new clock.
      if (member.normalSinceMs === null || tsMs < member.normalSinceMs) member.normalSinceMs = tsMs;
      member.normalCount += 1;
      const settled = Object.values(st.members).every(
        (m) =>
          m.normalSinceMs !== null &&
          (tsMs - m.normalSinceMs >= this.options.resolveAfterMs ||
            (this.options.resolveAfterCount > 0 && m.normalCount >= this.options.resolveAfterCount)),
      );
      if (settled) this.resolve(st, tsMs, result, touched);
    }
  }

  /**
   * The open alert of `deviceId` of this class (its own, or a correlated one it was folded into),
   * an unsuppressed one first.
   */
  private openAlertOf(tenant: string, deviceId: string, cls: AlertClass): OpenAlertState | undefined {
    let suppressed: OpenAlertState | undefined;
    for (const key of this.byDevice.get(`${tenant}\u0000${deviceId}`) ?? []) {
      const st = this.alerts.get(key);
      if (!st || st.class !== cls) continue;
      if (st.alert.status !== 'suppressed') return st;
      suppressed ??= st;
    }
    return suppressed;
  }

  /** An `ongoing` re-explanation: replaces the open alert's explanation; opens nothing. */
  private reexplain(d: Detection, tenant: string, result: RouteResult, touched: Set<string>): void {
    const x = explanationOf(d);
    const st = this.openAlertOf(tenant, d.reading.deviceId, alertClass(x));
    if (st) this.update(st, d, x, result, touched, true);
  }

  private handleAnomaly(d: Detection, tenant: string, result: RouteResult, touched: Set<string>): void {
    const x = explanationOf(d);
    const metric = x.metric ?? '_';
    const type = x.type;
    const cls = alertClass(x);
    const fingerprint = alertFingerprint(d.reading.deviceId, metric, type);
    let key = `${tenant}\u0000${d.reading.deviceId}\u0000${cls}`;
    const tsMs = d.reading.tsMs;
    let open = this.openAlertOf(tenant, d.reading.deviceId, cls) ?? this.correlatedAlert(tenant, x, cls);
    if (open && open.alert.status === 'suppressed' && open.alert.fingerprint !== fingerprint) {
      // A silenced alert does not swallow a different problem of the device: it gets its own.
      key = `${key}\u0000${fingerprint}`;
      open = this.alerts.get(key);
    }
    if (open) {
      this.update(open, d, x, result, touched);
      return;
    }
    let p = this.pending.get(key);
    if (!p || tsMs - p.firstSeenMs > this.options.openWindowMs || tsMs < p.firstSeenMs) {
      p = { key, count: 0, firstSeenMs: tsMs, lastSeenMs: tsMs };
    }
    p.count += 1;
    p.lastSeenMs = Math.max(p.lastSeenMs, tsMs);
    if (p.count < this.options.openAfterCount) {
      this.pending.set(key, p);
      return;
    }
    this.pending.delete(key);
    this.open(d, x, tenant, fingerprint, key, type, p, result, touched);
  }

  /** The open measurement alert of a device the explanation names as related (same zone/line, same way). */
  private correlatedAlert(tenant: string, x: Explanation, cls: AlertClass): OpenAlertState | undefined {
    if (cls !== 'measurement') return undefined;
    for (const r of x.related) {
      const st = this.openAlertOf(tenant, r.deviceId, cls);
      if (st) return st;
    }
    return undefined;
  }

  private open(
    d: Detection,
    x: Explanation,
    tenant: string,
    fingerprint: string,
    key: string,
    type: string,
    p: PendingState,
    result: RouteResult,
    touched: Set<string>,
  ): void {
    const deviceId = d.reading.deviceId;
    const spec = this.fleet.device(deviceId);
    const site = d.reading.site || spec.site;
    const zone = spec.zone;
    const id = `al-${shortHash([tenant, fingerprint, p.firstSeenMs], 16)}`;
    const inc = this.incidentFor(tenant, deviceId, site, zone, x, d.reading.tsMs);
    const target: SilenceTarget = { deviceId, site, zone, metric: x.metric ?? '_', type, fingerprint };
    const others = inc ? inc.incident.deviceIds.filter((dev) => dev !== deviceId).length : 0;
    const pr = this.priorityOf(d, x, target, key, others);
    const silenced = this.activeSilence(target);
    const alert: Alert = {
      id,
      fingerprint,
      incidentId: '',
      deviceId,
      site,
      zone,
      tenant,
      metric: x.metric ?? '_',
      severity: pr.severity,
      priority: pr.priority,
      status: silenced ? 'suppressed' : 'open',
      firstSeenMs: p.firstSeenMs,
      lastSeenMs: p.lastSeenMs,
      count: p.count,
      score: d.score,
      explanation: x,
      explanationHistory: [historyEntry(d, x)],
    };
    const st: OpenAlertState = {
      key,
      tenant,
      type,
      alert,
      lastEmittedMs: d.reading.tsMs,
      notified: false,
      class: alertClass(x),
      members: { [deviceId]: { normalSinceMs: null, normalCount: 0 } },
    };
    this.alerts.set(key, st);
    this.indexDevice(tenant, deviceId, key, true);
    const incident = this.joinIncident(inc, st, x, d.reading.tsMs);
    touched.add(incident.id);
    const event: AlertEvent = {
      kind: silenced ? 'suppressed' : 'opened',
      alert: copyAlert(alert),
      tsMs: d.reading.tsMs,
      by: ROUTER_ACTOR,
    };
    result.events.push(event);
    if (silenced) {
      this.counters.suppressed += 1;
    } else {
      this.counters.opened += 1;
      st.notified = this.notify(event, incident, result);
    }
  }

  private update(
    st: OpenAlertState,
    d: Detection,
    x: Explanation,
    result: RouteResult,
    touched: Set<string>,
    ongoing = false,
  ): void {
    const a = st.alert;
    const tsMs = d.reading.tsMs;
    const deviceId = d.reading.deviceId;
    const inc = this.incidentStates.get(a.incidentId);
    if (!(deviceId in st.members)) {
      st.members[deviceId] = { normalSinceMs: null, normalCount: 0 };
      a.deviceIds = [...(a.deviceIds ?? [a.deviceId]), deviceId];
      this.indexDevice(st.tenant, deviceId, st.key, true);
      if (inc && !inc.incident.deviceIds.includes(deviceId)) inc.incident.deviceIds.push(deviceId);
    }
    // A correlated event stays one: a member's own view (its neighbours out of the correlation
    // window, or not yet in it) does not replace the explanation that names them.
    const adopt =
      a.explanation.type !== 'correlated_event' ||
      (x.type === 'correlated_event' && x.related.length >= a.explanation.related.length);
    const causeChanged = adopt && topCauseId(a.explanation) !== topCauseId(x);
    if (adopt) {
      if (causeChanged || a.explanation.title !== x.title || a.explanation.type !== x.type)
        a.explanationHistory = [...(a.explanationHistory ?? []), historyEntry(d, x)].slice(
          -MAX_EXPLANATION_HISTORY,
        );
      const kept = a.explanation.narrative;
      a.explanation =
        !x.narrative && kept && kept.subject === narrativeSubject(x) ? { ...x, narrative: kept } : x;
    }
    if (!ongoing) {
      a.count += 1;
      a.lastSeenMs = Math.max(a.lastSeenMs, tsMs);
      if (d.score.score >= a.score.score) a.score = d.score;
    }
    const others = inc ? inc.incident.deviceIds.filter((dev) => dev !== a.deviceId).length : 0;
    const target = this.targetOf(a, st.type);
    const before = a.severity;
    if (!ongoing) {
      const pr = this.priorityOf(d, x, target, st.key, others);
      if (pr.priority > a.priority) {
        a.priority = pr.priority;
        if (severityRank(pr.severity) > severityRank(a.severity)) a.severity = pr.severity;
      }
    }
    const escalated = severityRank(a.severity) > severityRank(before);
    if (inc) {
      this.refreshIncident(inc, a, tsMs);
      touched.add(inc.incident.id);
    }
    const silenced = this.activeSilence(target);
    let kind: AlertEvent['kind'] | null = null;
    if (a.status === 'suppressed') {
      if (!silenced) {
        a.status = 'open';
        kind = 'opened';
      }
    } else if (silenced) {
      a.status = 'suppressed';
      kind = 'suppressed';
    } else if (
      escalated ||
      causeChanged ||
      (!ongoing && tsMs - st.lastEmittedMs >= this.options.updateIntervalMs)
    ) {
      kind = 'updated';
    }
    if (!kind) return;
    const event: AlertEvent = { kind, alert: copyAlert(a), tsMs, by: ROUTER_ACTOR };
    result.events.push(event);
    if (kind === 'suppressed') {
      this.counters.suppressed += 1;
      return;
    }
    st.lastEmittedMs = tsMs;
    this.counters[kind === 'opened' ? 'opened' : 'updated'] += 1;
    if (kind === 'opened' || escalated) {
      const incident = inc ? inc.incident : undefined;
      st.notified = this.notify(event, incident, result) || st.notified;
    }
  }

  private resolve(st: OpenAlertState, tsMs: number, result: RouteResult, touched: Set<string>): void {
    const a = st.alert;
    a.status = 'resolved';
    // Never before the alert was last seen, even when the device's clock jumped back since.
    a.resolvedMs = Math.max(tsMs, a.lastSeenMs);
    this.alerts.delete(st.key);
    for (const deviceId of Object.keys(st.members)) this.indexDevice(st.tenant, deviceId, st.key, false);
    const list = this.history.get(st.key) ?? [];
    list.push(a.firstSeenMs);
    this.history.set(st.key, list.slice(-50));
    const inc = this.incidentStates.get(a.incidentId);
    if (inc) {
      inc.openKeys = inc.openKeys.filter((k) => k !== st.key);
      inc.incident.lastSeenMs = Math.max(inc.incident.lastSeenMs, tsMs);
      if (inc.openKeys.length === 0) {
        inc.incident.status = 'resolved';
        this.incidentStates.delete(inc.incident.id);
        this.closedIncidents.set(inc.incident.id, inc.incident);
      }
      touched.add(inc.incident.id);
    }
    const event: AlertEvent = { kind: 'resolved', alert: copyAlert(a), tsMs, by: ROUTER_ACTOR };
    result.resolved.push(event);
    this.counters.resolved += 1;
    if (st.notified && this.options.notifyResolved) this.notify(event, inc?.incident, result);
  }

  private incidentFor(
    tenant: string,
    deviceId: string,
    site: string,
    zone: string,
    x: Explanation,
    tsMs: number,
  ): IncidentState | undefined {
    const related = new Set(x.related.map((r) => r.deviceId));
    let byRoot: IncidentState | undefined;
    let byZone: IncidentState | undefined;
    for (const inc of this.incidentStates.values()) {
      if (inc.tenant !== tenant) continue;
      const i = inc.incident;
      if (i.deviceIds.includes(deviceId)) return inc;
      if (!byRoot && related.has(i.rootDeviceId)) byRoot = inc;
      if (
        !byZone &&
        i.site === site &&
        i.zone === zone &&
        Math.abs(tsMs - i.lastSeenMs) <= this.options.incidentWindowMs
      )
        byZone = inc;
    }
    return byRoot ?? byZone;
  }

  private joinIncident(
    inc: IncidentState | undefined,
    st: OpenAlertState,
    x: Explanation,
    tsMs: number,
  ): Incident {
    const a = st.alert;
    if (!inc) {
      const id = `inc-${shortHash([st.tenant, a.deviceId, tsMs], 16)}`;
      inc = {
        tenant: st.tenant,
        rootTitle: x.title,
        openKeys: [],
        incident: {
          id,
          site: a.site,
          zone: a.zone,
          rootDeviceId: a.deviceId,
          alertIds: [],
          deviceIds: [],
          severity: a.severity,
          topPriority: a.priority,
          openedMs: tsMs,
          lastSeenMs: tsMs,
          status: 'open',
          title: x.title,
        },
      };
      this.incidentStates.set(id, inc);
    }
    const i = inc.incident;
    a.incidentId = i.id;
    if (!i.alertIds.includes(a.id)) i.alertIds.push(a.id);
    if (!i.deviceIds.includes(a.deviceId)) i.deviceIds.push(a.deviceId);
    if (!inc.openKeys.includes(st.key)) inc.openKeys.push(st.key);
    this.refreshIncident(inc, a, tsMs);
    return i;
  }

  private refreshIncident(inc: IncidentState, a: Alert, tsMs: number): void {
    const i = inc.incident;
    i.lastSeenMs = Math.max(i.lastSeenMs, tsMs);
    i.topPriority = Math.max(i.topPriority, a.priority);
    if (severityRank(a.severity) > severityRank(i.severity)) i.severity = a.severity;
    const where = [i.site, i.zone].filter(Boolean).join('/');
    i.title =
      i.alertIds.length <= 1
        ? inc.rootTitle
        : `${i.alertIds.length} alerts on ${i.deviceIds.length} device${i.deviceIds.length > 1 ? 's' : ''}${where ? ` in ${where}` : ''}: ${inc.rootTitle}`;
  }

  /** Renders the event for every channel it qualifies for; true when any channel took (or counted) it. */
  private notify(event: AlertEvent, incident: Incident | undefined, result: RouteResult): boolean {
    const a = event.alert;
    let any = false;
    for (const channel of CHANNELS) {
      const c = this.options.channels[channel];
      if (!c.enabled || severityRank(a.severity) < severityRank(c.minSeverity)) continue;
      if (event.kind === 'resolved' && !c.sendResolved) continue;
      any = true;
      this.flushSummary(channel, event.tsMs, result);
      if (!this.limiter.tryAcquire(channel, event.tsMs)) {
        this.limiter.recordDropped(channel, {
          alertId: a.id,
          incidentId: a.incidentId,
          deviceId: a.deviceId,
          severity: a.severity,
          title: event.kind === 'resolved' ? `Resolved: ${a.explanation.title}` : a.explanation.title,
        });
        continue;
      }
      const inc = incident ? this.copyIncident(incident) : undefined;
      const payload = channel === 'slack' ? buildSlackMessage(event, inc) : buildWebhookPayload(event, inc);
      result.notifications.push({ channel, alertId: a.id, incidentId: a.incidentId, payload });
      this.counters.notifications += 1;
    }
    return any;
  }

  private flushSummary(channel: ChannelName, tsMs: number, result: RouteResult): void {
    const summary: DroppedSummary | undefined = this.limiter.roll(channel, tsMs);
    if (!summary) return;
    // The summary takes a slot of the new window, so a burst cannot exceed the limit by more than one.
    this.limiter.tryAcquire(channel, tsMs);
    const last = summary.alerts[summary.alerts.length - 1];
    const payload = channel === 'slack' ? buildSlackSummary(summary) : buildWebhookSummary(summary, tsMs);
    result.notifications.push({
      channel,
      alertId: last?.alertId ?? '',
      incidentId: last?.incidentId ?? '',
      payload,
    });
    this.counters.notifications += 1;
  }

  private prune(nowMs: number): void {
    const every = Math.max(60_000, Math.min(this.options.openWindowMs, this.options.recurrenceWindowMs));
    if (nowMs - this.lastPruneMs < every) return;
    this.lastPruneMs = nowMs;
    for (const [k, p] of this.pending)
      if (nowMs - p.firstSeenMs > this.options.openWindowMs) this.pending.delete(k);
    for (const [k, list] of this.history) {
      const kept = list.filter((t) => nowMs - t <= this.options.recurrenceWindowMs);
      if (kept.length === 0) this.history.delete(k);
      else this.history.set(k, kept);
    }
    for (const [id, s] of this.silenceMap) {
      if (s.untilMs <= nowMs) {
        this.silenceMap.delete(id);
        const a = this.adaptationMap.get(id);
        if (a && a.kind !== 'priority_weight') this.adaptationMap.delete(id);
      }
    }
  }

  private copyIncident(i: Incident): Incident {
    return { ...i, alertIds: [...i.alertIds], deviceIds: [...i.deviceIds] };
  }
}

/**
 * Checks the fields routing relies on and fills the optional ones (`metrics` `{}`).
 * @throws InputError `invalid_detection` naming the field.
 */
function validateDetection(item: unknown, index: number): Detection {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new InputError(
      'invalid_detection',
      `detection[${index}].${field}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80)}`,
    );
  };
  if (!isObject(item)) return fail('', 'an object {reading, score, explanation?}', item);
  const r = item.reading;
  const s = item.score;
  if (!isObject(r)) return fail('reading', 'an object', r);
  if (typeof r.deviceId !== 'string' || r.deviceId === '')
    return fail('reading.deviceId', 'a non-empty string', r.deviceId);
  if (typeof r.tsMs !== 'number' || !Number.isFinite(r.tsMs))
    return fail('reading.tsMs', 'a finite epoch ms', r.tsMs);
  if (r.metrics !== undefined && !isObject(r.metrics)) return fail('reading.metrics', 'an object', r.metrics);
  if (r.tenant !== undefined && typeof r.tenant !== 'string')
    return fail('reading.tenant', 'a string', r.tenant);
  if (r.site !== undefined && typeof r.site !== 'string') return fail('reading.site', 'a string', r.site);
  if (!isObject(s)) return fail('score', 'an AnomalyScore object', s);
  if (typeof s.score !== 'number' || !Number.isFinite(s.score))
    return fail('score.score', 'a finite number in 0..1', s.score);
  if (typeof s.isAnomaly !== 'boolean') return fail('score.isAnomaly', 'a boolean', s.isAnomaly);
  const x = item.explanation;
  if (x !== undefined && x !== null) {
    if (!isObject(x)) return fail('explanation', 'an Explanation object', x);
    if (typeof x.type !== 'string' || x.type === '')
      return fail('explanation.type', 'a non-empty string', x.type);
    for (const k of ['causes', 'actions', 'related'] as const) {
      if (x[k] !== undefined && !Array.isArray(x[k])) return fail(`explanation.${k}`, 'an array', x[k]);
    }
    if (x.metric !== undefined && typeof x.metric !== 'string')
      return fail('explanation.metric', 'a string', x.metric);
  }
  return {
    ...(item as unknown as Detection),
    reading: {
      ...(r as unknown as Detection['reading']),
      metrics: (r.metrics as Record<string, number>) ?? {},
    },
  };
}

/** The metric with the largest contribution, or undefined. */
function topContribution(d: Detection): string | undefined {
  let best: string | undefined;
  let max = 0;
  for (const [m, c] of Object.entries(isObject(d.score.contributions) ? d.score.contributions : {})) {
    if (typeof c === 'number' && c > max) {
      max = c;
      best = m;
    }
  }
  return best;
}

function evidenceOf(d: Detection): DetectionEvidence | undefined {
  const e = d.score.evidence as DetectionEvidence | undefined;
  return isObject(e) && isObject(e.metrics) ? e : undefined;
}

/**
 * The detection's explanation with every list present and `metric` set; a fallback one
 * (type from the evidence's detector kind, else the detector) when `lucid-explain` did not run.
 */
function explanationOf(d: Detection): Explanation {
  const metric = d.explanation?.metric || topContribution(d) || Object.keys(d.reading.metrics)[0] || '_';
  if (d.explanation) {
    const x = d.explanation;
    return {
      ...x,
      title: typeof x.title === 'string' && x.title ? x.title : `${x.type} on ${d.reading.deviceId}`,
      summary: typeof x.summary === 'string' ? x.summary : '',
      causes: (x.causes ?? []).filter(isObject),
      actions: (x.actions ?? []).filter(isObject),
      related: (x.related ?? []).filter((r) => isObject(r) && typeof r.deviceId === 'string'),
      metric,
    };
  }
  const kind = evidenceOf(d)?.metrics[metric]?.kind;
  const type = kind ?? (d.score.detector || 'anomaly');
  return {
    type,
    title: `${type} on ${metric} of ${d.reading.deviceId}`,
    summary: `Anomaly score ${d.score.score.toFixed(2)} on ${metric} (detector ${d.score.detector || 'unknown'}); no explanation was attached.`,
    causes: [],
    actions: [],
    related: [],
    metric,
  };
}

/** The class of alert an explanation belongs to. */
function alertClass(x: Explanation): AlertClass {
  return x.type === 'connectivity_loss' || x.metric === CONNECTIVITY_METRIC ? 'connectivity' : 'measurement';
}

/** The id (else label) of the explanation's most confident cause, or undefined. */
function topCauseId(x: Explanation): string | undefined {
  let best: Explanation['causes'][number] | undefined;
  for (const c of x.causes) if (!best || c.confidence > best.confidence) best = c;
  return best ? (best.id ?? best.cause) : undefined;
}

function historyEntry(d: Detection, x: Explanation): ExplanationChange {
  const entry: ExplanationChange = {
    tsMs: d.reading.tsMs,
    deviceId: d.reading.deviceId,
    type: x.type,
    title: x.title,
  };
  let best: Explanation['causes'][number] | undefined;
  for (const c of x.causes) if (!best || c.confidence > best.confidence) best = c;
  if (best) {
    entry.cause = best.cause;
    if (best.id !== undefined) entry.causeId = best.id;
    entry.confidence = best.confidence;
    if (best.evidence.length > 0) entry.evidence = best.evidence.slice(0, MAX_HISTORY_EVIDENCE_LINES);
  }
  return entry;
}

/** Checks a `NarrativeUpdate`. @throws InputError `invalid_narrative` naming the bad field. */
function parseNarrativeUpdate(input: unknown): { deviceId: string; tenant?: string; narrative: Narrative } {
  const bad = (field: string, expected: string, got: unknown): InputError =>
    new InputError(
      'invalid_narrative',
      `narrative${field ? `.${field}` : ''}: expected ${expected}, got ${JSON.stringify(got)}`,
    );
  if (!isObject(input)) throw bad('', 'an object', input);
  if (typeof input.deviceId !== 'string' || input.deviceId === '')
    throw bad('deviceId', 'a non-empty string', input.deviceId);
  if (input.tenant !== undefined && typeof input.tenant !== 'string')
    throw bad('tenant', 'a string', input.tenant);
  const n = input.narrative;
  if (!isObject(n)) throw bad('narrative', 'an object', n);
  for (const f of ['text', 'model', 'subject'] as const)
    if (typeof n[f] !== 'string' || n[f] === '') throw bad(`narrative.${f}`, 'a non-empty string', n[f]);
  if (n.generated !== true) throw bad('narrative.generated', 'true', n.generated);
  for (const f of ['tsMs', 'createdMs'] as const)
    if (typeof n[f] !== 'number' || !Number.isFinite(n[f]))
      throw bad(`narrative.${f}`, 'a finite number', n[f]);
  return {
    deviceId: input.deviceId,
    tenant: input.tenant as string | undefined,
    narrative: n as unknown as Narrative,
  };
}

/** A copy of an alert whose lists are not shared with the router's state. */
function copyAlert(a: Alert): Alert {
  const copy: Alert = { ...a };
  if (a.deviceIds) copy.deviceIds = [...a.deviceIds];
  if (a.explanationHistory) copy.explanationHistory = a.explanationHistory.map((h) => ({ ...h }));
  return copy;
}

/** What detection `d` says about its device for an alert of class `cls` (see the class TSDoc). */
function normality(d: Detection, cls: AlertClass): Normality {
  const primary = d.explanation?.metric || topContribution(d);
  const phase = d.explanation?.phase;
  if (cls === 'connectivity') {
    if (!d.score.isAnomaly) return 'normal';
    return primary === CONNECTIVITY_METRIC ? 'anomalous' : 'normal';
  }
  const measured = Object.keys(d.reading.metrics).some((m) => m !== CONNECTIVITY_METRIC);
  if (!measured) return 'unknown';
  if (phase === 'recovery') return 'normal';
  if (phase === 'ongoing') return 'anomalous';
  // Inside the device's anomalous episode (an onset not yet over) the alert stays open; the
  // episode raises no new event of its own, so it notifies once.
  if (!d.score.isAnomaly && d.score.episode?.active === true) return 'anomalous';
  if (!d.score.isAnomaly) return primary === CONNECTIVITY_METRIC ? 'unknown' : 'normal';
  return primary === CONNECTIVITY_METRIC ? 'unknown' : 'anomalous';
}
