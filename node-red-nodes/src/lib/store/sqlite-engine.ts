import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlEngine, SqlExecutor, SqlParam } from './sql-engine';

function bind(params: SqlParam[] = []): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * SQLite through better-sqlite3, in WAL mode with `synchronous=NORMAL`: a committed transaction
 * survives a killed process (the WAL is in the OS cache), and readers never block the writer.
 * better-sqlite3 is synchronous; this engine serializes every call through one promise queue so
 * an async transaction is never interleaved with other statements on the same connection.
 * Statements are prepared once and cached.
 * @see https://www.sqlite.org/wal.html
 */
export class SqliteEngine implements SqlEngine {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlExecutor;

  /** @param file - database file (created with its directory), or `:memory:`. */
  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    const stmt = (sql: string): Database.Statement => {
      let s = this.statements.get(sql);
      if (!s) {
        s = this.db.prepare(sql);
        if (this.statements.size > 500) this.statements.clear();
        this.statements.set(sql, s);
      }
      return s;
    };
    this.direct = {
      all: async <T>(sql: string, params?: SqlParam[]) => stmt(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params?: SqlParam[]) => stmt(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params?: SqlParam[]) => stmt(sql).run(...bind(params)).changes,
    };
  }

  private lock<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return this.lock(() => this.direct.all<T>(sql, params));
  }

  get<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T | undefined> {
    return this.lock(() => this.direct.get<T>(sql, params));
  }

  run(sql: string, params?: SqlParam[]): Promise<number> {
    return this.lock(() => this.direct.run(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.lock(async () => {
      this.db.exec(sql);
    });
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /**
   * `PRAGMA optimize`: SQLite re-analyzes the tables whose size changed enough, so the planner
   * picks the device/status indexes instead of scanning (SQLite has no auto-analyze).
   * @see https://www.sqlite.org/pragma.html#pragma_optimize
   */
  optimize(): Promise<void> {
    return this.lock(async () => {
      this.db.pragma('optimize');
    });
  }

  close(): Promise<void> {
    return this.lock(async () => {
      this.statements.clear();
      if (this.db.open) this.db.pragma('optimize');
      if (this.db.open) this.db.close();
    });
  }
}
