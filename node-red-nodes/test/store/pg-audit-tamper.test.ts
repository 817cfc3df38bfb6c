import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SigningKeys } from '../../src/lib/signing';
import { PgEngine } from '../../src/lib/store/pg-engine';
import { SqlAlertStore } from '../../src/lib/store/sql-alert-store';
import { TAMPER_CASES, expectDetected, seedTamperStore } from '../lib/store/tamper-cases';
import { skippedByRunner } from '../../../test-support/test-skips';
import { findPgBin, startPgServer, type PgServer } from './pg-server';

/**
 * The tamper table of test/lib/store/tamper-cases.ts on a real PostgreSQL server this suite
 * starts: each edit, made with a plain SQL client, is reported at its entry. Skipped like
 * pg-store.test.ts when the server binaries are missing (a failure under CI).
 */
const keys = SigningKeys.generate();
const haveBinaries = findPgBin() !== undefined;
if (!haveBinaries && process.env.CI === 'true' && !skippedByRunner('postgresql')) {
  it('PostgreSQL server binaries are installed (required under CI)', () => {
    throw new Error(
      'initdb/postgres/pg_ctl not found: install Debian package "postgresql" (`npm test` does)',
    );
  });
}
const suite = haveBinaries ? describe : describe.skip;

suite('audit verification on PostgreSQL: every tampering edit is found at its entry', () => {
  let server: PgServer;
  let dir: string;
  let n = 0;

  beforeAll(async () => {
    server = await startPgServer();
    dir = mkdtempSync(join(tmpdir(), 'lucid-pg-tamper-'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = (url: string, name: string): Promise<SqlAlertStore> =>
    SqlAlertStore.open(new PgEngine(url), {
      keys,
      flushIntervalMs: 0,
      cleanupIntervalMs: 0,
      nowMs: () => 1,
      newId: () => 'fb-1',
      checkpointFile: join(dir, `${name}.checkpoint.json`),
    });

  async function seeded(): Promise<{ url: string; name: string }> {
    const name = `tamper_${++n}`;
    const url = await server.createDatabase(name);
    const store = await open(url, name);
    await seedTamperStore(store);
    await store.close();
    return { url, name };
  }

  async function verify(url: string, name: string) {
    const store = await open(url, name);
    try {
      return await store.verifyAudit();
    } finally {
      await store.close();
    }
  }

  it('an untouched database verifies', async () => {
    const { url, name } = await seeded();
    expect(await verify(url, name)).toMatchObject({
      ok: true,
      headSeq: 6,
      checkpointSeq: 6,
      records: { checked: 9, mismatches: 0 },
    });
  });

  it.each(TAMPER_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { url, name } = await seeded();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of c.sql) await client.query(sql);
    } finally {
      await client.end();
    }
    expectDetected(await verify(url, name), c);
  });
});
