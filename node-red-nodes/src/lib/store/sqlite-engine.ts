import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SqlEngine, SqlExecutor, SqlParam } from './sql-engine';

/** How often the checkpoint thread copies the WAL back into the database file, ms. */
const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * The checkpoint thread: its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * interval (PASSIVE never blocks the writer), until told to stop. Plain JS (eval'd), so it runs
 * the same under ts-jest and from dist/.
 */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const run = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); } };
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); try { db.close(); } catch {} parentPort.postMessage('stopped'); parentPort.close(); }
});
`;

function bind(params: SqlParam[] = []): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * SQLite through better-sqlite3, in WAL mode with `synchronous=NORMAL`: a committed transaction
 * survives a killed process (the WAL is in the OS cache), and readers never block the writer.
 * Checkpoints (copying the WAL into the database file, with an fsync) run on a worker thread
 * with its own connection (`wal_checkpoint(PASSIVE)` every second), not in the committing
 * call: SQLite's automatic checkpoint would block the event loop for tens of ms every ~1000
 * WAL pages. If that thread cannot start, the automatic checkpoint is switched back on.
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
  private checkpointer: Worker | undefined;

  /**
   * @param file - database file, or `:memory:`. A missing file is created with mode 0600 (its
   *   directory with 0700), and an existing one, with its WAL and shared-memory files, is set to
   *   0600: the database holds alerts and evidence. SQLite gives the WAL and shared-memory files
   *   it creates the database file's mode.
   */
  constructor(readonly file: string) {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // Room for a large flush's dirty pages, so they reach the WAL once, at commit (default 2 MB).
    this.db.pragma('cache_size = -32768');
    if (file !== ':memory:') this.startCheckpointer(file);
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

  private startCheckpointer(file: string): void {
    try {
      const worker = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { module: require.resolve('better-sqlite3'), file, intervalMs: CHECKPOINT_INTERVAL_MS },
      });
      worker.unref();
      const fallback = (): void => {
        if (this.checkpointer !== worker) return;
        this.checkpointer = undefined;
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      };
      worker.on('error', fallback);
      worker.on('exit', fallback);
      this.checkpointer = worker;
      this.db.pragma('wal_autocheckpoint = 0');
    } catch {
      this.checkpointer = undefined;
    }
  }

  private async stopCheckpointer(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return;
    this.checkpointer = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().finally(resolve), 2000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('stop');
    });
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
      // The checkpoint thread's connection closes first, so closing this last connection
      // checkpoints the WAL and removes it.
      await this.stopCheckpointer();
      this.statements.clear();
      if (this.db.open) this.db.pragma('optimize');
      if (this.db.open) this.db.close();
    });
  }
}
