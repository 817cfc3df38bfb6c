import { basename, dirname } from 'node:path';

/**
 * A device id for a recorded file, from its name: the base name without `.gz`, `.csv`, `.txt`;
 * a purely numeric name is prefixed with its folder (SKAB's `valve1/1.csv` → `valve1-1`).
 * Characters other than letters, digits, `_`, `.` and `-` become `-` (so the id is safe in an
 * MQTT topic level).
 *
 * @example deviceIdFromPath('data/realKnownCause/machine_temperature_system_failure.csv') // 'machine_temperature_system_failure'
 * @example deviceIdFromPath('SMD/test/machine-1-8.txt.gz') // 'machine-1-8'
 */
export function deviceIdFromPath(path: string): string {
  let name = basename(path)
    .replace(/\.gz$/i, '')
    .replace(/\.(csv|txt|tsv)$/i, '');
  if (/^\d+$/.test(name)) {
    const folder = basename(dirname(path));
    if (folder && folder !== '.' && folder !== '/') name = `${folder}-${name}`;
  }
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return safe || 'replay';
}
