import type { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import type { AuditVerifyResult } from '../../../src/lib/store/store-types';
import { makeAlert, makeEvent } from './fixtures';

/**
 * Edits made to the database behind the store's back, in SQL both engines run, each with the
 * entry verification must name. The seeded audit log (see {@link seedTamperStore}):
 * 1 a-1 opened, 2 a-2 opened, 3 a-1 updated, 4 feedback on a-2, 5 adaptation ad-1, 6 a-3 opened.
 *
 * The first 13 are those issue 15 lists: the 5 the old check missed, the 6 it caught, plus the
 * deletion of a feedback row and of an alert event row.
 */
export interface TamperCase {
  name: string;
  sql: string[];
  /** What verification must report (the break in the chain, or the first row mismatch). */
  expected: {
    firstBreak?: Partial<NonNullable<AuditVerifyResult['firstBreak']>>;
    firstMismatch?: Partial<NonNullable<AuditVerifyResult['records']['firstMismatch']>>;
  };
}

const ALERT_COPY_COLUMNS =
  'fingerprint, incident_id, device_id, site, zone, tenant, metric, severity, severity_rank, priority, status, ' +
  'first_seen_ms, last_seen_ms, resolved_ms, metrics, hit_count, event_seq, audit_seq, body, signature, updated_ms';

export const TAMPER_CASES: readonly TamperCase[] = [
  {
    name: 'deleting an alert row',
    sql: ["DELETE FROM alerts WHERE id = 'a-2'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-2', auditSeq: 2, reason: 'row_missing' } },
  },
  {
    name: 'inserting a copy of an alert under a new id',
    sql: [
      `INSERT INTO alerts (id, ${ALERT_COPY_COLUMNS}) SELECT 'a-1-copy', ${ALERT_COPY_COLUMNS} FROM alerts WHERE id = 'a-1'`,
    ],
    expected: { firstMismatch: { table: 'alerts', id: 'a-1-copy', auditSeq: 3, reason: 'subject_mismatch' } },
  },
  {
    name: 'editing an alert event into a resolve that never happened',
    sql: ["UPDATE alert_events SET kind = 'resolved', status = 'resolved' WHERE alert_id = 'a-2'"],
    expected: {
      firstMismatch: { table: 'alert_events', id: 'a-2#1', auditSeq: 2, reason: 'event_mismatch' },
    },
  },
  {
    name: 'deleting the newest alert with its audit entry and events',
    sql: [
      "DELETE FROM alert_events WHERE alert_id = 'a-3'",
      "DELETE FROM alerts WHERE id = 'a-3'",
      'DELETE FROM audit_log WHERE seq = 6',
    ],
    expected: { firstBreak: { seq: 6, reason: 'truncated' } },
  },
  {
    name: 'changing hit_count',
    sql: ["UPDATE alerts SET hit_count = hit_count + 10 WHERE id = 'a-1'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-1', auditSeq: 3, reason: 'column_mismatch' } },
  },
  {
    name: 'changing the severity column',
    sql: ["UPDATE alerts SET severity = 'info' WHERE id = 'a-3'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-3', auditSeq: 6, reason: 'column_mismatch' } },
  },
  {
    name: 'changing the priority column',
    sql: ["UPDATE alerts SET priority = 1 WHERE id = 'a-2'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-2', auditSeq: 2, reason: 'column_mismatch' } },
  },
  {
    name: 'changing the status column',
    sql: ["UPDATE alerts SET status = 'resolved' WHERE id = 'a-1'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-1', auditSeq: 3, reason: 'column_mismatch' } },
  },
  {
    name: 'editing the alert body',
    sql: ["UPDATE alerts SET body = replace(body, '\"priority\":70', '\"priority\":5') WHERE id = 'a-2'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-2', auditSeq: 2, reason: 'body_mismatch' } },
  },
  {
    name: 'editing an audit payload',
    sql: ["UPDATE audit_log SET payload = replace(payload, 'false_positive', 'useful') WHERE seq = 4"],
    expected: { firstBreak: { seq: 4, reason: 'payload_mismatch' } },
  },
  {
    name: 'deleting an audit entry',
    sql: ['DELETE FROM audit_log WHERE seq = 2'],
    expected: {
      firstBreak: { seq: 3, reason: 'seq_gap' },
      firstMismatch: { table: 'alerts', id: 'a-2', auditSeq: 2, reason: 'audit_missing' },
    },
  },
  {
    name: 'deleting a feedback row',
    sql: ["DELETE FROM feedback WHERE alert_id = 'a-2'"],
    expected: { firstMismatch: { table: 'feedback', id: 'a-2', auditSeq: 4, reason: 'row_missing' } },
  },
  {
    name: 'deleting an alert event row',
    sql: ["DELETE FROM alert_events WHERE alert_id = 'a-1' AND seq = 2"],
    expected: { firstMismatch: { table: 'alert_events', id: 'a-1', auditSeq: 3, reason: 'row_missing' } },
  },
  // Beyond the list.
  {
    name: 'editing a feedback column',
    sql: ["UPDATE feedback SET verdict = 'useful'"],
    expected: { firstMismatch: { table: 'feedback', id: 'fb-1', auditSeq: 4, reason: 'column_mismatch' } },
  },
  {
    name: 'inserting a forged event row',
    sql: [
      "INSERT INTO alert_events (alert_id, seq, event_key, kind, ts_ms, actor, status, audit_seq) VALUES ('a-3', 2, 'forged', 'resolved', 1700000000000, 'alice', 'resolved', 6)",
    ],
    expected: {
      firstMismatch: { table: 'alert_events', id: 'a-3#2', auditSeq: 6, reason: 'event_mismatch' },
    },
  },
  {
    name: 'deleting a whole alert (row, events, feedback) but not its entries',
    sql: [
      "DELETE FROM feedback WHERE alert_id = 'a-2'",
      "DELETE FROM alert_events WHERE alert_id = 'a-2'",
      "DELETE FROM alerts WHERE id = 'a-2'",
    ],
    expected: { firstMismatch: { table: 'alerts', id: 'a-2', auditSeq: 2, reason: 'row_missing' } },
  },
  {
    name: 'deleting an adaptation row',
    sql: ["DELETE FROM adaptations WHERE id = 'ad-1'"],
    expected: { firstMismatch: { table: 'adaptations', id: 'ad-1', auditSeq: 5, reason: 'row_missing' } },
  },
  {
    name: 'moving an alert row to an older entry of its own',
    sql: ["UPDATE alerts SET audit_seq = 1 WHERE id = 'a-1'"],
    expected: { firstMismatch: { table: 'alerts', id: 'a-1', auditSeq: 1, reason: 'body_mismatch' } },
  },
];

/** Writes the six audited records the cases refer to. */
export async function seedTamperStore(store: SqlAlertStore): Promise<void> {
  const a1 = makeAlert({ id: 'a-1' });
  await store.applyAlertEvent(makeEvent('opened', a1));
  await store.applyAlertEvent(makeEvent('opened', makeAlert({ id: 'a-2', deviceId: 'dev-2' })));
  await store.applyAlertEvent(makeEvent('updated', { ...a1, count: 2, lastSeenMs: a1.lastSeenMs + 1 }));
  await store.recordFeedback({ alertId: 'a-2', verdict: 'false_positive', user: 'alice', tsMs: 2 }, 'ops');
  await store.recordAdaptation(
    { id: 'ad-1', kind: 'suppress', fingerprint: 'f', createdBy: 'alice', reason: 'fp', tsMs: 3 },
    'lucid-feedback',
  );
  await store.applyAlertEvent(makeEvent('opened', makeAlert({ id: 'a-3', deviceId: 'dev-3' })));
}

/** Checks a verification result against a case: exactly the expected break and mismatch. */
export function expectDetected(v: AuditVerifyResult, c: TamperCase): void {
  expect({ name: c.name, ok: v.ok }).toEqual({ name: c.name, ok: false });
  if (c.expected.firstBreak) expect(v.firstBreak).toMatchObject(c.expected.firstBreak);
  else expect(v.firstBreak).toBeUndefined();
  if (c.expected.firstMismatch) expect(v.records.firstMismatch).toMatchObject(c.expected.firstMismatch);
  else expect(v.records.firstMismatch).toBeUndefined();
}
