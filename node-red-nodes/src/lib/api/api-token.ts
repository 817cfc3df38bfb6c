import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the environment variable that carries the admin token of the embedded default. */
export const API_TOKEN_ENV = 'LUCID_API_TOKEN';

/** File (in the data folder) that keeps a generated admin token between starts. */
export const API_TOKEN_FILE = 'api-token';

/**
 * The admin token of the embedded default (`npm start`): `LUCID_API_TOKEN` when set, else the
 * token kept in `dataDir/api-token`, else a new random one (32 bytes, base64url) written there
 * with mode 0600. The launcher calls this, prints the token with the API URL, and passes it to
 * Node-RED as `LUCID_API_TOKEN`.
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
  const file = join(dataDir, API_TOKEN_FILE);
  const fromEnv = env[API_TOKEN_ENV]?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env', file };
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return { token: saved, source: 'file', file };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, source: 'generated', file };
}
