import type { Alert } from '../contracts/types';
import {
  GENESIS_HASH,
  auditCheckpointSigned,
  canonicalJson,
  checkAuditEntry,
  sha256Hex,
  type AuditCheckpoint,
  type AuditEntry,
  type SigningKeys,
} from '../signing';
import { ALERT_COLUMN_NAMES, alertColumns, sameColumnValue } from './alert-columns';
import type { SqlExecutor } from './sql-engine';
import type { AuditRowMismatch, AuditVerifyResult, StoredFeedback } from './store-types';

/** Action of the audit entries that record rows deleted by retention. */
export const RETENTION_ACTION = 'retention.deleted';

/** Rows read per query while verifying. */
const PAGE_ROWS = 1000;

type Table = NonNullable<AuditVerifyResult['records']['firstMismatch']>['table'];
const TABLE_ORDER: readonly Table[] = ['alerts', 'alert_events', 'feedback', 'adaptations'];

/** What verification keeps of one entry. */
interface EntryFacts {
  action: string;
  subject: string;
  tsMs: number;
  actor: string;
  payloadHash: string;
  /** The alert status an `alert.*` entry's payload records. */
  status?: string;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Verifies Lucid's audit log and the rows it covers:
 *
 * 1. **Chain**: every entry from the retention anchor to the head (seq continuity, link to the
 *    previous hash, payload hash, entry hash, Ed25519 signature).
 * 2. **Head**: the signed checkpoint kept outside the database must be at or behind the head,
 *    with the same hash at its seq; a head behind it means entries were cut off the end.
 * 3. **Rows → entries**: each alert, alert event, feedback and adaptation row matches the entry
 *    it references (subject, body hash, indexed columns, signature; an alert is at its latest
 *    entry; an event matches its entry's kind, time, actor and resulting status).
 * 4. **Entries → rows**: each `alert.*` entry has its alert row and its event row, each
 *    `feedback` entry its feedback row, each `adaptation.*` entry its adaptation row, unless a
 *    later retention entry deleted that record.
 *
 * Entries at or before the retention anchor were deleted by retention; rows that reference them
 * (the events of a long-lived alert) cannot be checked and are skipped.
 * Holds O(entries) facts in memory; reads rows in pages and yields to the event loop between them.
 * @param db - the store's database.
 * @param keys - the store's key (verification only).
 * @param options.anchor - the signed retention anchor, when retention has trimmed the log.
 * @param options.checkpoint - the checkpoint file's content (`'unreadable'` when it is not a
 *   checkpoint), undefined when there is none.
 */
export async function verifyAuditLog(
  db: SqlExecutor,
  keys: Pick<SigningKeys, 'verify'> & { info: { keyId: string } },
  options: {
    anchor?: { seq: number; hash: string; signature: string };
    checkpoint?: AuditCheckpoint | 'unreadable';
  },
): Promise<AuditVerifyResult> {
  const { anchor, checkpoint } = options;
  let prev = anchor ? { seq: anchor.seq, hash: anchor.hash } : { seq: 0, hash: GENESIS_HASH };
  const anchorSeq = prev.seq;
  const result: AuditVerifyResult = {
    ok: true,
    anchorSeq,
    headSeq: prev.seq,
    checkedEntries: 0,
    records: { checked: 0, mismatches: 0 },
    keyId: keys.info.keyId,
  };
  const chainBreak = (
    seq: number,
    reason: NonNullable<AuditVerifyResult['firstBreak']>['reason'],
    entry?: Pick<AuditEntry, 'action' | 'subject' | 'tsMs'>,
  ): void => {
    result.ok = false;
    result.firstBreak ??= {
      seq,
      action: entry?.action ?? '',
      subject: entry?.subject ?? '',
      tsMs: entry?.tsMs ?? 0,
      reason,
    };
  };
  if (anchor && !keys.verify(canonicalJson({ seq: anchor.seq, hash: anchor.hash }), anchor.signature))
    chainBreak(anchor.seq, 'anchor_signature', { action: 'anchor', subject: 'audit_anchor', tsMs: 0 });

  // ---- 1. the chain, and what the rows are checked against ---------------------------------
  const entries = new Map<number, EntryFacts>();
  const hashes = new Map<number, string>([[prev.seq, prev.hash]]);
  const latest = new Map<string, number>();
  const deletedAt = new Map<string, number>();
  for (;;) {
    const rows = await db.all<Record<string, string | number>>(
      'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
      [prev.seq, PAGE_ROWS],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const entry: AuditEntry = {
        seq: Number(r.seq),
        tsMs: Number(r.ts_ms),
        actor: String(r.actor),
        action: String(r.action),
        subject: String(r.subject),
        payloadHash: String(r.payload_hash),
        prevHash: String(r.prev_hash),
        hash: String(r.hash),
        signature: String(r.signature),
      };
      const payload = String(r.payload);
      const reason = checkAuditEntry(keys, prev, entry, payload);
      if (reason) chainBreak(entry.seq, reason, entry);
      const facts: EntryFacts = { ...entry };
      const kind = entryKind(entry.action);
      if (kind) latest.set(`${kind}:${entry.subject}`, entry.seq);
      if (kind === 'alert') facts.status = parseOr(payload, (p: Alert) => p.status);
      if (entry.action === RETENTION_ACTION) {
        const deleted = parseOr(payload, (p: { alertIds?: string[]; adaptationIds?: string[] }) => p) ?? {};
        for (const id of deleted.alertIds ?? []) deletedAt.set(`alert:${id}`, entry.seq);
        for (const id of deleted.adaptationIds ?? []) deletedAt.set(`adaptation:${id}`, entry.seq);
      }
      entries.set(entry.seq, facts);
      hashes.set(entry.seq, entry.hash);
      result.checkedEntries++;
      prev = { seq: entry.seq, hash: entry.hash };
    }
    result.headSeq = prev.seq;
    await yieldToLoop();
  }

  // ---- 2. the head against the checkpoint kept outside the database --------------------------
  if (checkpoint === 'unreadable') chainBreak(result.headSeq, 'checkpoint_unreadable');
  else if (checkpoint) {
    result.checkpointSeq = checkpoint.seq;
    if (checkpoint.keyId !== keys.info.keyId || !auditCheckpointSigned(keys, checkpoint))
      chainBreak(checkpoint.seq, 'checkpoint_signature');
    else if (checkpoint.seq > result.headSeq) chainBreak(result.headSeq + 1, 'truncated');
    else if (hashes.has(checkpoint.seq) && hashes.get(checkpoint.seq) !== checkpoint.hash)
      chainBreak(checkpoint.seq, 'checkpoint_mismatch', entries.get(checkpoint.seq));
  }

  // ---- 3. rows against the entries they reference ------------------------------------------
  const mismatches: { table: Table; id: string; auditSeq: number; reason: AuditRowMismatch }[] = [];
  const mismatch = (table: Table, id: string, auditSeq: number, reason: AuditRowMismatch): void => {
    mismatches.push({ table, id, auditSeq, reason });
  };
  /**
   * The entry a row references, or undefined after reporting why it cannot be used. Only alert
   * events may reference entries retention has trimmed (an alert's rows reference its latest).
   */
  const entryOf = (table: Table, id: string, seq: number, kind: string, subject: string) => {
    result.records.checked++;
    if (table === 'alert_events' && seq <= anchorSeq) return undefined;
    const e = entries.get(seq);
    if (!e) mismatch(table, id, seq, 'audit_missing');
    else if (entryKind(e.action) !== kind || e.subject !== subject)
      mismatch(table, id, seq, 'subject_mismatch');
    else return e;
    return undefined;
  };

  const alertRows = new Set<string>();
  await eachPage(db, 'SELECT * FROM alerts WHERE id > ? ORDER BY id LIMIT ?', ['id'], async (r) => {
    const id = String(r.id);
    const seq = Number(r.audit_seq);
    alertRows.add(id);
    const e = entryOf('alerts', id, seq, 'alert', id);
    if (!e) return;
    const body = String(r.body);
    if (sha256Hex(body) !== e.payloadHash) return mismatch('alerts', id, seq, 'body_mismatch');
    if (!keys.verify(body, String(r.signature))) return mismatch('alerts', id, seq, 'signature');
    const columns = alertColumns(JSON.parse(body) as Alert);
    if (!ALERT_COLUMN_NAMES.every((n) => sameColumnValue(n, r[n], columns[n])))
      return mismatch('alerts', id, seq, 'column_mismatch');
    if (latest.get(`alert:${id}`) !== seq) mismatch('alerts', id, seq, 'not_latest');
  });

  const eventSeqs = new Set<number>();
  let previousEvent = { alertId: '', auditSeq: 0 };
  await eachPage(
    db,
    'SELECT * FROM alert_events WHERE alert_id > ? OR (alert_id = ? AND seq > ?) ORDER BY alert_id, seq LIMIT ?',
    ['alert_id', 'alert_id', 'seq'],
    async (r) => {
      const alertId = String(r.alert_id);
      const id = `${alertId}#${Number(r.seq)}`;
      const seq = Number(r.audit_seq);
      // An alert's events follow its chain order: a row slipped in before a trimmed entry shows.
      const outOfOrder = previousEvent.alertId === alertId && seq <= previousEvent.auditSeq;
      previousEvent = { alertId, auditSeq: seq };
      const e = entryOf('alert_events', id, seq, 'alert', alertId);
      if (outOfOrder) return mismatch('alert_events', id, seq, 'event_mismatch');
      if (!e) return;
      if (eventSeqs.has(seq)) return mismatch('alert_events', id, seq, 'event_mismatch');
      eventSeqs.add(seq);
      if (
        e.action !== `alert.${String(r.kind)}` ||
        e.tsMs !== Number(r.ts_ms) ||
        e.actor !== String(r.actor) ||
        e.status !== String(r.status)
      )
        mismatch('alert_events', id, seq, 'event_mismatch');
    },
  );

  const feedbackSeqs = new Set<number>();
  await eachPage(db, 'SELECT * FROM feedback WHERE id > ? ORDER BY id LIMIT ?', ['id'], async (r) => {
    const id = String(r.id);
    const seq = Number(r.audit_seq);
    const e = entryOf('feedback', id, seq, 'feedback', String(r.alert_id));
    if (!e) return;
    feedbackSeqs.add(seq);
    const body = String(r.body);
    if (sha256Hex(body) !== e.payloadHash) return mismatch('feedback', id, seq, 'body_mismatch');
    const f = JSON.parse(body) as StoredFeedback;
    if (
      f.id !== id ||
      f.alertId !== String(r.alert_id) ||
      f.verdict !== String(r.verdict) ||
      f.user !== String(r.user_name) ||
      f.tsMs !== Number(r.ts_ms) ||
      f.actor !== String(r.actor)
    )
      mismatch('feedback', id, seq, 'column_mismatch');
  });

  const adaptationRows = new Set<string>();
  await eachPage(db, 'SELECT * FROM adaptations WHERE id > ? ORDER BY id LIMIT ?', ['id'], async (r) => {
    const id = String(r.id);
    const seq = Number(r.audit_seq);
    adaptationRows.add(id);
    const e = entryOf('adaptations', id, seq, 'adaptation', id);
    if (!e) return;
    if (sha256Hex(String(r.body)) !== e.payloadHash) return mismatch('adaptations', id, seq, 'body_mismatch');
    if (latest.get(`adaptation:${id}`) !== seq) mismatch('adaptations', id, seq, 'not_latest');
  });

  // ---- 4. entries against their rows --------------------------------------------------------
  const missingAlerts = new Set<string>();
  for (const [seq, e] of entries) {
    const kind = entryKind(e.action);
    const recordKey = kind === 'feedback' ? `alert:${e.subject}` : `${kind}:${e.subject}`;
    if (!kind || (deletedAt.get(recordKey) ?? 0) > seq) continue;
    if (kind === 'alert') {
      if (!alertRows.has(e.subject)) {
        if (!missingAlerts.has(e.subject))
          mismatch('alerts', e.subject, latest.get(recordKey) ?? seq, 'row_missing');
        missingAlerts.add(e.subject);
      } else if (!eventSeqs.has(seq)) mismatch('alert_events', e.subject, seq, 'row_missing');
    } else if (kind === 'feedback') {
      if (!feedbackSeqs.has(seq)) mismatch('feedback', e.subject, seq, 'row_missing');
    } else if (!adaptationRows.has(e.subject) && latest.get(recordKey) === seq) {
      mismatch('adaptations', e.subject, seq, 'row_missing');
    }
  }

  mismatches.sort(
    (a, b) => a.auditSeq - b.auditSeq || TABLE_ORDER.indexOf(a.table) - TABLE_ORDER.indexOf(b.table),
  );
  result.records.mismatches = mismatches.length;
  if (mismatches.length > 0) {
    result.ok = false;
    result.records.firstMismatch = mismatches[0];
  }
  return result;
}

/** The record kind an action is about: `alert`, `feedback` or `adaptation` (others: undefined). */
function entryKind(action: string): 'alert' | 'feedback' | 'adaptation' | undefined {
  if (action.startsWith('alert.')) return 'alert';
  if (action === 'feedback') return 'feedback';
  if (action.startsWith('adaptation.')) return 'adaptation';
  return undefined;
}

function parseOr<P, T>(text: string, pick: (value: P) => T): T | undefined {
  try {
    return pick(JSON.parse(text) as P);
  } catch {
    return undefined;
  }
}

/**
 * Reads a table in keyset pages: `sql` takes the last row's `keys` columns, then the page size.
 */
async function eachPage(
  db: SqlExecutor,
  sql: string,
  keys: readonly string[],
  visit: (row: Record<string, unknown>) => Promise<void> | void,
): Promise<void> {
  let after: (string | number)[] = keys.map((k) => (k === 'seq' ? -1 : ''));
  for (;;) {
    const rows = await db.all<Record<string, unknown>>(sql, [...after, PAGE_ROWS]);
    if (rows.length === 0) return;
    for (const r of rows) await visit(r);
    const last = rows[rows.length - 1];
    after = keys.map((k) => (k === 'seq' ? Number(last[k]) : String(last[k])));
    await yieldToLoop();
  }
}
