import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { InputError } from '../contracts/errors';
import {
  ADAPTATION_KINDS,
  FEEDBACK_VERDICTS,
  SEVERITIES,
  type Adaptation,
  type Alert,
  type AlertEvent,
  type AlertStatus,
  type Detection,
  type Feedback,
  type Incident,
  type Notification,
} from '../contracts/types';
import {
  GENESIS_HASH,
  canonicalJson,
  makeAuditCheckpoint,
  makeAuditEntry,
  readAuditCheckpoint,
  sha256Hex,
  writeAuditCheckpoint,
  type AuditCheckpoint,
  type AuditEntry,
  type PublicKeyInfo,
  type SigningKeys,
} from '../signing';
import { ALERT_COLUMN_NAMES, MAX_ID, alertColumns, involvedMetrics } from './alert-columns';
import { RETENTION_ACTION, verifyAuditLog } from './audit-verify';
import { lttb } from './downsample';
import { MIGRATIONS, PG_LOCK_KEY, migrate } from './migrations';
import type { SqlEngine, SqlExecutor, SqlParam } from './sql-engine';
import type {
  AlertDetail,
  AlertHistoryEntry,
  AlertQuery,
  AlertStore,
  ApplyResult,
  AuditVerifyResult,
  CleanupResult,
  IncidentQuery,
  Page,
  SeriesPoint,
  SeriesQuery,
  SeriesResult,
  StatsResult,
  StoreEvents,
  StoredFeedback,
} from './store-types';
import { MAX_STATS_BUCKET_MS, MIN_STATS_BUCKET_MS } from './store-types';

/** Options of {@link SqlAlertStore}. Durations in ms; defaults in brackets. */
export interface AlertStoreOptions {
  /** Signs alert records and audit entries. */
  keys: SigningKeys;
  /** Wall clock for operator actions [Date.now]. */
  nowMs?: () => number;
  /** Rows older than this (event time) are deleted by {@link SqlAlertStore.cleanup} [30 days]; 0 keeps all. */
  retentionDays?: number;
  /** Samples kept per series (device + metric) [5000]. */
  seriesCap?: number;
  /** Evidence window before an alert's first sample [15 min]. */
  evidenceBeforeMs?: number;
  /** Evidence window after an alert resolves [15 min]. */
  evidenceAfterMs?: number;
  /** Evidence is not extended beyond firstSeenMs + this [6 h]. */
  evidenceMaxSpanMs?: number;
  /** Sample/counter buffer flush period [1000]; 0 disables the timer (call `flush`). */
  flushIntervalMs?: number;
  /**
   * Flush as soon as this many samples are buffered [20000]. A commit's cost grows with the
   * number of series it touches more than with its rows, so larger, rarer flushes are cheaper.
   */
  flushMaxRows?: number;
  /** Retention pass period [1 h]; 0 disables the timer (call `cleanup`). */
  cleanupIntervalMs?: number;
  /** Id generator for feedback rows [randomUUID]. */
  newId?: () => string;
  /**
   * File that keeps the signed audit head outside the database (written after every audited
   * commit, mode 0600), so that entries cut off the end of the chain are detected; unset: none.
   */
  checkpointFile?: string;
}

/** Fields of one audit entry to append; see {@link makeAuditEntry}. */
type AuditFields = { tsMs: number; actor: string; action: string; subject: string; payload: string };
/** Appends an entry inside an audited transaction (after `head`, or after the current head). */
type AuditAppend = (fields: AuditFields, head?: { seq: number; hash: string }) => Promise<AuditEntry>;

const COUNTER_BUCKET_MS = 60_000;
const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];
const EVENT_KINDS: readonly AlertEvent['kind'][] = [
  'opened',
  'updated',
  'acknowledged',
  'resolved',
  'suppressed',
];

interface AlertRow {
  id: string;
  body: string;
  signature: string;
  status: AlertStatus;
  event_seq: number;
  audit_seq: number;
}

interface AuditRow {
  seq: number;
  ts_ms: number;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  payload_hash: string;
  prev_hash: string;
  hash: string;
  signature: string;
}

interface SampleRow {
  deviceId: string;
  metric: string;
  tsMs: number;
  value: number;
  expected?: number;
  lower?: number;
  upper?: number;
  score?: number;
  anomaly: boolean;
}

interface Capture {
  alertId: string;
  metrics: Set<string>;
  fromMs: number;
  untilMs: number;
}

function isStr(v: unknown, max = MAX_ID): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function optNum(v: unknown): number | undefined {
  return isNum(v) ? v : undefined;
}

/** @throws InputError when an alert event lacks what the store indexes and signs. */
function checkAlertEvent(event: AlertEvent): void {
  const bad = (field: string, value: unknown, want: string): never => {
    throw new InputError(
      'invalid_alert_event',
      `${field}: expected ${want}, got ${JSON.stringify(value)?.slice(0, 80)}`,
    );
  };
  if (!event || typeof event !== 'object') bad('event', event, 'an AlertEvent object');
  if (!EVENT_KINDS.includes(event.kind)) bad('event.kind', event.kind, EVENT_KINDS.join('|'));
  if (!isNum(event.tsMs)) bad('event.tsMs', event.tsMs, 'epoch ms');
  if (!isStr(event.by)) bad('event.by', event.by, 'a non-empty string');
  const a = event.alert;
  if (!a || typeof a !== 'object') bad('event.alert', a, 'an Alert object');
  if (!isStr(a.id)) bad('alert.id', a.id, 'a string of 1..256 chars');
  if (!isStr(a.fingerprint, 1024)) bad('alert.fingerprint', a.fingerprint, 'a non-empty string');
  if (!isStr(a.deviceId)) bad('alert.deviceId', a.deviceId, 'a string of 1..256 chars');
  if (!SEVERITIES.includes(a.severity)) bad('alert.severity', a.severity, SEVERITIES.join('|'));
  if (!ALERT_STATUSES.includes(a.status)) bad('alert.status', a.status, ALERT_STATUSES.join('|'));
  if (!isNum(a.priority)) bad('alert.priority', a.priority, 'a number 0..100');
  if (!isNum(a.firstSeenMs)) bad('alert.firstSeenMs', a.firstSeenMs, 'epoch ms');
  if (!isNum(a.lastSeenMs)) bad('alert.lastSeenMs', a.lastSeenMs, 'epoch ms');
  if (!isNum(a.count)) bad('alert.count', a.count, 'a number');
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined) return dflt;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}

