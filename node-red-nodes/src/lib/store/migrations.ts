import type { SqlEngine } from './sql-engine';

/** One versioned schema change. Statements are portable between SQLite and PostgreSQL. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/**
 * The schema, in order. Never edit an applied migration: add the next version. Types are
 * chosen to mean the same in both engines (TEXT, BIGINT, INTEGER, DOUBLE PRECISION); JSON
 * bodies are canonical JSON text so that their hashes and signatures are engine-independent.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alerts, events, incidents, feedback, adaptations, audit log, samples, evidence, counters',
    statements: [
      `CREATE TABLE alerts (
        id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, incident_id TEXT, device_id TEXT NOT NULL,
        site TEXT, zone TEXT, tenant TEXT, metric TEXT, severity TEXT NOT NULL, severity_rank INTEGER NOT NULL,
        priority DOUBLE PRECISION NOT NULL, status TEXT NOT NULL, first_seen_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL, resolved_ms BIGINT, metrics TEXT NOT NULL, hit_count INTEGER NOT NULL, event_seq INTEGER NOT NULL,
        audit_seq BIGINT NOT NULL, body TEXT NOT NULL, signature TEXT NOT NULL, updated_ms BIGINT NOT NULL)`,
      'CREATE INDEX alerts_last_seen ON alerts (last_seen_ms)',
      'CREATE INDEX alerts_priority ON alerts (priority, last_seen_ms)',
      'CREATE INDEX alerts_device ON alerts (device_id, last_seen_ms)',
      'CREATE INDEX alerts_site ON alerts (site, last_seen_ms)',
      'CREATE INDEX alerts_status ON alerts (status, last_seen_ms)',
      'CREATE INDEX alerts_incident ON alerts (incident_id)',
      'CREATE INDEX alerts_fingerprint ON alerts (fingerprint)',
      `CREATE TABLE alert_events (
        alert_id TEXT NOT NULL, seq INTEGER NOT NULL, event_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        ts_ms BIGINT NOT NULL, actor TEXT NOT NULL, status TEXT NOT NULL, audit_seq BIGINT NOT NULL,
        PRIMARY KEY (alert_id, seq))`,
      `CREATE TABLE incidents (
        id TEXT PRIMARY KEY, site TEXT, zone TEXT, root_device_id TEXT, severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL, top_priority DOUBLE PRECISION NOT NULL, opened_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL)`,
      'CREATE INDEX incidents_last_seen ON incidents (last_seen_ms)',
      `CREATE TABLE feedback (
        id TEXT PRIMARY KEY, alert_id TEXT NOT NULL, verdict TEXT NOT NULL, user_name TEXT NOT NULL,
        ts_ms BIGINT NOT NULL, actor TEXT NOT NULL, audit_seq BIGINT NOT NULL, body TEXT NOT NULL)`,
      'CREATE INDEX feedback_alert ON feedback (alert_id, ts_ms)',
      `CREATE TABLE adaptations (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, ts_ms BIGINT NOT NULL, created_by TEXT NOT NULL,
        alert_id TEXT, until_ms BIGINT, reverted_ms BIGINT, audit_seq BIGINT NOT NULL, body TEXT NOT NULL)`,
      'CREATE INDEX adaptations_ts ON adaptations (ts_ms)',
      `CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY, ts_ms BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        subject TEXT NOT NULL, payload TEXT NOT NULL, payload_hash TEXT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL, signature TEXT NOT NULL)`,
      `CREATE TABLE samples (
        device_id TEXT NOT NULL, metric TEXT NOT NULL, ts_ms BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
        expected DOUBLE PRECISION, lower DOUBLE PRECISION, upper DOUBLE PRECISION, score DOUBLE PRECISION,
        anomaly INTEGER NOT NULL, PRIMARY KEY (device_id, metric, ts_ms))`,
      'CREATE INDEX samples_ts ON samples (ts_ms)',
      `CREATE TABLE alert_evidence (
        alert_id TEXT NOT NULL, metric TEXT NOT NULL, ts_ms BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
        expected DOUBLE PRECISION, lower DOUBLE PRECISION, upper DOUBLE PRECISION, score DOUBLE PRECISION,
        anomaly INTEGER NOT NULL, PRIMARY KEY (alert_id, metric, ts_ms))`,
      `CREATE TABLE counters (
        bucket_ms BIGINT NOT NULL, name TEXT NOT NULL, value BIGINT NOT NULL, PRIMARY KEY (bucket_ms, name))`,
      'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    ],
  },
  {
    version: 2,
    name: 'indexes that cover the API sort orders (with id) and severity filters/counts',
    statements: [
      'DROP INDEX IF EXISTS alerts_priority',
      'DROP INDEX IF EXISTS alerts_last_seen',
      'CREATE INDEX alerts_rank ON alerts (priority, last_seen_ms, id)',
      'CREATE INDEX alerts_time ON alerts (last_seen_ms, id)',
      'CREATE INDEX alerts_severity ON alerts (severity, priority)',
    ],
  },
];

/** Arbitrary constant for PostgreSQL advisory locks taken by Lucid (migrations, audit appends). */
export const PG_LOCK_KEY = 0x1c1d;

/**
 * Applies the migrations newer than the database's version, each in its own transaction, and
 * records them in `lucid_schema`. Safe to call on every start (and, in PostgreSQL, from several
 * instances at once: an advisory lock serializes them).
 * @returns the schema version after migrating.
 */
export async function migrate(
  engine: SqlEngine,
  nowMs: () => number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  await engine.exec(
    'CREATE TABLE IF NOT EXISTS lucid_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)',
  );
  let version = 0;
  for (const m of migrations) {
    await engine.transaction(async (tx) => {
      if (engine.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [PG_LOCK_KEY]);
      const done = await tx.get('SELECT version FROM lucid_schema WHERE version = ?', [m.version]);
      if (done) return;
      for (const s of m.statements) await tx.run(s);
      await tx.run('INSERT INTO lucid_schema (version, name, applied_ms) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        nowMs(),
      ]);
    });
    version = m.version;
  }
  return version;
}
