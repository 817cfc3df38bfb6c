import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the environment variable that carries the admin token of the embedded default. */
export const API_TOKEN_ENV = 'LUCID_API_TOKEN';

/** File (in the data folder) that keeps a generated admin token between starts. */
export const API_TOKEN_FILE = 'api-token';

/** A secret as {@link getOrCreateSecret} found or made it. */
export interface DataFolderSecret {
  /** The secret text (trimmed). */
  secret: string;
  /** `env` from the environment variable, `file` kept from an earlier start, `generated` new. */
  source: 'env' | 'file' | 'generated';
  /** The file that keeps it (written only when generated). */
  file: string;
}

/**
 * A secret of the embedded default (`npm start`): the environment variable `envName` when set,
 * else the text kept in `dataDir/fileName`, else a new random one (32 bytes, base64url) written
 * there with mode 0600 (the data folder is created with mode 0700 when missing).
 * @param dataDir - the data folder.
 * @param fileName - file name inside `dataDir`.
 * @param envName - environment variable that overrides the file.
 * @param env - environment to read [process.env].
 * @example
 * const { secret } = getOrCreateSecret('./data', 'api-token', 'LUCID_API_TOKEN');
 */
export function getOrCreateSecret(
  dataDir: string,
  fileName: string,
  envName: string,
  env: NodeJS.ProcessEnv = process.env,
): DataFolderSecret {
  const file = join(dataDir, fileName);
  const fromEnv = env[envName]?.trim();
  if (fromEnv) return { secret: fromEnv, source: 'env', file };
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return { secret: saved, source: 'file', file };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing (empty) file: set it explicitly.
  chmodSync(file, 0o600);
  return { secret, source: 'generated', file };
}

/**
 * The admin token of the embedded default (`npm start`): `LUCID_API_TOKEN` when set, else the
 * token kept in `dataDir/api-token`, else a new random one (32 bytes, base64url) written there
 * with mode 0600 (see {@link getOrCreateSecret}). The launcher calls this, prints the token with
 * the API URL, and passes it to Node-RED as `LUCID_API_TOKEN`.
 * @param dataDir - the data folder (created when missing).
 * @param env - environment to read [process.env].
 * @returns the token, where it came from, and the file path.
 * @example
 * const { token } = getOrCreateApiToken('./data');
 * process.env.LUCID_API_TOKEN = token;
 */
export function getOrCreateApiToken(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { token: string; source: 'env' | 'file' | 'generated'; file: string } {
  const { secret, source, file } = getOrCreateSecret(dataDir, API_TOKEN_FILE, API_TOKEN_ENV, env);
  return { token: secret, source, file };
}
