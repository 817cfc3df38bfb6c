import type {
  Adaptation,
  Alert,
  AlertEvent,
  AlertStatus,
  Detection,
  Feedback,
  Incident,
  Notification,
  Severity,
} from '../contracts/types';
import type { AuditBreak, PublicKeyInfo } from '../signing';

/** Shortest stats bucket, ms: the store keeps its counters per minute. */
export const MIN_STATS_BUCKET_MS = 60_000;
/** Longest stats bucket, ms (31 days). */
export const MAX_STATS_BUCKET_MS = 31 * 86_400_000;

/** A page of results: `nextOffset` is null on the last page. */
export interface Page<T> {
  items: T[];
  /** Number of matching rows over all pages. */
  total: number;
  limit: number;
  offset: number;
  nextOffset: number | null;
}

/** Filters of `GET alerts`. Time filters select alerts active in [fromMs, toMs] (epoch ms). */
export interface AlertQuery {
  fromMs?: number;
  toMs?: number;
  severity?: Severity[];
  status?: AlertStatus[];
  site?: string;
  deviceId?: string;
  incidentId?: string;
  fingerprint?: string;
  metric?: string;
  /** `priority` (default: priority, then most recent) or `time` (last seen). */
  sort?: 'priority' | 'time';
  order?: 'asc' | 'desc';
  /** 1..1000, default 100. */
  limit?: number;
  offset?: number;
}

/** Filters of `GET incidents`. */
export interface IncidentQuery {
  fromMs?: number;
  toMs?: number;
  status?: Incident['status'][];
  site?: string;
  severity?: Severity[];
  limit?: number;
  offset?: number;
}

/** One telemetry sample of a series, with the detector's expected band. */
export interface SeriesPoint {
  tsMs: number;
  value: number;
  expected?: number;
  lower?: number;
  upper?: number;
  /** That metric's anomaly score 0..1, when the detector reported one. */
  score?: number;
  anomaly: boolean;
}

/** Samples of one metric, down-sampled for display (LTTB), with every anomaly kept apart. */
export interface SeriesResult {
  deviceId: string;
  metric: string;
  fromMs: number;
  toMs: number;
  /** Samples in range before down-sampling. */
  rawCount: number;
  points: SeriesPoint[];
  /** The anomalous samples in range (down-sampled too when more than maxPoints). */
  anomalies: SeriesPoint[];
  /** Alerts of this device on this metric (or device-wide) overlapping the range. */
  alerts: {
    id: string;
    severity: Severity;
    status: AlertStatus;
    firstSeenMs: number;
    lastSeenMs: number;
    title: string;
  }[];
}

/** Query of `GET series`. */
export interface SeriesQuery {
  deviceId: string;
  metric: string;
  fromMs?: number;
  toMs?: number;
  /** 3..10000, default 1000. */
  maxPoints?: number;
}

/** Feedback as stored: with its id and the API token (or node) that sent it. */
export interface StoredFeedback extends Feedback {
  id: string;
  actor: string;
}

/** A state change of an alert, as listed in its history. */
export interface AlertHistoryEntry {
  seq: number;
  kind: AlertEvent['kind'];
  tsMs: number;
  by: string;
  status: AlertStatus;
  auditSeq: number;
}

/** `GET alerts/:id`: the alert with its history, incident, feedback and evidence window. */
export interface AlertDetail {
  alert: Alert;
  events: AlertHistoryEntry[];
  incident?: Incident;
  feedback: StoredFeedback[];
  /** Samples of the involved metrics from before to after the anomaly. */
  evidence: {
    fromMs: number;
    toMs: number;
    series: { metric: string; rawCount: number; points: SeriesPoint[] }[];
  };
  /** The stored signature checks with the store's public key. */
  signatureValid: boolean;
  keyId: string;
}

/** `GET stats`: the alert-fatigue funnel over a range (event time, minute buckets). */
export interface StatsResult {
  fromMs: number;
  toMs: number;
  /** Readings scored by lucid-detect (wired to the store). */
  detections: number;
  /** Of which anomalous: the raw detections an operator would see without Lucid. */
  anomalies: number;
  alertsOpened: number;
  alertUpdates: number;
  alertsSuppressed: number;
  alertsResolved: number;
  incidentsOpened: number;
  notifications: number;
  feedback: number;
  /** Reduction ratios (null when the denominator is 0). */
  reduction: {
    /** anomalies / alerts opened. */
    anomaliesPerAlert: number | null;
    /** alerts opened / incidents opened. */
    alertsPerIncident: number | null;
    /** 1 − notifications / anomalies: share of raw detections that paged nobody. */
    notificationReduction: number | null;
  };
  buckets?: ({ bucketMs: number } & Record<string, number>)[];
}

/** What `audit/verify` reports. */
/** Why a row fails verification against the audit log. */
export type AuditRowMismatch =
  /** The row's body is not the payload of the entry it references. */
  | 'body_mismatch'
  /** An indexed column differs from the row's signed body. */
  | 'column_mismatch'
  /** The alert's Ed25519 signature does not verify. */
  | 'signature'
  /** The row references an entry that is not in the log. */
  | 'audit_missing'
  /** The entry the row references is about another record (a copied row, a moved pointer). */
  | 'subject_mismatch'
  /** An alert event differs from its entry (kind, time, actor or resulting status). */
  | 'event_mismatch'
  /** The row is not at its record's latest entry (an older version put back). */
  | 'not_latest'
  /** An entry's row is gone, and no retention entry deleted it. */
  | 'row_missing';

