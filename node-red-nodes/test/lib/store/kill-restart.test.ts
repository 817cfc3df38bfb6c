import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SigningKeys } from '../../../src/lib/signing';
import { SqlAlertStore } from '../../../src/lib/store/sql-alert-store';
import { SqliteEngine } from '../../../src/lib/store/sqlite-engine';
import { iterationWrites } from './kill-writes';

/**
 * A child process writes alert events (each committed iteration printed) and is killed with
 * SIGKILL mid-stream; the reopened store must hold every committed iteration exactly once, a
 * verifiable chain, the adaptations, and must absorb a replay of everything without duplicates.
 */
it('loses and duplicates nothing when the writer is killed with SIGKILL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lucid-kill-'));
  try {
    const child = spawn(
      process.execPath,
      ['-r', join(__dirname, '../../store/ts-register.js'), join(__dirname, 'kill-writer.ts'), dir, '100000'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let lastCommitted = -1;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        if (lines.length) lastCommitted = Number(lines[lines.length - 1]);
        if (lastCommitted >= 150 && !child.killed) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL'
          ? resolve()
          : reject(new Error(`writer exited without being killed (${signal})`)),
      );
      setTimeout(() => reject(new Error('writer too slow')), 20_000).unref();
    });
    expect(lastCommitted).toBeGreaterThanOrEqual(150);

    const raw = new Database(join(dir, 'lucid.db'), { readonly: true });
    const alertIds = (raw.prepare('SELECT id FROM alerts').all() as { id: string }[]).map((r) => r.id);
    const eventsPerAlert = raw
      .prepare('SELECT alert_id, COUNT(*) AS n, MAX(seq) AS m FROM alert_events GROUP BY alert_id')
      .all() as { alert_id: string; n: number; m: number }[];
    raw.close();
    // Every printed iteration is stored; at most the one in flight beyond it.
    for (let i = 0; i <= lastCommitted; i++) expect(alertIds).toContain(`k-${i}`);
    expect(alertIds.length).toBeLessThanOrEqual(lastCommitted + 2);
    expect(new Set(alertIds).size).toBe(alertIds.length);
    for (const e of eventsPerAlert) expect(e.n).toBe(e.m);

    const store = await SqlAlertStore.open(new SqliteEngine(join(dir, 'lucid.db')), {
      keys: SigningKeys.loadOrCreate(dir),
      nowMs: () => 1_700_000_000_000,
      flushIntervalMs: 0,
      cleanupIntervalMs: 0,
    });
    try {
      const verify = await store.verifyAudit();
      expect(verify.ok).toBe(true);
      expect(verify.firstBreak).toBeUndefined();
      const adaptations = await store.activeAdaptations();
      expect(adaptations.length).toBeGreaterThanOrEqual(Math.floor(lastCommitted / 10) + 1);
      const before = await store.health();
      // Replay what the committed iterations sent (as a restarted flow would): nothing new.
      for (let i = 0; i <= lastCommitted; i++) {
        const w = iterationWrites(i);
        for (const e of w.events) expect((await store.applyAlertEvent(e, w.incident)).duplicate).toBe(true);
        if (w.adaptation) await store.recordAdaptation(w.adaptation, 'lucid-feedback');
      }
      const after = await store.health();
      expect(after).toEqual(before);
      expect((await store.verifyAudit()).ok).toBe(true);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
