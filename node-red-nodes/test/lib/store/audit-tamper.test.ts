import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditEntryHash, sha256Hex, SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { makeAlert, makeEvent } from './fixtures';

/**
 * The database is edited behind Lucid's back; audit/verify must point at the edited entry
 * (chain order) or the edited record. Audit seqs: 1 a-1 opened, 2 a-2 opened, 3 a-1 updated,
 * 4 feedback on a-2, 5 adaptation, 6 a-3 opened.
 */
const keys = SigningKeys.generate();
let dir: string;

async function seed(): Promise<void> {
  const store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
    nowMs: () => 1,
  });
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
  await store.close();
}

async function verify() {
  const store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
  });
  try {
    return await store.verifyAudit();
  } finally {
    await store.close();
  }
}

function edit(fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'lucid.db'));
  fn(db);
  db.close();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lucid-tamper-'));
  await seed();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('an untouched database verifies', async () => {
  expect(await verify()).toMatchObject({ ok: true, checkedEntries: 6, headSeq: 6, records: { checked: 5 } });
});

it.each([
  [
    'the actor of entry 3',
    (db: Database.Database) => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").run(),
    3,
    'hash_mismatch',
  ],
  [
    'the payload of entry 4',
    (db: Database.Database) =>
      db
        .prepare("UPDATE audit_log SET payload = replace(payload, 'false_positive', 'useful') WHERE seq = 4")
        .run(),
    4,
    'payload_mismatch',
  ],
  [
    'deleting entry 2',
    (db: Database.Database) => db.prepare('DELETE FROM audit_log WHERE seq = 2').run(),
    3,
    'seq_gap',
  ],
  [
    'the stored hash of entry 5',
    (db: Database.Database) =>
      db.prepare("UPDATE audit_log SET hash = 'ff' || substr(hash, 3) WHERE seq = 5").run(),
    5,
    'hash_mismatch',
  ],
])('editing %s breaks the chain at that entry', async (_name, change, seq, reason) => {
  edit(change);
  const v = await verify();
  expect(v.ok).toBe(false);
  expect(v.firstBreak).toMatchObject({ seq, reason });
});

it('re-hashing an edited entry and its successors without the key is caught by the signature of that entry', async () => {
  edit((db) => {
    const rows = db.prepare('SELECT * FROM audit_log WHERE seq >= 2 ORDER BY seq').all() as Record<
      string,
      string | number
    >[];
    let prevHash = (db.prepare('SELECT hash FROM audit_log WHERE seq = 1').get() as { hash: string }).hash;
    for (const r of rows) {
      const payload =
        r.seq === 2 ? String(r.payload).replace('"severity":"high"', '"severity":"low"') : String(r.payload);
      const entry = {
        seq: Number(r.seq),
        tsMs: Number(r.ts_ms),
        actor: String(r.actor),
        action: String(r.action),
        subject: String(r.subject),
        payloadHash: sha256Hex(payload),
        prevHash,
      };
      const hash = auditEntryHash(entry);
      db.prepare(
        'UPDATE audit_log SET payload = ?, payload_hash = ?, prev_hash = ?, hash = ? WHERE seq = ?',
      ).run(payload, entry.payloadHash, prevHash, hash, r.seq);
      prevHash = hash;
    }
  });
  const v = await verify();
  expect(v.firstBreak).toMatchObject({ seq: 2, reason: 'signature', subject: 'a-2' });
});

it.each([
  [
    'the body of alert a-2',
    "UPDATE alerts SET body = replace(body, '\"priority\":70', '\"priority\":5') WHERE id = 'a-2'",
    'alerts',
    'a-2',
    'body_mismatch',
  ],
  [
    'the severity column of a-3',
    "UPDATE alerts SET severity = 'info' WHERE id = 'a-3'",
    'alerts',
    'a-3',
    'column_mismatch',
  ],
  [
    'the audit pointer of a-1',
    "UPDATE alerts SET audit_seq = 1 WHERE id = 'a-1'",
    'alerts',
    'a-1',
    'body_mismatch',
  ],
  [
    'a feedback body',
    "UPDATE feedback SET body = replace(body, 'alice', 'bob')",
    'feedback',
    undefined,
    'body_mismatch',
  ],
  [
    'an adaptation body',
    'UPDATE adaptations SET body = replace(body, \'"fp"\', \'"ok"\')',
    'adaptations',
    'ad-1',
    'body_mismatch',
  ],
])('editing %s is reported as that record', async (_name, sql, table, id, reason) => {
  edit((db) => db.prepare(sql).run());
  const v = await verify();
  expect(v.ok).toBe(false);
  expect(v.firstBreak).toBeUndefined();
  expect(v.records.firstMismatch).toMatchObject({ table, reason, ...(id ? { id } : {}) });
});
