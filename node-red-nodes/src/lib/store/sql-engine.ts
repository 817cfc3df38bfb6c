/** A parameter of a SQL statement. */
export type SqlParam = string | number | null | undefined | boolean;

/** Runs statements; `?` placeholders in both dialects (the PostgreSQL engine rewrites them to `$n`). */
export interface SqlExecutor {
  all<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T | undefined>;
  /** Runs a write; resolves to the number of rows changed. */
  run(sql: string, params?: SqlParam[]): Promise<number>;
}

/**
 * The SQL database behind an {@link import('./sql-alert-store').SqlAlertStore}: SQLite
 * (better-sqlite3) or PostgreSQL (pg). Both run the same schema and statements; only the few
 * dialect differences go through {@link SqlEngine.dialect}.
 */
export interface SqlEngine extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs several `;`-separated statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one transaction (committed when it resolves, rolled back when it rejects).
   * Use only `tx` inside `fn`: the engine itself is locked for its duration.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Refreshes the query planner's statistics where the engine does not do it itself. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
