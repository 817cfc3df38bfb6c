import * as fs from 'node:fs';
import * as path from 'node:path';

/** Mode of the data folder and every folder in it: owner only. */
export const DATA_DIR_MODE = 0o700;
/** Mode of every file in the data folder: owner read/write only. */
export const DATA_FILE_MODE = 0o600;
/** The process umask while the embedded stack runs: new files 0600, new folders 0700. */
export const DATA_UMASK = 0o077;

/**
 * Creates the data folder of `npm start` with mode 0700 and tightens what an earlier version
 * left there: folders to 0700, files to 0600 (symbolic links and `node_modules` are left alone).
 * The folder holds the editor password, the API token, the signing key, Node-RED's credentials
 * and the alert database, so no other local user may read it.
 * @param dataDir - the data folder (absolute or relative to the working directory).
 */
export function secureDataFolder(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const tighten = (dir: string): void => {
    fs.chmodSync(dir, DATA_DIR_MODE);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') tighten(full);
      else if (entry.isFile()) fs.chmodSync(full, DATA_FILE_MODE);
    }
  };
  tighten(dataDir);
}
