import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditEntryHash, readAuditCheckpoint, sha256Hex, SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { makeAlert, makeEvent } from './fixtures';
import { TAMPER_CASES, expectDetected, seedTamperStore } from './tamper-cases';

/**
 * The database is edited behind Lucid's back, on a real SQLite file; audit/verify must point at
 * the edited entry (chain order) or the edited record, and a truncated tail is caught by the
 * signed checkpoint file. Audit seqs: 1 a-1 opened, 2 a-2 opened, 3 a-1 updated, 4 feedback on
 * a-2, 5 adaptation, 6 a-3 opened. The same table runs on PostgreSQL in
 * test/store/pg-audit-tamper.test.ts.
 */
const keys = SigningKeys.generate();
let dir: string;

const open = (): Promise<SqlAlertStore> =>
  SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
    keys,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
    nowMs: () => 1,
    newId: () => 'fb-1',
    checkpointFile: join(dir, 'audit-checkpoint.json'),
  });

async function seed(): Promise<void> {
  const store = await open();
  await seedTamperStore(store);
  await store.close();
}

async function verify() {
  const store = await open();
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
  // Rows: 3 alerts, 4 alert events, 1 feedback, 1 adaptation.
  expect(await verify()).toMatchObject({
    ok: true,
    checkedEntries: 6,
    headSeq: 6,
    checkpointSeq: 6,
    records: { checked: 9, mismatches: 0 },
  });
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

it.each(TAMPER_CASES.map((c) => [c.name, c] as const))('%s is detected at its entry', async (_name, c) => {
  edit((db) => {
    for (const sql of c.sql) db.prepare(sql).run();
  });
  expectDetected(await verify(), c);
});

describe('the checkpoint file', () => {
  const truncate = (db: Database.Database) => {
    db.prepare("DELETE FROM alert_events WHERE alert_id = 'a-3'").run();
    db.prepare("DELETE FROM alerts WHERE id = 'a-3'").run();
    db.prepare('DELETE FROM audit_log WHERE seq = 6').run();
  };

  it('is signed, 0600, and names the head', () => {
    const cp = readAuditCheckpoint(join(dir, 'audit-checkpoint.json'));
    expect(cp).toMatchObject({ seq: 6, keyId: keys.info.keyId });
    expect(statSync(join(dir, 'audit-checkpoint.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps the evidence of a truncation when the store writes again after it', async () => {
    edit(truncate);
    const store = await open();
    try {
      // A new alert takes seq 6 again, with another hash: the held checkpoint still names the old one.
      await store.applyAlertEvent(makeEvent('opened', makeAlert({ id: 'a-4', deviceId: 'dev-4' })));
      const v = await store.verifyAudit();
      expect(v.firstBreak).toMatchObject({ seq: 6, reason: 'checkpoint_mismatch', subject: 'a-4' });
    } finally {
      await store.close();
    }
    expect(readAuditCheckpoint(join(dir, 'audit-checkpoint.json'))).toMatchObject({ seq: 6 });
    expect((await verify()).firstBreak).toMatchObject({ seq: 6, reason: 'checkpoint_mismatch' });
  });

  it.each([
    ['a lowered seq', (cp: Record<string, unknown>) => ({ ...cp, seq: 5 }), 'checkpoint_signature'],
    [
      'another key',
      (cp: Record<string, unknown>) => ({ ...cp, keyId: 'ed25519:0000' }),
      'checkpoint_signature',
    ],
    ['garbage', () => 'not json', 'checkpoint_unreadable'],
  ])('edited to %s is reported', async (_name, change, reason) => {
    const file = join(dir, 'audit-checkpoint.json');
    const next = change(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    writeFileSync(file, typeof next === 'string' ? next : JSON.stringify(next));
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.firstBreak).toMatchObject({ reason });
  });

  it('follows retention: the deleted rows are accounted for by its entry and the chain still verifies', async () => {
    const store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
      keys,
      flushIntervalMs: 0,
      cleanupIntervalMs: 0,
      retentionDays: 1,
      checkpointFile: join(dir, 'audit-checkpoint.json'),
    });
    try {
      const a2 = makeAlert({ id: 'a-2', deviceId: 'dev-2' });
      await store.applyAlertEvent(makeEvent('resolved', { ...a2, status: 'resolved' }));
      const later = a2.lastSeenMs + 3 * 86_400_000;
      await store.applyAlertEvent(
        makeEvent(
          'opened',
          makeAlert({ id: 'a-5', deviceId: 'dev-5', firstSeenMs: later, lastSeenMs: later }),
        ),
      );
      expect((await store.cleanup()).alerts).toBe(1);
      const v = await store.verifyAudit();
      expect(v).toMatchObject({ ok: true, records: { mismatches: 0 } });
      expect(v.checkpointSeq).toBe(v.headSeq);
    } finally {
      await store.close();
    }
  });
});
