import { join, resolve } from 'node:path';
import type { Node, NodeDef } from 'node-red';
import type { SqlAlertStore } from '../../lib/store/sql-alert-store';
import type { ApiRouter } from '../../lib/api/api-router';
import { ConfigError } from '../../lib/contracts/errors';
import { API_TOKEN_ENV, getOrCreateApiToken } from '../../lib/api/api-token';
import { ApiAuth, parseTokenLines, type ApiToken } from '../../lib/api/api-auth';
import type { OpenStoreOptions } from '../../lib/store/open-alert-store';

/** The editor's properties of `lucid-store-config`. */
export interface StoreConfigDef extends NodeDef {
  engine?: 'sqlite' | 'postgres';
  /** SQLite file; relative paths resolve against the data dir. Empty: `<dataDir>/lucid.db`. */
  sqliteFile?: string;
  /** Data dir for the SQLite file, signing key and generated token. Empty: `<userDir>/lucid`. */
  dataDir?: string;
  retentionDays?: number | string;
  seriesCap?: number | string;
  apiEnabled?: boolean;
  corsOrigins?: string;
  metricsPublic?: boolean;
  /** Environment variable holding an admin token ('' to disable). */
  tokenEnv?: string;
  /** Generate (and keep in the data dir) an admin token when none is configured. */
  generateToken?: boolean;
}

/** Secrets of `lucid-store-config` (Node-RED credentials, never exported with the flow). */
export interface StoreCredentials {
  adminToken?: string;
  operatorToken?: string;
  viewerToken?: string;
  /** More tokens, one `name role token` per line. */
  extraTokens?: string;
  postgresUrl?: string;
  /** Ed25519 private key PEM; empty: generated in the data dir on first start. */
  signingKey?: string;
}

function num(v: number | string | undefined, dflt: number, field: string, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError(`${field}: expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Store options from the config node's properties and credentials.
 * @throws ConfigError naming the field.
 */
export function storeOptionsFromConfig(
  def: StoreConfigDef,
  creds: StoreCredentials,
  userDir: string,
): OpenStoreOptions {
  const dataDir = def.dataDir?.trim() ? resolve(userDir, def.dataDir.trim()) : join(userDir, 'lucid');
  const engine = def.engine || 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgres')
    throw new ConfigError(`engine: expected sqlite or postgres, got ${JSON.stringify(engine)}`);
  if (engine === 'postgres' && !creds.postgresUrl)
    throw new ConfigError('postgresUrl: required for the postgres engine');
  return {
    dataDir,
    engine,
    sqliteFile: def.sqliteFile?.trim() ? resolve(dataDir, def.sqliteFile.trim()) : undefined,
    postgresUrl: creds.postgresUrl || undefined,
    signingKeyPem: creds.signingKey?.trim() || undefined,
    retentionDays: num(def.retentionDays, 30, 'retentionDays', 0, 3650),
    seriesCap: num(def.seriesCap, 5000, 'seriesCap', 100, 1_000_000),
  };
}

/**
 * The API tokens: the credential tokens (named admin / operator / viewer), the extra token lines,
 * the admin token from the environment variable `tokenEnv` (named `env`), and, when none of
 * these exists and `generateToken` is on, the admin token kept in `<dataDir>/api-token`
 * (named `generated`; created on first start).
 * @returns the tokens and, when generated or read from the file, its path (to log it).
 * @throws ConfigError for short tokens, unknown roles or duplicate names.
 */
export function tokensFromConfig(
  def: StoreConfigDef,
  creds: StoreCredentials,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { tokens: ApiToken[]; tokenFile?: string } {
  const tokens: ApiToken[] = [];
  if (creds.adminToken) tokens.push({ name: 'admin', role: 'admin', token: creds.adminToken });
  if (creds.operatorToken) tokens.push({ name: 'operator', role: 'operator', token: creds.operatorToken });
  if (creds.viewerToken) tokens.push({ name: 'viewer', role: 'viewer', token: creds.viewerToken });
  if (creds.extraTokens) tokens.push(...parseTokenLines(creds.extraTokens));
  const envName = def.tokenEnv === undefined ? API_TOKEN_ENV : def.tokenEnv.trim();
  const fromEnv = envName ? env[envName]?.trim() : undefined;
  if (fromEnv) tokens.push({ name: 'env', role: 'admin', token: fromEnv });
  if (tokens.length === 0 && def.generateToken !== false) {
    const t = getOrCreateApiToken(dataDir, {});
    return { tokens: [{ name: 'generated', role: 'admin', token: t.token }], tokenFile: t.file };
  }
  new ApiAuth(tokens);
  return { tokens };
}

/** Where the API is served, under Node-RED's HTTP root (httpNodeRoot). */
export const API_PATH = '/lucid/api';

/** The `lucid-store-config` node as lucid-store and lucid-feedback see it. */
export interface StoreConfigNode extends Node<StoreCredentials> {
  /** Resolves to the open store; rejects with the configuration or connection error. */
  store: Promise<SqlAlertStore>;
  /** The API router once the store is open (undefined when the API is disabled), for embedding and tests. */
  api?: ApiRouter;
  /**
   * Registers writes in progress (a user node's queue): on close the config node waits for
   * them before closing the store, so a redeploy never drops messages already accepted.
   */
  track?: (work: Promise<unknown>) => void;
}

/**
 * The store of the config node with id `storeId`.
 * @throws ConfigError when no id is set or no such config node exists.
 */
export function resolveStore(getNode: (id: string) => unknown, storeId: string | undefined): StoreConfigNode {
  const node = storeId ? (getNode(storeId) as StoreConfigNode | null) : null;
  if (!node || !node.store)
    throw new ConfigError(
      `store: select a lucid-store-config node${storeId ? ` ("${storeId}" is missing)` : ''}`,
    );
  return node;
}
