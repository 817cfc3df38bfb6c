import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';

describe('SqliteEngine checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucid-engine-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed rows from the WAL into the database file on its checkpoint thread', async () => {
    const file = join(dir, 'lucid.db');
    const engine = new SqliteEngine(file);
    try {
      await engine.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      await engine.transaction(async (tx) => {
        for (let k = 0; k < 500; k++) await tx.run('INSERT INTO t (k, v) VALUES (?, ?)', [k, `v${k}`]);
      });
      expect(existsSync(`${file}-wal`)).toBe(true);
      // The thread checkpoints every second; the main file alone (no WAL) then holds the rows.
      let rows = 0;
      for (let i = 0; i < 40 && rows < 500; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const copy = join(dir, `copy-${i}.db`);
        copyFileSync(file, copy);
        const db = new Database(copy, { readonly: true });
        try {
          const hasTable = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 't'").get() as {
            n: number;
          };
          rows = hasTable.n ? (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n : 0;
        } finally {
          db.close();
        }
      }
      expect(rows).toBe(500);
    } finally {
      await engine.close();
    }
    // Closing the last connection checkpoints and removes the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(500);
    db.close();
  });

  it('runs in memory without a checkpoint thread', async () => {
    const engine = new SqliteEngine(':memory:');
    await engine.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
    await engine.run('INSERT INTO t (k) VALUES (?)', [1]);
    expect(await engine.all('SELECT k FROM t')).toEqual([{ k: 1 }]);
    await engine.close();
  });
});
