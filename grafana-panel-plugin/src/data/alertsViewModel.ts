import type { DataFrame, Field } from '@grafana/data';
import type {
  Alert,
  AlertStatus,
  Explanation,
  ExplanationChange,
  Feedback,
  Narrative,
  Severity,
} from 'node-red-contrib-lucid';
import { FEEDBACK_VERDICTS, SEVERITIES } from 'node-red-contrib-lucid/dist/lib/contracts/types';
import { type AlertsPanelOptions, SortBy } from '../types';
import { ALERT_FRAME_FIELDS as F, REQUIRED_ALERT_FIELDS } from './alertFrameFields';

/** An operator verdict the store accepts. */
export type Verdict = Feedback['verdict'];

/** Every verdict, in the store's order (defined once, in the shared contracts). */
export const VERDICTS: readonly Verdict[] = FEEDBACK_VERDICTS;

/** Feedback counts per verdict. */
export type FeedbackCounts = Record<Verdict, number>;

/** One alert as a card shows it. Times are epoch ms; confidences and similarities 0..1. */
export interface AlertCardModel {
  id: string;
  severity: Severity;
  /** 0..100, higher first. */
  priority: number;
  status: AlertStatus;
  deviceId: string;
  site?: string;
  zone?: string;
  metric?: string;
  incidentId?: string;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Anomalous detections de-duplicated into this alert (≥ 1). */
  count: number;
  /** Anomaly score 0..1, when known. */
  score?: number;
  type?: string;
  title: string;
  summary: string;
  insight?: string;
  causes: Explanation['causes'];
  actions: Explanation['actions'];
  related: Explanation['related'];
  /**
   * Sentences a language model wrote from the explanation's evidence (checked by lucid-explain),
   * when there are; always shown as machine-generated, beside the template `summary`.
   */
  narrative?: Narrative;
  /** How the explanation changed while the alert was open, oldest first (empty when unknown). */
  history: ExplanationChange[];
  /** Counts per verdict; null when the query did not fetch them. */
  feedback: FeedbackCounts | null;
  signature?: string;
  /** The full stored alert (signed body), when the frame carries it. */
  alert?: Alert;
}

/** Cards of one incident (or all cards, when not grouping). */
export interface AlertGroupModel {
  /** Incident id, or `all` when not grouping. */
  key: string;
  incidentId?: string;
  topPriority: number;
  topSeverity: Severity;
  cards: AlertCardModel[];
}

/** What the panel renders. */
export type AlertsViewModel =
  | { kind: 'alerts'; groups: AlertGroupModel[]; shown: number; matching: number; received: number }
  | { kind: 'empty'; received: number }
  | { kind: 'schema_mismatch'; missing: string[]; frameNames: string[] };

/** Rank of a severity: 0 for critical, 4 for info, 5 for an unknown value. */
export function severityRank(severity: string): number {
  const i = SEVERITIES.indexOf(severity as Severity);
  return i < 0 ? SEVERITIES.length : i;
}

function fieldMap(frame: DataFrame): Map<string, Field> {
  return new Map(frame.fields.map((f) => [f.name, f]));
}

function isAlertsFrame(frame: DataFrame): boolean {
  const names = new Set(frame.fields.map((f) => f.name));
  return REQUIRED_ALERT_FIELDS.every((n) => names.has(n));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return undefined;
}

function arr<T>(v: unknown): T[] {
  if (Array.isArray(v)) {
    return v as T[];
  }
  if (typeof v === 'string' && v.startsWith('[')) {
    try {
      const parsed = JSON.parse(v) as unknown;
      return Array.isArray(parsed) ? (parsed as T[]) : [];
    } catch {
      return [];
    }
  }
  return [];
}

function feedbackCounts(v: unknown): FeedbackCounts | null {
  if (!v || typeof v !== 'object') {
    return null;
  }
  const src = v as Record<string, unknown>;
  return Object.fromEntries(VERDICTS.map((k) => [k, num(src[k]) ?? 0])) as FeedbackCounts;
}

function asAlert(v: unknown): Alert | undefined {
  if (v && typeof v === 'object' && typeof (v as Alert).id === 'string' && typeof (v as Alert).severity === 'string') {
    return v as Alert;
  }
  return undefined;
}

/** A narrative only when it is what lucid-explain stores: generated text with the model's name. */
function asNarrative(v: unknown): Narrative | undefined {
  const n = v as Partial<Narrative> | undefined;
  return n && n.generated === true && str(n.text) && str(n.model) ? (n as Narrative) : undefined;
}

