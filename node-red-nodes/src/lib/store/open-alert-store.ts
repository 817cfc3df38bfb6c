import { join } from 'node:path';
import { ConfigError } from '../contracts/errors';
import { SigningKeys } from '../signing';
import { PgEngine } from './pg-engine';
import { SqlAlertStore, type AlertStoreOptions } from './sql-alert-store';
import { SqliteEngine } from './sqlite-engine';

/** Where and how to open the store. */
export type OpenStoreOptions = Omit<AlertStoreOptions, 'keys'> & {
  /** Directory for the SQLite file and the signing key (the Node-RED user dir's `lucid/`). */
  dataDir: string;
  /** `sqlite` (default) or `postgres`. */
  engine?: 'sqlite' | 'postgres';
  /** SQLite file [dataDir/lucid.db]. */
  sqliteFile?: string;
  /** PostgreSQL connection string, required for `postgres`. */
  postgresUrl?: string;
  /** Ed25519 private key PEM; when unset the key in dataDir is loaded or created. */
  signingKeyPem?: string;
};

/** File in the data folder that keeps the signed audit head (see `checkpointFile`). */
export const AUDIT_CHECKPOINT_FILE = 'audit-checkpoint.json';

/**
 * Opens Lucid's alert store with the chosen engine, migrating the schema and loading (or
 * creating, on first start) the Ed25519 signing key in `dataDir`, where the audit checkpoint
 * (`audit-checkpoint.json`) is kept too unless `checkpointFile` says otherwise.
 * @throws ConfigError for an unknown engine, a missing PostgreSQL URL or a bad key.
 * @example
 * const store = await openAlertStore({ dataDir: join(userDir, 'lucid') });
 */
export async function openAlertStore(options: OpenStoreOptions): Promise<SqlAlertStore> {
  const keys = options.signingKeyPem
    ? SigningKeys.fromPem(options.signingKeyPem)
    : SigningKeys.loadOrCreate(options.dataDir);
  const engineName = options.engine ?? 'sqlite';
  options = {
    ...options,
    checkpointFile: options.checkpointFile ?? join(options.dataDir, AUDIT_CHECKPOINT_FILE),
  };
  if (engineName === 'sqlite') {
    return SqlAlertStore.open(new SqliteEngine(options.sqliteFile ?? join(options.dataDir, 'lucid.db')), {
      ...options,
      keys,
    });
  }
  if (engineName === 'postgres') {
    if (!options.postgresUrl)
      throw new ConfigError(
        'postgresUrl: required for the postgres engine (e.g. postgres://user:pass@host:5432/lucid)',
      );
    return SqlAlertStore.open(new PgEngine(options.postgresUrl), { ...options, keys });
  }
  throw new ConfigError(`engine: expected sqlite or postgres, got ${JSON.stringify(engineName)}`);
}
