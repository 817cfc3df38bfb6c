import { hash } from 'bcryptjs';
import { getOrCreateSecret, type DataFolderSecret } from '../lib/api/api-token';

/** User name of the Node-RED editor and admin API under `npm start`. */
export const EDITOR_USER = 'admin';

/** Environment variable that sets the editor password instead of the generated one. */
export const EDITOR_PASSWORD_ENV = 'LUCID_EDITOR_PASSWORD';

/** File (in the data folder, mode 0600) that keeps the generated editor password. */
export const EDITOR_PASSWORD_FILE = 'editor-password';

/** bcrypt cost factor of the password hash handed to Node-RED (2^10 rounds, ~70 ms once per start). */
const BCRYPT_COST = 10;

/** Node-RED's `adminAuth` setting of type `credentials` (one user with every permission). */
export interface EditorAdminAuth {
  type: 'credentials';
  users: { username: string; password: string; permissions: '*' }[];
}

/**
 * The editor password of `npm start`: `LUCID_EDITOR_PASSWORD` when set, else the one kept in
 * `dataDir/editor-password`, else a new random one written there with mode 0600.
 * @param dataDir - the data folder (created with mode 0700 when missing).
 * @param env - environment to read [process.env].
 */
export function getOrCreateEditorPassword(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): DataFolderSecret {
  return getOrCreateSecret(dataDir, EDITOR_PASSWORD_FILE, EDITOR_PASSWORD_ENV, env);
}

/**
 * Node-RED's `adminAuth` for one user `admin` with all permissions, in the documented
 * `credentials` form: the password as a bcrypt hash (bcryptjs, the library Node-RED itself
 * verifies it with). Node-RED then asks for a login in the editor and requires a bearer token
 * from `POST /auth/token` on every admin API call.
 * @param password - the plain password (only its hash is handed to Node-RED).
 * @see https://nodered.org/docs/user-guide/runtime/securing-node-red#editor--admin-api-security
 */
export async function editorAdminAuth(password: string): Promise<EditorAdminAuth> {
  return {
    type: 'credentials',
    users: [{ username: EDITOR_USER, password: await hash(password, BCRYPT_COST), permissions: '*' }],
  };
}