/** Reads row `i`: the full `alert` object when present, the flat columns otherwise. */
function readRow(fields: Map<string, Field>, i: number): AlertCardModel | undefined {
  const at = (name: string): unknown => fields.get(name)?.values[i];
  const alert = asAlert(at(F.alert));
  const id = alert?.id ?? str(at(F.id));
  if (!id) {
    return undefined;
  }
  const e: Partial<Explanation> = alert?.explanation ?? {};
  const firstSeenMs = alert?.firstSeenMs ?? num(at(F.firstSeen)) ?? 0;
  const card: AlertCardModel = {
    id,
    severity: (alert?.severity ?? str(at(F.severity)) ?? 'info') as Severity,
    priority: Math.max(0, Math.min(100, alert?.priority ?? num(at(F.priority)) ?? 0)),
    status: (alert?.status ?? str(at(F.status)) ?? 'open') as AlertStatus,
    deviceId: alert?.deviceId ?? str(at(F.device)) ?? '',
    site: alert?.site ?? str(at(F.site)),
    zone: alert?.zone ?? str(at(F.zone)),
    metric: alert?.metric ?? e.metric ?? str(at(F.metric)),
    incidentId: str(alert?.incidentId) ?? str(at(F.incidentId)),
    firstSeenMs,
    lastSeenMs: alert?.lastSeenMs ?? num(at(F.lastSeen)) ?? firstSeenMs,
    count: Math.max(1, alert?.count ?? num(at(F.count)) ?? 1),
    score: num(alert?.score?.score) ?? num(at(F.score)),
    type: str(e.type) ?? str(at(F.type)),
    title: str(e.title) ?? str(at(F.title)) ?? id,
    summary: str(e.summary) ?? str(at(F.summary)) ?? '',
    insight: str(e.insight),
    causes: [...(e.causes ?? arr<Explanation['causes'][number]>(at(F.causes)))].sort(
      (a, b) => b.confidence - a.confidence
    ),
    actions: e.actions ?? arr<Explanation['actions'][number]>(at(F.actions)),
    related: e.related ?? arr<Explanation['related'][number]>(at(F.related)),
    narrative: asNarrative(e.narrative),
    history: (alert?.explanationHistory ?? []).filter(
      (h) => h && typeof h.title === 'string' && typeof h.tsMs === 'number'
    ),
    feedback: feedbackCounts(at(F.feedback)),
    signature: str(alert?.signature) ?? str(at(F.signature)),
    alert,
  };
  return card;
}

function compareCards(sortBy: SortBy): (a: AlertCardModel, b: AlertCardModel) => number {
  return sortBy === SortBy.Time
    ? (a, b) => b.lastSeenMs - a.lastSeenMs || b.priority - a.priority
    : (a, b) =>
        b.priority - a.priority || severityRank(a.severity) - severityRank(b.severity) || b.lastSeenMs - a.lastSeenMs;
}

/**
 * Turns the data frames of a panel query into the panel's view model: Alerts frames of
 * lucid-alerts-datasource (see {@link ALERT_FRAME_FIELDS}) become cards, filtered by the minimum
 * severity and the statuses, sorted by priority (then severity, then last seen) or by last seen,
 * cut to `maxAlerts`, and optionally grouped by incident (groups ordered like their first card).
 * Rows of several frames are merged, de-duplicated by alert id (the last frame wins).
 *
 * - No frame, or frames without rows: `empty`.
 * - Frames with fields but none with the Alerts fields: `schema_mismatch` listing what is missing.
 *
 * @param frames - `data.series` of the panel.
 * @param options - the panel options (only the filtering, sorting and grouping ones are read).
 * @example toAlertsViewModel([toDataFrame({ fields: [...] })], DEFAULT_OPTIONS)
 */
export function toAlertsViewModel(
  frames: readonly DataFrame[],
  options: Pick<AlertsPanelOptions, 'minSeverity' | 'statuses' | 'sortBy' | 'groupByIncident' | 'maxAlerts'>
): AlertsViewModel {
  const withFields = frames.filter((f) => f.fields.length > 0);
  const alertFrames = withFields.filter(isAlertsFrame);
  if (alertFrames.length === 0) {
    if (withFields.length === 0 || withFields.every((f) => f.length === 0 && f.fields.length === 0)) {
      return { kind: 'empty', received: 0 };
    }
    const best = withFields[0];
    const names = new Set(best.fields.map((f) => f.name));
    return {
      kind: 'schema_mismatch',
      missing: REQUIRED_ALERT_FIELDS.filter((n) => !names.has(n)),
      frameNames: withFields.map((f) => f.name ?? f.refId ?? '').filter(Boolean),
    };
  }

  const byId = new Map<string, AlertCardModel>();
  for (const frame of alertFrames) {
    const fields = fieldMap(frame);
    for (let i = 0; i < frame.length; i++) {
      const card = readRow(fields, i);
      if (card) {
        byId.set(card.id, card);
      }
    }
  }
  const received = byId.size;
  if (received === 0) {
    return { kind: 'empty', received };
  }

  const maxRank = severityRank(options.minSeverity);
  const statuses = new Set(options.statuses);
  const matching = [...byId.values()]
    .filter((c) => severityRank(c.severity) <= maxRank && (statuses.size === 0 || statuses.has(c.status)))
    .sort(compareCards(options.sortBy));
  const shown = matching.slice(0, Math.max(1, Math.floor(options.maxAlerts)));
  if (shown.length === 0) {
    return { kind: 'empty', received };
  }

  const groups: AlertGroupModel[] = [];
  if (!options.groupByIncident) {
    groups.push(makeGroup('all', undefined, shown));
  } else {
    const byIncident = new Map<string, AlertCardModel[]>();
    for (const card of shown) {
      const key = card.incidentId ?? `alert:${card.id}`;
      byIncident.set(key, [...(byIncident.get(key) ?? []), card]);
    }
    for (const [key, cards] of byIncident) {
      groups.push(makeGroup(key, cards[0].incidentId, cards));
    }
  }
  return { kind: 'alerts', groups, shown: shown.length, matching: matching.length, received };
}

function makeGroup(key: string, incidentId: string | undefined, cards: AlertCardModel[]): AlertGroupModel {
  return {
    key,
    incidentId,
    cards,
    topPriority: Math.max(...cards.map((c) => c.priority)),
    topSeverity: cards.reduce(
      (s, c) => (severityRank(c.severity) < severityRank(s) ? c.severity : s),
      cards[0].severity
    ),
  };
}
