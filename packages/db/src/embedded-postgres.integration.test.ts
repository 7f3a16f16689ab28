import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fulcrum-embedded-pg-'));
  await chmod(dir, 0o711); // Postgres runs as the `postgres` user and must enter it
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'state');
}

async function start(dataDir: string): Promise<RunningPostgres> {
  const server = await startEmbeddedPostgres({ dataDir });
  cleanups.push(server.stop);
  return server;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// A killed process whose parent has not reaped it yet still has a /proc entry, in state Z.
async function isRunning(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return status !== '' && !/^State:\s*Z/m.test(status);
}

describe('startEmbeddedPostgres', () => {
  it('keeps data across stop and start of the same data dir, with the same password', async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    await query(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)');
    await first.stop();

    const second = await start(dataDir);
    expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    expect(new URL(second.url).password).toBe(new URL(first.url).password);
  });

  it('listens on 127.0.0.1 only, with password auth and a 0600 password file', async () => {
    const dataDir = await tempDir();
    const server = await start(dataDir);
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    expect(await query(server.url, 'SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
    expect((await stat(path.join(dataDir, 'password'))).mode & 0o777).toBe(0o600);
    const wrong = new URL(server.url);
    wrong.password = 'wrong';
    await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('refuses an explicit port that is busy', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    await expect(startEmbeddedPostgres({ dataDir: await tempDir(), port })).rejects.toThrow(`Port 127.0.0.1:${port} is busy`);
  });

  it('removes a stale postmaster.pid left by a crash', async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    await first.stop();
    const pidFile = path.join(dataDir, 'pgdata', 'postmaster.pid');
    // A PID that is certainly not running, in the format Postgres writes.
    await writeFile(pidFile, `999999\n${path.join(dataDir, 'pgdata')}\n0\n54329\n\n127.0.0.1\n0 0\nready\n`);
    const second = await start(dataDir);
    expect(await query(second.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('stops a postgres orphaned by a killed process and starts again', async () => {
    const dataDir = await tempDir();
    const module = fileURLToPath(new URL('./embedded-postgres.ts', import.meta.url));
    // One node process (no tsx wrapper), so killing it leaves its postgres behind.
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import(${JSON.stringify(module)}).then(async (m) => { await m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} }); console.log('ready'); setInterval(() => {}, 1e9); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    });
    const orphanPid = Number((await readFile(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // Kill node without giving it a chance to stop Postgres: the crash case.
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await isRunning(orphanPid)).toBe(true);

    const server = await start(dataDir);
    expect(await query(server.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    expect(await isRunning(orphanPid)).toBe(false);
  });
});
