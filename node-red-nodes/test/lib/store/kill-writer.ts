/**
 * Child process of the kill-and-restart test: writes alert events and adaptations to a SQLite
 * store as fast as it can, printing the index of each committed iteration, until it is killed.
 * Every event is a pure function of its index, so the parent can replay them.
 */
import { SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { iterationWrites } from './kill-writes';

async function main(): Promise<void> {
  const [dir, maxIterations] = process.argv.slice(2);
  const store = await SqlAlertStore.open(new SqliteEngine(`${dir}/lucid.db`), {
    keys: SigningKeys.loadOrCreate(dir),
    nowMs: () => 1_700_000_000_000,
    flushIntervalMs: 0,
    cleanupIntervalMs: 0,
  });
  for (let i = 0; i < Number(maxIterations); i++) {
    const w = iterationWrites(i);
    for (const e of w.events) await store.applyAlertEvent(e, w.incident);
    if (w.adaptation) await store.recordAdaptation(w.adaptation, 'lucid-feedback');
    process.stdout.write(`${i}\n`);
  }
  await store.close();
}

void main();