/** Why the chain or its head fails verification. */
export type AuditChainBreak =
  | AuditBreak
  | 'anchor_signature'
  /** The checkpoint file names a head beyond the database's: entries were cut off the end. */
  | 'truncated'
  /** The database's entry at the checkpoint's seq has another hash. */
  | 'checkpoint_mismatch'
  /** The checkpoint file is not signed by this store's key. */
  | 'checkpoint_signature'
  /** The checkpoint file exists but cannot be read as a checkpoint. */
  | 'checkpoint_unreadable';

/**
 * Result of `verifyAudit`: the chain (every entry from the retention anchor to the head), the
 * head against the checkpoint file, and every alert, alert event, feedback and adaptation row
 * against its entry, in both directions.
 */
export interface AuditVerifyResult {
  ok: boolean;
  /** First seq after the retention anchor (entries before it were deleted by retention). */
  anchorSeq: number;
  headSeq: number;
  checkedEntries: number;
  /** Seq of the signed head in the checkpoint file, when there is one. */
  checkpointSeq?: number;
  /** Why the last checkpoint write failed (disk full, permissions), when it did. */
  checkpointWriteError?: string;
  /** The first entry that fails, in chain order (`truncated`: the first missing seq). */
  firstBreak?: {
    seq: number;
    action: string;
    subject: string;
    tsMs: number;
    reason: AuditChainBreak;
  };
  /** Rows checked against the entries they claim, and entries against their rows. */
  records: {
    checked: number;
    /** Rows or entries that fail. */
    mismatches: number;
    /** The failure at the lowest audit seq. */
    firstMismatch?: {
      table: 'alerts' | 'alert_events' | 'feedback' | 'adaptations';
      /** Row id (`alertId#seq` for an alert event). */
      id: string;
      /** The entry at fault. */
      auditSeq: number;
      reason: AuditRowMismatch;
    };
  };
  keyId: string;
}

/** Result of writing one alert event. */
export interface ApplyResult {
  /** True when the same event was already stored (replay): nothing written. */
  duplicate: boolean;
  alert: Alert;
  /** The event as stored (status merged with operator actions). */
  event: AlertEvent;
  auditSeq: number;
}

/** Result of one retention pass. */
export interface CleanupResult {
  cutoffMs: number;
  alerts: number;
  samples: number;
  auditEntries: number;
}

/** Events a store emits after commit (used by the SSE stream and lucid-store's output). */
export interface StoreEvents {
  alert: (e: { auditSeq: number; event: AlertEvent }) => void;
  feedback: (e: { feedback: StoredFeedback; alert: Alert }) => void;
  /** An adaptation recorded or reverted, with the actor that did it. */
  adaptation: (e: { adaptation: Adaptation; actor: string }) => void;
}

/**
 * The storage interface of Lucid's alert store. Every method is async; two engines implement it
 * through {@link import('./sql-alert-store').SqlAlertStore}: SQLite and PostgreSQL.
 * Lookup failures throw `InputError` with code `not_found`; state conflicts (reverting twice,
 * acknowledging a resolved alert) `InputError` with code `conflict`.
 */
export interface AlertStore {
  readonly engineName: 'sqlite' | 'postgres';
  readonly publicKey: PublicKeyInfo;
  applyAlertEvent(event: AlertEvent, incident?: Incident): Promise<ApplyResult>;
  /** Several events in one transaction (all or nothing). */
  applyAlertEvents(items: readonly { event: AlertEvent; incident?: Incident }[]): Promise<ApplyResult[]>;
  upsertIncident(incident: Incident): Promise<void>;
  /** Buffers samples and counters of detections (flushed in batches; see `flush`). */
  recordDetections(detections: Detection[]): { accepted: number; skipped: number };
  recordNotification(notification: Notification): void;
  flush(): Promise<void>;
  getAlert(id: string): Promise<Alert | undefined>;
  getAlertDetail(id: string, maxPoints?: number): Promise<AlertDetail | undefined>;
  listAlerts(query: AlertQuery): Promise<Page<Alert>>;
  listIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  getSeries(query: SeriesQuery): Promise<SeriesResult>;
  getStats(query: { fromMs?: number; toMs?: number; bucketMs?: number }): Promise<StatsResult>;
  recordFeedback(feedback: Feedback, actor: string): Promise<{ feedback: StoredFeedback; alert: Alert }>;
  setAlertStatus(
    id: string,
    status: 'acknowledged' | 'resolved',
    actor: string,
    comment?: string,
  ): Promise<ApplyResult>;
  recordAdaptation(adaptation: Adaptation, actor: string): Promise<Adaptation>;
  revertAdaptation(id: string, actor: string): Promise<Adaptation>;
  listAdaptations(query: { active?: boolean; limit?: number; offset?: number }): Promise<Page<Adaptation>>;
  activeAdaptations(): Promise<Adaptation[]>;
  verifyAudit(): Promise<AuditVerifyResult>;
  /** Alert events after an audit seq (SSE reconnect with Last-Event-ID). */
  alertEventsSince(auditSeq: number, limit: number): Promise<{ auditSeq: number; event: AlertEvent }[]>;
  health(): Promise<{ engine: string; schemaVersion: number; alerts: number; auditHead: number }>;
  cleanup(): Promise<CleanupResult>;
  on<K extends keyof StoreEvents>(event: K, listener: StoreEvents[K]): this;
  off<K extends keyof StoreEvents>(event: K, listener: StoreEvents[K]): this;
  close(): Promise<void>;
}
