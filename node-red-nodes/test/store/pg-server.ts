import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** Directory holding initdb/postgres/pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPgBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    for (const v of readdirSync(base).sort().reverse())
      if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway PostgreSQL server in a temp dir, on a free localhost port. */
export interface PgServer {
  /** Connection string of a fresh database `name`. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a private PostgreSQL server (initdb + postgres, fsync off: test data only). Root cannot
 * run postgres, so as root the server runs as the `postgres` user (via runuser).
 * @throws when the binaries are missing or the server does not come up within 15 s.
 */
export async function startPgServer(): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries (initdb, postgres, pg_ctl) not found');
  const dir = mkdtempSync(join(tmpdir(), 'lucid-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const [initCmd, initArgs] = run('initdb', [
    '-D',
    data,
    '-U',
    'lucid',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [pgCmd, pgArgs] = run('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=40',
  ]);
  const proc: ChildProcess = spawn(pgCmd, pgArgs, { stdio: 'ignore' });
  const adminUrl = `postgres://lucid@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const c = new Client({ connectionString: adminUrl });
    try {
      await c.connect();
      await c.end();
      break;
    } catch (err) {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async createDatabase(name: string): Promise<string> {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`CREATE DATABASE ${name.replace(/[^a-z0-9_]/g, '')}`);
      await c.end();
      return `postgres://lucid@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      const [ctlCmd, ctlArgs] = run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-s']);
      try {
        execFileSync(ctlCmd, ctlArgs, { stdio: 'ignore' });
      } catch {
        proc.kill('SIGKILL');
      }
      if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