function pointFromRow(r: Record<string, unknown>): SeriesPoint {
  const p: SeriesPoint = { tsMs: Number(r.ts_ms), value: Number(r.value), anomaly: Number(r.anomaly) === 1 };
  for (const k of ['expected', 'lower', 'upper', 'score'] as const)
    if (r[k] !== null && r[k] !== undefined) p[k] = Number(r[k]);
  return p;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sample rows written between two yields to the event loop during a flush. */
const FLUSH_SLICE_ROWS = 250;
const SAMPLE_UPSERT_SQL = `INSERT INTO samples (device_id, metric, ts_ms, value, expected, lower, upper, score, anomaly) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (device_id, metric, ts_ms) DO UPDATE SET value = excluded.value, expected = excluded.expected,
             lower = excluded.lower, upper = excluded.upper, score = excluded.score, anomaly = excluded.anomaly`;

/**
 * Lucid's alert store over a {@link SqlEngine} (SQLite or PostgreSQL): alerts and their events,
 * incidents, feedback, adaptations, a signed hash-chained audit log, telemetry samples per
 * series, per-alert evidence windows and statistics counters.
 *
 * - Writes of alert events are idempotent: an event is keyed by the SHA-256 of its canonical
 *   JSON, so a replayed message (after a crash, a redeploy) is recognised and not stored twice.
 *   Each alert event, the alert row and its audit entry are written in one transaction.
 * - Every stored alert carries `prevHash` (the audit chain head before its latest change) and an
 *   Ed25519 `signature` over its canonical JSON without `signature`.
 * - Samples and counters from detections are buffered and written in batches (every
 *   `flushIntervalMs`, or at `flushMaxRows`): a crash loses at most that buffer, never an alert.
 * - Retention runs on event time (the newest timestamp seen), so replays of old data are kept.
 *
 * Create with {@link SqlAlertStore.open}, which applies the schema migrations.
 * @example
 * const store = await SqlAlertStore.open(new SqliteEngine('/data/lucid/lucid.db'), { keys });
 * await store.applyAlertEvent(msg.event, msg.incident);
 */
export class SqlAlertStore extends EventEmitter implements AlertStore {
  readonly engineName: 'sqlite' | 'postgres';
  readonly publicKey: PublicKeyInfo;
  private readonly keys: SigningKeys;
  private readonly nowMs: () => number;
  private readonly newId: () => string;
  private readonly retentionMs: number;
  private readonly seriesCap: number;
  private readonly evidenceBeforeMs: number;
  private readonly evidenceAfterMs: number;
  private readonly evidenceMaxSpanMs: number;
  private readonly flushMaxRows: number;
  private schemaVersion = 0;
  private samples: SampleRow[] = [];
  private counters = new Map<string, number>();
  private seriesAdds = new Map<string, number>();
  private captures = new Map<string, Capture[]>();
  private latestEventMs = 0;
  private writesSinceOptimize = 0;
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly checkpointFile: string | undefined;
  /** The last checkpoint written or read; `'unreadable'` when the file could not be read. */
  private checkpoint: AuditCheckpoint | 'unreadable' | undefined;
  /**
   * Set once the database disagrees with the checkpoint (its tail was cut or rewritten): the
   * file is then left as it is, as evidence, until an operator removes it.
   */
  private checkpointHeld = false;
  private checkpointWriteError: string | undefined;

  private constructor(
    private readonly engine: SqlEngine,
    options: AlertStoreOptions,
  ) {
    super();
    this.engineName = engine.dialect;
    this.keys = options.keys;
    this.publicKey = options.keys.info;
    this.nowMs = options.nowMs ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.retentionMs = (options.retentionDays ?? 30) * 86_400_000;
    this.seriesCap = options.seriesCap ?? 5000;
    this.evidenceBeforeMs = options.evidenceBeforeMs ?? 900_000;
    this.evidenceAfterMs = options.evidenceAfterMs ?? 900_000;
    this.evidenceMaxSpanMs = options.evidenceMaxSpanMs ?? 6 * 3_600_000;
    this.flushMaxRows = options.flushMaxRows ?? 20_000;
    this.checkpointFile = options.checkpointFile;
  }

  /**
   * Opens a store: applies migrations, restores evidence captures of recent alerts, starts the
   * flush and retention timers (unref'd, so they never keep a process alive).
   * @throws whatever the engine throws when the database is unreachable.
   */
  static async open(engine: SqlEngine, options: AlertStoreOptions): Promise<SqlAlertStore> {
    const store = new SqlAlertStore(engine, options);
    store.schemaVersion = await migrate(engine, store.nowMs, MIGRATIONS);
    await store.loadCheckpoint();
    await engine.optimize();
    await store.restoreCaptures();
    const flushMs = options.flushIntervalMs ?? 1000;
    if (flushMs > 0) store.timers.push(setInterval(() => void store.flush().catch(() => undefined), flushMs));
    const cleanupMs = options.cleanupIntervalMs ?? 3_600_000;
    if (cleanupMs > 0)
      store.timers.push(setInterval(() => void store.cleanup().catch(() => undefined), cleanupMs));
    for (const t of store.timers) t.unref();
    return store;
  }

  // ---- writes -------------------------------------------------------------------------------

  private async lockAudit(tx: SqlExecutor): Promise<void> {
    if (this.engine.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [PG_LOCK_KEY]);
  }

  private async auditHead(tx: SqlExecutor): Promise<{ seq: number; hash: string }> {
    const row = await tx.get<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    if (row) return { seq: Number(row.seq), hash: row.hash };
    return (await this.anchor(tx)) ?? { seq: 0, hash: GENESIS_HASH };
  }

  private async anchor(
    tx: SqlExecutor,
  ): Promise<{ seq: number; hash: string; signature: string } | undefined> {
    const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'audit_anchor'");
    return row ? (JSON.parse(row.value) as { seq: number; hash: string; signature: string }) : undefined;
  }

  /**
   * Runs `fn` in one transaction holding the audit lock; `append` adds audit entries. After the
   * commit, the checkpoint file gets the new head.
   */
  private async audited<T>(fn: (tx: SqlExecutor, append: AuditAppend) => Promise<T>): Promise<T> {
    let last: AuditEntry | undefined;
    const result = await this.engine.transaction(async (tx) => {
      await this.lockAudit(tx);
      return fn(tx, async (fields, head) => {
        const prev = head ?? (await this.auditHead(tx));
        if (!last) await this.holdCheckpointUnlessExtended(tx, prev);
        last = await this.appendAudit(tx, fields, prev);
        return last;
      });
    });
    if (last) this.writeCheckpoint(last);
    return result;
  }

  private async loadCheckpoint(): Promise<void> {
    if (!this.checkpointFile) return;
    this.checkpoint = readAuditCheckpoint(this.checkpointFile);
    if (this.checkpoint === 'unreadable') this.checkpointHeld = true;
    else if (this.checkpoint)
      await this.holdCheckpointUnlessExtended(this.engine, await this.auditHead(this.engine));
  }

  /** Holds the checkpoint when the chain whose head is `head` does not extend it. */
  private async holdCheckpointUnlessExtended(
    tx: SqlExecutor,
    head: { seq: number; hash: string },
  ): Promise<void> {
    const cp = this.checkpoint;
    if (!cp || cp === 'unreadable' || this.checkpointHeld) return;
    if (cp.keyId !== this.publicKey.keyId || head.seq < cp.seq) this.checkpointHeld = true;
    else if (head.seq === cp.seq) this.checkpointHeld = head.hash !== cp.hash;
    else {
      const row = await tx.get<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = ?', [cp.seq]);
      if (row && row.hash !== cp.hash) this.checkpointHeld = true;
    }
  }

  private writeCheckpoint(head: AuditEntry): void {
    if (!this.checkpointFile || this.checkpointHeld) return;
    const cp = this.checkpoint;
    if (cp && cp !== 'unreadable' && cp.seq >= head.seq) return;
    const next = makeAuditCheckpoint(this.keys, head, this.nowMs());
    try {
      writeAuditCheckpoint(this.checkpointFile, next);
      this.checkpoint = next;
      this.checkpointWriteError = undefined;
    } catch (err) {
      // The database commit stands; verification reports the stale checkpoint's cause.
      this.checkpointWriteError = (err as Error).message;
    }
  }

  private async appendAudit(
    tx: SqlExecutor,
    fields: AuditFields,
    head: { seq: number; hash: string },
  ): Promise<AuditEntry> {
    const entry = makeAuditEntry(this.keys, head, fields);
    await tx.run(
      `INSERT INTO audit_log (seq, ts_ms, actor, action, subject, payload, payload_hash, prev_hash, hash, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.seq,
        entry.tsMs,
        entry.actor,
        entry.action,
        entry.subject,
        fields.payload,
        entry.payloadHash,
        entry.prevHash,
        entry.hash,
        entry.signature,
      ],
    );
    return entry;
  }

  private seeEventTime(tsMs: number): void {
    if (tsMs > this.latestEventMs) this.latestEventMs = tsMs;
  }

  private count(name: string, tsMs: number, n = 1): void {
    const key = `${Math.floor(tsMs / COUNTER_BUCKET_MS) * COUNTER_BUCKET_MS}|${name}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
  }

  /**
   * Stores one alert event (and its incident): upserts the alert, appends its history and a
   * signed audit entry, captures its evidence window, in one transaction. A replayed event is
   * detected and nothing is written.
   * An `updated` event with status `open` keeps an operator's `acknowledged` status.
   * @throws InputError(`invalid_alert_event`) when the event lacks required fields.
   */
  async applyAlertEvent(event: AlertEvent, incident?: Incident): Promise<ApplyResult> {
    return (await this.applyAlertEvents([{ event, incident }]))[0];
  }

  /**
   * Stores several alert events in one transaction (group commit: much faster than one
   * transaction each, the same guarantees). All or nothing: an invalid event refuses the batch
   * before anything is written.
   * @throws InputError(`invalid_alert_event`) or (`invalid_incident`).
   */
  async applyAlertEvents(
    items: readonly { event: AlertEvent; incident?: Incident }[],
  ): Promise<ApplyResult[]> {
    for (const { event } of items) checkAlertEvent(event);
    if (items.length === 0) return [];
    await this.flush();
    const results = await this.audited(async (tx, append) => {
      const out: (ApplyResult & { isNew: boolean; incidentIsNew: boolean })[] = [];
      for (const { event, incident } of items)
        out.push(await this.writeAlertEvent(tx, append, event, incident));
      return out;
    });
    this.writesSinceOptimize += results.length;
    if (this.writesSinceOptimize >= 5000) {
      this.writesSinceOptimize = 0;
      await this.engine.optimize();
    }
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r.duplicate) continue;
      const { event, incident } = items[i];
      const t = event.tsMs;
      this.seeEventTime(t);
      if (r.isNew && event.kind !== 'suppressed') this.count('alerts_opened', t);
      if (event.kind === 'updated') this.count('alert_updates', t);
      if (event.kind === 'suppressed') this.count('alerts_suppressed', t);
      if (event.kind === 'resolved') this.count('alerts_resolved', t);
      if (r.incidentIsNew) this.count('incidents_opened', incident?.openedMs ?? t);
      this.emit('alert', { auditSeq: r.auditSeq, event: r.event });
    }
    return results.map(({ duplicate, alert, event, auditSeq }) => ({ duplicate, alert, event, auditSeq }));
  }

  private async writeAlertEvent(
    tx: SqlExecutor,
    append: AuditAppend,
    event: AlertEvent,
    incident: Incident | undefined,
  ): Promise<ApplyResult & { isNew: boolean; incidentIsNew: boolean }> {
    const incoming: Alert = { ...event.alert };
    delete incoming.signature;
    delete incoming.prevHash;
    const eventKey = sha256Hex(
      canonicalJson({ kind: event.kind, tsMs: event.tsMs, by: event.by, alert: incoming }),
    );
    const dup = await tx.get<{ alert_id: string }>('SELECT alert_id FROM alert_events WHERE event_key = ?', [
      eventKey,
    ]);
    if (dup) {
      const row = await tx.get<AlertRow>('SELECT body, signature FROM alerts WHERE id = ?', [incoming.id]);
      const alert = row ? { ...(JSON.parse(row.body) as Alert), signature: row.signature } : event.alert;
      return {
        duplicate: true,
        alert,
        event: { ...event, alert },
        auditSeq: 0,
        isNew: false,
        incidentIsNew: false,
      };
    }
    const row = await tx.get<AlertRow>('SELECT status, event_seq FROM alerts WHERE id = ?', [incoming.id]);
    let status = incoming.status;
    if (row?.status === 'acknowledged' && status === 'open' && event.kind === 'updated')
      status = 'acknowledged';
    const head = await this.auditHead(tx);
    const body: Alert = { ...incoming, status, prevHash: head.hash };
    if (status === 'resolved' && body.resolvedMs === undefined) body.resolvedMs = event.tsMs;
    const bodyText = canonicalJson(body);
    const signature = this.keys.sign(bodyText);
    const entry = await append(
      {
        tsMs: event.tsMs,
        actor: event.by,
        action: `alert.${event.kind}`,
        subject: body.id,
        payload: bodyText,
      },
      head,
    );
    const eventSeq = (row ? Number(row.event_seq) : 0) + 1;
    const columns = alertColumns(body);
    const names = ['id', ...ALERT_COLUMN_NAMES, 'event_seq', 'audit_seq', 'body', 'signature', 'updated_ms'];
    await tx.run(
      `INSERT INTO alerts (${names.join(', ')}) VALUES (${placeholders(names.length)})
       ON CONFLICT (id) DO UPDATE SET ${names
         .slice(1)
         .map((n) => `${n} = excluded.${n}`)
         .join(', ')}`,
      [
        body.id,
        ...ALERT_COLUMN_NAMES.map((n) => columns[n]),
        eventSeq,
        entry.seq,
        bodyText,
        signature,
        this.nowMs(),
      ],
    );
    await tx.run(
      'INSERT INTO alert_events (alert_id, seq, event_key, kind, ts_ms, actor, status, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [body.id, eventSeq, eventKey, event.kind, event.tsMs, event.by, status, entry.seq],
    );
    const incidentIsNew = incident ? await this.writeIncident(tx, incident) : false;
    await this.captureEvidence(tx, body, involvedMetrics(body));
    const alert = { ...body, signature };
    return {
      duplicate: false,
      alert,
      event: { ...event, alert },
      auditSeq: entry.seq,
      isNew: !row,
      incidentIsNew,
    };
  }

  private async writeIncident(tx: SqlExecutor, incident: Incident): Promise<boolean> {
    if (
      !isStr(incident?.id) ||
      !SEVERITIES.includes(incident.severity) ||
      !isNum(incident.openedMs) ||
      !isNum(incident.lastSeenMs)
    ) {
      throw new InputError(
        'invalid_incident',
        `incident: expected {id, severity, openedMs, lastSeenMs, …}, got ${JSON.stringify(incident)?.slice(0, 80)}`,
      );
    }
    const existing = await tx.get('SELECT id FROM incidents WHERE id = ?', [incident.id]);
    await tx.run(
      `INSERT INTO incidents (id, site, zone, root_device_id, severity, severity_rank, top_priority, opened_ms, last_seen_ms, status, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET site = excluded.site, zone = excluded.zone, root_device_id = excluded.root_device_id,
         severity = excluded.severity, severity_rank = excluded.severity_rank, top_priority = excluded.top_priority,
         opened_ms = excluded.opened_ms, last_seen_ms = excluded.last_seen_ms, status = excluded.status, body = excluded.body`,
      [
        incident.id,
        incident.site,
        incident.zone,
        incident.rootDeviceId,
        incident.severity,
        SEVERITIES.indexOf(incident.severity),
        optNum(incident.topPriority) ?? 0,
        incident.openedMs,
        incident.lastSeenMs,
        incident.status === 'resolved' ? 'resolved' : 'open',
        canonicalJson(incident),
      ],
    );
    return !existing;
  }

  /**
   * Upserts an incident on its own (e.g. when lucid-route sends one without an alert event).
   * @throws InputError(`invalid_incident`).
   */
  async upsertIncident(incident: Incident): Promise<void> {
    const isNew = await this.engine.transaction((tx) => this.writeIncident(tx, incident));
    if (isNew) this.count('incidents_opened', incident.openedMs);
  }

  private async captureEvidence(tx: SqlExecutor, alert: Alert, metrics: string[]): Promise<void> {
    if (metrics.length === 0) return;
    const fromMs = alert.firstSeenMs - this.evidenceBeforeMs;
    const spanEnd = alert.firstSeenMs + this.evidenceMaxSpanMs;
    const untilMs =
      alert.status === 'resolved'
        ? Math.min((alert.resolvedMs ?? alert.lastSeenMs) + this.evidenceAfterMs, spanEnd)
        : spanEnd;
    await tx.run(
      `INSERT INTO alert_evidence (alert_id, metric, ts_ms, value, expected, lower, upper, score, anomaly)
       SELECT CAST(? AS TEXT), metric, ts_ms, value, expected, lower, upper, score, anomaly FROM samples
       WHERE device_id = ? AND metric IN (${placeholders(metrics.length)}) AND ts_ms >= ? AND ts_ms <= ?
       ON CONFLICT (alert_id, metric, ts_ms) DO NOTHING`,
      [alert.id, alert.deviceId, ...metrics, fromMs, untilMs],
    );
    const list = (this.captures.get(alert.deviceId) ?? []).filter((c) => c.alertId !== alert.id);
    list.push({ alertId: alert.id, metrics: new Set(metrics), fromMs, untilMs });
    this.captures.set(alert.deviceId, list);
  }

  private async restoreCaptures(): Promise<void> {
    const latest = await this.engine.get<{ ts: number | null }>(
      'SELECT MAX(ts) AS ts FROM (SELECT MAX(ts_ms) AS ts FROM samples UNION ALL SELECT MAX(last_seen_ms) AS ts FROM alerts) t',
    );
    this.latestEventMs = Number(latest?.ts ?? 0);
    if (!latest?.ts) return;
    const rows = await this.engine.all<{
      id: string;
      device_id: string;
      metrics: string;
      status: string;
      first_seen_ms: number;
      resolved_ms: number | null;
    }>(
      `SELECT id, device_id, metrics, status, first_seen_ms, resolved_ms FROM alerts
       WHERE first_seen_ms >= ? AND (status <> 'resolved' OR resolved_ms >= ?)`,
      [this.latestEventMs - this.evidenceMaxSpanMs, this.latestEventMs - this.evidenceAfterMs],
    );
    for (const r of rows) {
      if (!r.metrics) continue;
      const spanEnd = Number(r.first_seen_ms) + this.evidenceMaxSpanMs;
      const untilMs =
        r.status === 'resolved' ? Math.min(Number(r.resolved_ms) + this.evidenceAfterMs, spanEnd) : spanEnd;
      const list = this.captures.get(r.device_id) ?? [];
      list.push({
        alertId: r.id,
        metrics: new Set(r.metrics.split(',')),
        fromMs: Number(r.first_seen_ms) - this.evidenceBeforeMs,
        untilMs,
      });
      this.captures.set(r.device_id, list);
    }
  }

  /**
   * Buffers the samples (one per metric) and counters of scored readings. Items without a
   * valid reading are skipped and counted, never thrown, so one bad item does not drop a batch.
   * The expected band comes from `score.expected[metric]` (or the detector evidence); a sample is
   * anomalous when its reading is and the metric contributed (or it is the only metric).
   */
  recordDetections(detections: Detection[]): { accepted: number; skipped: number } {
    let accepted = 0;
    let skipped = 0;
    for (const d of detections) {
      const r = d?.reading;
      if (!r || !isStr(r.deviceId) || !isNum(r.tsMs) || !r.metrics || typeof r.metrics !== 'object') {
        skipped++;
        continue;
      }
      accepted++;
      const s = d.score;
      const isAnomaly = s?.isAnomaly === true;
      this.count('detections', r.tsMs);
      if (isAnomaly) this.count('anomalies', r.tsMs);
      this.seeEventTime(r.tsMs);
      const names = Object.keys(r.metrics);
      const evidence = (s?.evidence ?? {}) as {
        metrics?: Record<
          string,
          { score?: number; expected?: { value: number; lower: number; upper: number } }
        >;
        combined?: { anomalousMetrics?: string[] };
      };
      for (const metric of names) {
        const value = r.metrics[metric];
        if (!isNum(value) || metric.length > MAX_ID) continue;
        const band = s?.expected?.[metric] ?? evidence.metrics?.[metric]?.expected;
        const contribution = s?.contributions?.[metric];
        const anomaly =
          isAnomaly &&
          (names.length === 1 ||
            (isNum(contribution) && contribution > 0) ||
            (evidence.combined?.anomalousMetrics ?? []).includes(metric));
        this.samples.push({
          deviceId: r.deviceId,
          metric,
          tsMs: r.tsMs,
          value,
          expected: optNum(band?.value),
          lower: optNum(band?.lower),
          upper: optNum(band?.upper),
          score: optNum(evidence.metrics?.[metric]?.score),
          anomaly,
        });
      }
    }
    if (this.samples.length >= this.flushMaxRows && !this.flushQueued) {
      this.flushQueued = true;
      void this.flush().catch(() => undefined);
    }
    return { accepted, skipped };
  }

  /** Counts a notification (event time: the newest seen) for `GET stats`. */
  recordNotification(_notification: Notification): void {
    this.count('notifications', this.latestEventMs || this.nowMs());
  }

  /** Writes the buffered samples, evidence extensions and counters in one transaction. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    this.flushQueued = false;
    if (this.closed || (this.samples.length === 0 && this.counters.size === 0)) return;
    const samples = this.samples;
    const counters = this.counters;
    this.samples = [];
    this.counters = new Map();
    const toTrim: [string, string][] = [];
    await this.engine.transaction(async (tx) => {
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i];
        // Let messages through between slices of a large flush (SQLite runs on this thread).
        if (i > 0 && i % FLUSH_SLICE_ROWS === 0) await yieldToLoop();
        const vals: SqlParam[] = [s.value, s.expected, s.lower, s.upper, s.score, s.anomaly ? 1 : 0];
        // One statement per row: a multi-row upsert measured ~20 % slower in SQLite.
        await tx.run(SAMPLE_UPSERT_SQL, [s.deviceId, s.metric, s.tsMs, ...vals]);
        const caps = this.captures.get(s.deviceId);
        if (caps) {
          for (const c of caps) {
            if (c.metrics.has(s.metric) && s.tsMs >= c.fromMs && s.tsMs <= c.untilMs) {
              await tx.run(
                `INSERT INTO alert_evidence (alert_id, metric, ts_ms, value, expected, lower, upper, score, anomaly) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (alert_id, metric, ts_ms) DO NOTHING`,
                [c.alertId, s.metric, s.tsMs, ...vals],
              );
            }
          }
          const live = caps.filter((c) => c.untilMs >= s.tsMs);
          if (live.length === 0) this.captures.delete(s.deviceId);
          else if (live.length !== caps.length) this.captures.set(s.deviceId, live);
        }
        const key = `${s.deviceId}\u0000${s.metric}`;
        const adds = (this.seriesAdds.get(key) ?? 0) + 1;
        this.seriesAdds.set(key, adds);
        if (adds >= Math.max(10, Math.ceil(this.seriesCap * 0.2))) {
          this.seriesAdds.set(key, 0);
          toTrim.push([s.deviceId, s.metric]);
        }
      }
      for (const [key, value] of counters) {
        const [bucket, name] = key.split('|');
        await tx.run(
          `INSERT INTO counters (bucket_ms, name, value) VALUES (?, ?, ?)
           ON CONFLICT (bucket_ms, name) DO UPDATE SET value = counters.value + excluded.value`,
          [Number(bucket), name, value],
        );
      }
      for (const [deviceId, metric] of toTrim) {
        await tx.run(
          `DELETE FROM samples WHERE device_id = ? AND metric = ? AND ts_ms < (
             SELECT ts_ms FROM samples WHERE device_id = ? AND metric = ? ORDER BY ts_ms DESC LIMIT 1 OFFSET ?)`,
          [deviceId, metric, deviceId, metric, this.seriesCap - 1],
        );
      }
    });
  }

  private async requireAlert(id: string): Promise<Alert> {
    const alert = await this.getAlert(id);
    if (!alert) throw new InputError('not_found', `alert "${id}" does not exist`);
    return alert;
  }

  /**
   * Changes an alert's status on an operator's behalf (acknowledge or resolve), as an alert event
   * by `actor` at wall-clock time.
   * @throws InputError(`not_found`) for an unknown id; InputError(`conflict`) when the alert is
   * already in that status, or resolved (for acknowledge).
   */
  async setAlertStatus(
    id: string,
    status: 'acknowledged' | 'resolved',
    actor: string,
    _comment?: string,
  ): Promise<ApplyResult> {
    const alert = await this.requireAlert(id);
    if (alert.status === status) throw new InputError('conflict', `alert "${id}" is already ${status}`);
    if (status === 'acknowledged' && alert.status === 'resolved')
      throw new InputError('conflict', `alert "${id}" is resolved`);
    const tsMs = this.nowMs();
    const next: Alert = { ...alert, status };
    if (status === 'resolved') next.resolvedMs = tsMs;
    return this.applyAlertEvent({ kind: status, alert: next, tsMs, by: actor });
  }

  /**
   * Records an operator's verdict on an alert (audited), and applies `acknowledge` / `resolve`
   * to its status. Emits `feedback` after commit, for lucid-feedback to adapt detection/routing.
   * @throws InputError(`invalid_feedback`), (`not_found`) or (`conflict`, from the status change).
   */
  async recordFeedback(
    feedback: Feedback,
    actor: string,
  ): Promise<{ feedback: StoredFeedback; alert: Alert }> {
    if (
      !feedback ||
      !FEEDBACK_VERDICTS.includes(feedback.verdict) ||
      !isStr(feedback.alertId) ||
      !isStr(feedback.user) ||
      !isNum(feedback.tsMs)
    ) {
      throw new InputError(
        'invalid_feedback',
        `feedback: expected {alertId, verdict (${FEEDBACK_VERDICTS.join('|')}), user, tsMs}`,
      );
    }
    let alert = await this.requireAlert(feedback.alertId);
    if (
      feedback.verdict === 'acknowledge' &&
      alert.status !== 'acknowledged' &&
      alert.status !== 'resolved'
    ) {
      alert = (await this.setAlertStatus(alert.id, 'acknowledged', actor)).alert;
    } else if (feedback.verdict === 'resolve' && alert.status !== 'resolved') {
      alert = (await this.setAlertStatus(alert.id, 'resolved', actor)).alert;
    }
    const stored: StoredFeedback = { ...feedback, id: this.newId(), actor };
    const body = canonicalJson(stored);
    await this.audited(async (tx, append) => {
      const entry = await append({
        tsMs: stored.tsMs,
        actor,
        action: 'feedback',
        subject: stored.alertId,
        payload: body,
      });
      await tx.run(
        'INSERT INTO feedback (id, alert_id, verdict, user_name, ts_ms, actor, audit_seq, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [stored.id, stored.alertId, stored.verdict, stored.user, stored.tsMs, actor, entry.seq, body],
      );
    });
    this.count('feedback', alert.lastSeenMs);
    this.emit('feedback', { feedback: stored, alert });
    return { feedback: stored, alert };
  }

  /**
   * Records an adaptation (audited). Idempotent on `id`: the same adaptation again is a no-op.
   * @throws InputError(`invalid_adaptation`) for a malformed one, (`conflict`) when the id exists
   * with a different content.
   */
  async recordAdaptation(adaptation: Adaptation, actor: string): Promise<Adaptation> {
    const a = adaptation;
    if (
      !a ||
      !isStr(a.id) ||
      !(ADAPTATION_KINDS as readonly string[]).includes(a.kind) ||
      !isNum(a.tsMs) ||
      typeof a.reason !== 'string' ||
      !isStr(a.createdBy)
    ) {
      throw new InputError(
        'invalid_adaptation',
        `adaptation: expected {id, kind (${ADAPTATION_KINDS.join('|')}), createdBy, reason, tsMs, …}`,
      );
    }
    if (a.value !== undefined && !isNum(a.value))
      throw new InputError(
        'invalid_adaptation',
        `adaptation.value: expected a finite number, got ${a.value}`,
      );
    if (a.untilMs !== undefined && !isNum(a.untilMs))
      throw new InputError('invalid_adaptation', `adaptation.untilMs: expected epoch ms, got ${a.untilMs}`);
    const body = canonicalJson(a);
    const created = await this.audited(async (tx, append) => {
      const existing = await tx.get<{ body: string }>('SELECT body FROM adaptations WHERE id = ?', [a.id]);
      if (existing) {
        if (existing.body === body) return false;
        throw new InputError('conflict', `adaptation "${a.id}" already exists with a different content`);
      }
      const entry = await append({
        tsMs: a.tsMs,
        actor,
        action: 'adaptation.created',
        subject: a.id,
        payload: body,
      });
      await tx.run(
        'INSERT INTO adaptations (id, kind, ts_ms, created_by, alert_id, until_ms, reverted_ms, audit_seq, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [a.id, a.kind, a.tsMs, a.createdBy, a.alertId, a.untilMs, a.revertedMs, entry.seq, body],
      );
      return true;
    });
    if (created) this.emit('adaptation', { adaptation: a, actor });
    return a;
  }

  /**
   * Reverts an adaptation: stores it with `revertedMs` (audited, by `actor`) and emits it, so
   * lucid-feedback forwards the revert to lucid-detect and lucid-route.
   * @throws InputError(`not_found`) or (`conflict`) when already reverted.
   */
  async revertAdaptation(id: string, actor: string): Promise<Adaptation> {
    const tsMs = this.nowMs();
    const reverted = await this.audited(async (tx, append) => {
      const row = await tx.get<{ body: string }>('SELECT body FROM adaptations WHERE id = ?', [id]);
      if (!row) throw new InputError('not_found', `adaptation "${id}" does not exist`);
      const a = JSON.parse(row.body) as Adaptation;
      if (a.revertedMs !== undefined)
        throw new InputError('conflict', `adaptation "${id}" was already reverted`);
      const next: Adaptation = { ...a, revertedMs: tsMs };
      const body = canonicalJson(next);
      const entry = await append({
        tsMs,
        actor,
        action: 'adaptation.reverted',
        subject: id,
        payload: body,
      });
      await tx.run('UPDATE adaptations SET reverted_ms = ?, audit_seq = ?, body = ? WHERE id = ?', [
        tsMs,
        entry.seq,
        body,
        id,
      ]);
      return next;
    });
    this.emit('adaptation', { adaptation: reverted, actor });
    return reverted;
  }

  // ---- reads --------------------------------------------------------------------------------

  private rowToAlert(row: { body: string; signature: string }): Alert {
    return { ...(JSON.parse(row.body) as Alert), signature: row.signature };
  }

  /** The stored alert (status merged with operator actions), or undefined. */
  async getAlert(id: string): Promise<Alert | undefined> {
    const row = await this.engine.get<AlertRow>('SELECT body, signature FROM alerts WHERE id = ?', [id]);
    return row ? this.rowToAlert(row) : undefined;
  }

  /**
   * An alert with its history, incident, feedback and evidence window (each metric down-sampled
   * to `maxPoints` with LTTB).
   */
  async getAlertDetail(id: string, maxPoints = 500): Promise<AlertDetail | undefined> {
    const row = await this.engine.get<AlertRow>('SELECT body, signature FROM alerts WHERE id = ?', [id]);
    if (!row) return undefined;
    const alert = this.rowToAlert(row);
    const events = await this.engine.all<Record<string, unknown>>(
      'SELECT seq, kind, ts_ms, actor, status, audit_seq FROM alert_events WHERE alert_id = ? ORDER BY seq LIMIT 1000',
      [id],
    );
    const incidentRow = alert.incidentId
      ? await this.engine.get<{ body: string }>('SELECT body FROM incidents WHERE id = ?', [alert.incidentId])
      : undefined;
    const feedbackRows = await this.engine.all<{ body: string }>(
      'SELECT body FROM feedback WHERE alert_id = ? ORDER BY ts_ms LIMIT 1000',
      [id],
    );
    const evidenceRows = await this.engine.all<Record<string, unknown>>(
      'SELECT metric, ts_ms, value, expected, lower, upper, score, anomaly FROM alert_evidence WHERE alert_id = ? ORDER BY metric, ts_ms',
      [id],
    );
    const byMetric = new Map<string, SeriesPoint[]>();
    for (const r of evidenceRows) {
      const list = byMetric.get(String(r.metric)) ?? [];
      list.push(pointFromRow(r));
      byMetric.set(String(r.metric), list);
    }
    const fromMs = alert.firstSeenMs - this.evidenceBeforeMs;
    const toMs = (alert.resolvedMs ?? alert.lastSeenMs) + this.evidenceAfterMs;
    return {
      alert,
      events: events.map((e): AlertHistoryEntry => ({
        seq: Number(e.seq),
        kind: e.kind as AlertEvent['kind'],
        tsMs: Number(e.ts_ms),
        by: String(e.actor),
        status: e.status as AlertStatus,
        auditSeq: Number(e.audit_seq),
      })),
      incident: incidentRow ? (JSON.parse(incidentRow.body) as Incident) : undefined,
      feedback: feedbackRows.map((f) => JSON.parse(f.body) as StoredFeedback),
      evidence: {
        fromMs,
        toMs,
        series: [...byMetric].map(([metric, points]) => ({
          metric,
          rawCount: points.length,
          points: lttb(points, Math.max(3, maxPoints)),
        })),
      },
      signatureValid: this.keys.verify(row.body, row.signature),
      keyId: this.publicKey.keyId,
    };
  }

  /** Alerts matching the filters, sorted and paginated (all values bound as parameters). */
  async listAlerts(q: AlertQuery): Promise<Page<Alert>> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    const eq = (col: string, v: string | undefined): void => {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        params.push(v);
      }
    };
    const inList = (col: string, vs: string[] | undefined): void => {
      if (vs && vs.length) {
        where.push(`${col} IN (${placeholders(vs.length)})`);
        params.push(...vs);
      }
    };
    if (q.fromMs !== undefined) {
      where.push('last_seen_ms >= ?');
      params.push(q.fromMs);
    }
    if (q.toMs !== undefined) {
      where.push('first_seen_ms <= ?');
      params.push(q.toMs);
    }
    inList('severity', q.severity);
    const severityWhere = where.length - 1;
    inList('status', q.status);
    eq('site', q.site);
    eq('device_id', q.deviceId);
    eq('incident_id', q.incidentId);
    eq('fingerprint', q.fingerprint);
    eq('metric', q.metric);
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const orderBy =
      q.sort === 'time'
        ? `last_seen_ms ${dir}, id ${dir}`
        : `priority ${dir}, last_seen_ms ${dir}, id ${dir}`;
    const limit = clampLimit(q.limit, 100, 1000);
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // SQLite: a severity list matches a large share of alerts; walking the sort index and
    // filtering beats sorting every match, but the planner prefers the severity index. A unary
    // `+` keeps that term off the index (sqlite.org/optoverview.html, "Disqualifying WHERE clause terms").
    const pageWhere =
      this.engine.dialect === 'sqlite' && q.severity?.length
        ? `WHERE ${where.map((w, i) => (i === severityWhere ? `+${w}` : w)).join(' AND ')}`
        : whereSql;
    const rows = await this.engine.all<AlertRow>(
      `SELECT body, signature FROM alerts ${pageWhere} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const total = Number(
      (await this.engine.get<{ n: number }>(`SELECT COUNT(*) AS n FROM alerts ${whereSql}`, params))?.n ?? 0,
    );
    return {
      items: rows.map((r) => this.rowToAlert(r)),
      total,
      limit,
      offset,
      nextOffset: offset + rows.length < total ? offset + rows.length : null,
    };
  }

  /** Incidents matching the filters, most recent first. */
  async listIncidents(q: IncidentQuery): Promise<Page<Incident>> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (q.fromMs !== undefined) {
      where.push('last_seen_ms >= ?');
      params.push(q.fromMs);
    }
    if (q.toMs !== undefined) {
      where.push('opened_ms <= ?');
      params.push(q.toMs);
    }
    if (q.status?.length) {
      where.push(`status IN (${placeholders(q.status.length)})`);
      params.push(...q.status);
    }
    if (q.severity?.length) {
      where.push(`severity IN (${placeholders(q.severity.length)})`);
      params.push(...q.severity);
    }
    if (q.site !== undefined) {
      where.push('site = ?');
      params.push(q.site);
    }
    const limit = clampLimit(q.limit, 100, 1000);
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await this.engine.all<{ body: string }>(
      `SELECT body FROM incidents ${whereSql} ORDER BY last_seen_ms DESC, id DESC LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const total = Number(
      (await this.engine.get<{ n: number }>(`SELECT COUNT(*) AS n FROM incidents ${whereSql}`, params))?.n ??
        0,
    );
    return {
      items: rows.map((r) => JSON.parse(r.body) as Incident),
      total,
      limit,
      offset,
      nextOffset: offset + rows.length < total ? offset + rows.length : null,
    };
  }

  /**
   * Samples of one series for a trend overlay: LTTB-down-sampled points (band and flags travel
   * with the kept points), the anomalous samples, and the alerts overlapping the range. Without
   * from/to: the last hour of the series (by its newest sample).
   */
  async getSeries(q: SeriesQuery): Promise<SeriesResult> {
    await this.flush();
    let toMs = q.toMs;
    if (toMs === undefined) {
      const last = await this.engine.get<{ ts: number | null }>(
        'SELECT MAX(ts_ms) AS ts FROM samples WHERE device_id = ? AND metric = ?',
        [q.deviceId, q.metric],
      );
      toMs = Number(last?.ts ?? this.latestEventMs ?? 0);
    }
    const fromMs = q.fromMs ?? toMs - 3_600_000;
    const maxPoints = Math.max(3, Math.min(10_000, Math.floor(q.maxPoints ?? 1000)));
    const rows = await this.engine.all<Record<string, unknown>>(
      `SELECT ts_ms, value, expected, lower, upper, score, anomaly FROM samples
       WHERE device_id = ? AND metric = ? AND ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms LIMIT 200000`,
      [q.deviceId, q.metric, fromMs, toMs],
    );
    const points = rows.map(pointFromRow);
    const anomalies = points.filter((p) => p.anomaly);
    const alertRows = await this.engine.all<
      AlertRow & { severity: string; first_seen_ms: number; last_seen_ms: number }
    >(
      `SELECT id, body, signature, severity, status, first_seen_ms, last_seen_ms FROM alerts
       WHERE device_id = ? AND (metric = ? OR metric IS NULL) AND last_seen_ms >= ? AND first_seen_ms <= ?
       ORDER BY first_seen_ms LIMIT 200`,
      [q.deviceId, q.metric, fromMs, toMs],
    );
    return {
      deviceId: q.deviceId,
      metric: q.metric,
      fromMs,
      toMs,
      rawCount: points.length,
      points: lttb(points, maxPoints),
      anomalies: anomalies.length > maxPoints ? lttb(anomalies, maxPoints) : anomalies,
      alerts: alertRows.map((r) => {
        const a = JSON.parse(r.body) as Alert;
        return {
          id: a.id,
          severity: a.severity,
          status: a.status,
          firstSeenMs: a.firstSeenMs,
          lastSeenMs: a.lastSeenMs,
          title: a.explanation?.title ?? '',
        };
      }),
    };
  }

  /**
   * The alert-fatigue funnel over [fromMs, toMs) (event time, minute resolution): detections →
   * anomalies → alerts → incidents → notifications, optionally per `bucketMs` (a multiple of 60 000).
   */
  async getStats(q: { fromMs?: number; toMs?: number; bucketMs?: number }): Promise<StatsResult> {
    await this.flush();
    const toMs = q.toMs ?? Math.max(this.latestEventMs, 0) + COUNTER_BUCKET_MS;
    const fromMs = q.fromMs ?? toMs - 86_400_000;
    const rows = await this.engine.all<{ name: string; v: number }>(
      'SELECT name, SUM(value) AS v FROM counters WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY name',
      [Math.floor(fromMs / COUNTER_BUCKET_MS) * COUNTER_BUCKET_MS, toMs],
    );
    const c = (name: string): number => Number(rows.find((r) => r.name === name)?.v ?? 0);
    const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
    const result: StatsResult = {
      fromMs,
      toMs,
      detections: c('detections'),
      anomalies: c('anomalies'),
      alertsOpened: c('alerts_opened'),
      alertUpdates: c('alert_updates'),
      alertsSuppressed: c('alerts_suppressed'),
      alertsResolved: c('alerts_resolved'),
      incidentsOpened: c('incidents_opened'),
      notifications: c('notifications'),
      feedback: c('feedback'),
      reduction: {
        anomaliesPerAlert: ratio(c('anomalies'), c('alerts_opened')),
        alertsPerIncident: ratio(c('alerts_opened'), c('incidents_opened')),
        notificationReduction: c('anomalies') > 0 ? 1 - c('notifications') / c('anomalies') : null,
      },
    };
    if (q.bucketMs !== undefined) {
      if (
        !Number.isSafeInteger(q.bucketMs) ||
        q.bucketMs < MIN_STATS_BUCKET_MS ||
        q.bucketMs > MAX_STATS_BUCKET_MS
      )
        throw new InputError(
          'invalid_query',
          `bucketMs: expected an integer from ${MIN_STATS_BUCKET_MS} to ${MAX_STATS_BUCKET_MS} ms, got ${q.bucketMs}`,
        );
      const b = Math.floor(q.bucketMs / COUNTER_BUCKET_MS) * COUNTER_BUCKET_MS;
      // The bucket width is a bound parameter (cast so both engines divide integers), never SQL text.
      const bucketRows = await this.engine.all<{ bucket: number; name: string; v: number }>(
        `SELECT (bucket_ms / CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS bucket, name, SUM(value) AS v
         FROM counters WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY bucket, name ORDER BY bucket`,
        [b, b, Math.floor(fromMs / COUNTER_BUCKET_MS) * COUNTER_BUCKET_MS, toMs],
      );
      const buckets = new Map<number, { bucketMs: number } & Record<string, number>>();
      for (const r of bucketRows) {
        const key = Number(r.bucket);
        const entry =
          buckets.get(key) ?? ({ bucketMs: key } as { bucketMs: number } & Record<string, number>);
        entry[r.name] = Number(r.v);
        buckets.set(key, entry);
      }
      result.buckets = [...buckets.values()].slice(0, 10_000);
    }
    return result;
  }

  /** The clock adaptations expire on: the newest event time seen (wall clock before any event). */
  private adaptationClockMs(): number {
    return this.latestEventMs > 0 ? this.latestEventMs : this.nowMs();
  }

  /** Adaptations, newest first; `active` keeps those neither reverted nor expired (event time). */
  async listAdaptations(q: { active?: boolean; limit?: number; offset?: number }): Promise<Page<Adaptation>> {
    const now = this.adaptationClockMs();
    const where = q.active ? 'WHERE reverted_ms IS NULL AND (until_ms IS NULL OR until_ms > ?)' : '';
    const params: SqlParam[] = q.active ? [now] : [];
    const limit = clampLimit(q.limit, 100, 1000);
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const rows = await this.engine.all<{ body: string }>(
      `SELECT body FROM adaptations ${where} ORDER BY ts_ms DESC, id LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const total = Number(
      (await this.engine.get<{ n: number }>(`SELECT COUNT(*) AS n FROM adaptations ${where}`, params))?.n ??
        0,
    );
    return {
      items: rows.map((r) => JSON.parse(r.body) as Adaptation),
      total,
      limit,
      offset,
      nextOffset: offset + rows.length < total ? offset + rows.length : null,
    };
  }

  /** Every adaptation in force (not reverted, not expired in event time), oldest first: to re-apply after a restart. */
  async activeAdaptations(): Promise<Adaptation[]> {
    const rows = await this.engine.all<{ body: string }>(
      'SELECT body FROM adaptations WHERE reverted_ms IS NULL AND (until_ms IS NULL OR until_ms > ?) ORDER BY ts_ms, id LIMIT 10000',
      [this.adaptationClockMs()],
    );
    return rows.map((r) => JSON.parse(r.body) as Adaptation);
  }

  /** Alert events recorded after `auditSeq` (for SSE clients resuming with Last-Event-ID). */
  async alertEventsSince(
    auditSeq: number,
    limit: number,
  ): Promise<{ auditSeq: number; event: AlertEvent }[]> {
    const rows = await this.engine.all<AuditRow>(
      "SELECT seq, ts_ms, actor, action, payload FROM audit_log WHERE seq > ? AND action LIKE 'alert.%' ORDER BY seq LIMIT ?",
      [auditSeq, Math.max(1, Math.min(limit, 10_000))],
    );
    return rows.map((r) => ({
      auditSeq: Number(r.seq),
      event: {
        kind: r.action.slice('alert.'.length) as AlertEvent['kind'],
        alert: { ...(JSON.parse(r.payload) as Alert), signature: this.keys.sign(r.payload) },
        tsMs: Number(r.ts_ms),
        by: r.actor,
      },
    }));
  }

  /**
   * Verifies the audit log and every row it covers, and the chain's head against the checkpoint
   * file: see {@link verifyAuditLog}.
   */
  async verifyAudit(): Promise<AuditVerifyResult> {
    const result = await verifyAuditLog(this.engine, this.keys, {
      anchor: await this.anchor(this.engine),
      checkpoint: this.checkpointFile ? readAuditCheckpoint(this.checkpointFile) : undefined,
    });
    if (this.checkpointWriteError) result.checkpointWriteError = this.checkpointWriteError;
    return result;
  }

  /** Liveness facts for `GET health`. */
  async health(): Promise<{ engine: string; schemaVersion: number; alerts: number; auditHead: number }> {
    const n = await this.engine.get<{ n: number }>('SELECT COUNT(*) AS n FROM alerts');
    const head = await this.engine.get<{ seq: number }>('SELECT MAX(seq) AS seq FROM audit_log');
    return {
      engine: this.engineName,
      schemaVersion: this.schemaVersion,
      alerts: Number(n?.n ?? 0),
      auditHead: Number(head?.seq ?? 0),
    };
  }

  /**
   * One retention pass, in small chunks that yield to the event loop (the flow keeps running):
   * deletes resolved alerts (with their events, evidence, feedback), resolved incidents,
   * samples, counters and expired adaptations older than `retentionDays` before the newest event
   * time seen, then audit entries no remaining row references, keeping a signed anchor (seq and
   * hash of the last deleted entry) so the rest of the chain still verifies.
   */
  async cleanup(): Promise<CleanupResult> {
    const cutoffMs = this.latestEventMs - this.retentionMs;
    const result: CleanupResult = { cutoffMs, alerts: 0, samples: 0, auditEntries: 0 };
    if (this.retentionMs <= 0 || this.latestEventMs <= 0 || this.closed) return result;
    await this.flush();
    for (;;) {
      const ids = (
        await this.engine.all<{ id: string }>(
          "SELECT id FROM alerts WHERE status = 'resolved' AND last_seen_ms < ? LIMIT 500",
          [cutoffMs],
        )
      ).map((r) => r.id);
      if (ids.length === 0) break;
      await this.audited(async (tx, append) => {
        const list = placeholders(ids.length);
        await append(this.retentionEntry(cutoffMs, { alertIds: ids }));
        for (const table of ['alert_events', 'alert_evidence', 'feedback'])
          await tx.run(`DELETE FROM ${table} WHERE alert_id IN (${list})`, ids);
        result.alerts += await tx.run(`DELETE FROM alerts WHERE id IN (${list})`, ids);
      });
      await yieldToLoop();
    }
    for (;;) {
      const edge = await this.engine.get<{ ts_ms: number }>(
        'SELECT ts_ms FROM samples WHERE ts_ms < ? ORDER BY ts_ms LIMIT 1 OFFSET 5000',
        [cutoffMs],
      );
      const n = await this.engine.run('DELETE FROM samples WHERE ts_ms < ?', [
        edge ? Number(edge.ts_ms) : cutoffMs,
      ]);
      result.samples += n;
      if (!edge) break;
      await yieldToLoop();
    }
    await this.engine.run('DELETE FROM counters WHERE bucket_ms < ?', [cutoffMs]);
    await this.engine.run("DELETE FROM incidents WHERE status = 'resolved' AND last_seen_ms < ?", [cutoffMs]);
    const expired = (
      await this.engine.all<{ id: string }>(
        'SELECT id FROM adaptations WHERE reverted_ms < ? OR until_ms < ?',
        [cutoffMs, cutoffMs],
      )
    ).map((r) => r.id);
    for (let i = 0; i < expired.length; i += 500) {
      const ids = expired.slice(i, i + 500);
      await this.audited(async (tx, append) => {
        await append(this.retentionEntry(cutoffMs, { adaptationIds: ids }));
        await tx.run(`DELETE FROM adaptations WHERE id IN (${placeholders(ids.length)})`, ids);
      });
    }
    await this.engine.transaction(async (tx) => {
      await this.lockAudit(tx);
      const refs = await tx.get<{ s: number | null }>(
        'SELECT MIN(s) AS s FROM (SELECT MIN(audit_seq) AS s FROM alerts UNION ALL SELECT MIN(audit_seq) FROM feedback UNION ALL SELECT MIN(audit_seq) FROM adaptations) t',
      );
      const old = await tx.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM audit_log WHERE ts_ms < ?', [
        cutoffMs,
      ]);
      if (old?.s === null || old?.s === undefined) return;
      const upTo =
        refs?.s === null || refs?.s === undefined
          ? Number(old.s)
          : Math.min(Number(old.s), Number(refs.s) - 1);
      const last = await tx.get<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log WHERE seq = ?',
        [upTo],
      );
      if (!last) return;
      const anchor = { seq: Number(last.seq), hash: last.hash };
      await tx.run(
        "INSERT INTO meta (key, value) VALUES ('audit_anchor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [JSON.stringify({ ...anchor, signature: this.keys.sign(canonicalJson(anchor)) })],
      );
      result.auditEntries = await tx.run('DELETE FROM audit_log WHERE seq <= ?', [upTo]);
    });
    return result;
  }

  /**
   * The audit entry of a retention deletion: the rows it removes are then accounted for, so
   * verification tells them from rows deleted behind the store's back.
   */
  private retentionEntry(
    cutoffMs: number,
    deleted: { alertIds?: string[]; adaptationIds?: string[] },
  ): AuditFields {
    return {
      tsMs: this.latestEventMs,
      actor: 'lucid-retention',
      action: RETENTION_ACTION,
      subject: deleted.alertIds ? 'alerts' : 'adaptations',
      payload: canonicalJson({ cutoffMs, ...deleted }),
    };
  }

  /** Flushes buffers, stops the timers and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.flush().catch(() => undefined);
    this.closed = true;
    this.removeAllListeners();
    await this.engine.close();
  }

  override on<K extends keyof StoreEvents>(event: K, listener: StoreEvents[K]): this {
    return super.on(event, listener);
  }

  override off<K extends keyof StoreEvents>(event: K, listener: StoreEvents[K]): this {
    return super.off(event, listener);
  }
}
