import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import type { SqlEngine, SqlExecutor, SqlParam } from './sql-engine';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Rewrites `?` placeholders to PostgreSQL's `$1, $2, …` (Lucid's statements have no `?` in literals). */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** BIGINT and NUMERIC as JS numbers (epoch ms and counters fit in 2^53). */
const numberTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? (v: string) => Number(v)
      : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

function executor(q: { query: PoolClient['query'] }): SqlExecutor {
  const rows = async <T>(sql: string, params?: SqlParam[]): Promise<T[]> =>
    (
      await q.query(
        toPgPlaceholders(sql),
        (params ?? []).map((p) => (p === undefined ? null : p)),
      )
    ).rows as T[];
  return {
    all: rows,
    get: async <T>(sql: string, params?: SqlParam[]) => (await rows<T>(sql, params))[0],
    run: async (sql: string, params?: SqlParam[]) =>
      (
        await q.query(
          toPgPlaceholders(sql),
          (params ?? []).map((p) => (p === undefined ? null : p)),
        )
      ).rowCount ?? 0,
  };
}

/**
 * PostgreSQL through a `pg` connection pool. Transactions take a dedicated client; writers that
 * append to the audit chain additionally take an advisory lock (see the store), so several Lucid
 * instances can share one database.
 * @see https://node-postgres.com/features/transactions
 */
export class PgEngine implements SqlEngine {
  readonly dialect = 'postgres' as const;
  private readonly pool: Pool;
  private readonly direct: SqlExecutor;

  /** @param config - a connection string or a `pg` PoolConfig. */
  constructor(config: string | PoolConfig) {
    const base: PoolConfig = typeof config === 'string' ? { connectionString: config } : config;
    this.pool = new Pool({ max: 5, ...base, types: numberTypes });
    this.pool.on('error', () => undefined);
    this.direct = executor(this.pool as unknown as PoolClient);
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  get<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: SqlParam[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** No-op: PostgreSQL's autovacuum keeps the planner statistics current. */
  async optimize(): Promise<void> {}

  close(): Promise<void> {
    return this.pool.end();
  }
}
