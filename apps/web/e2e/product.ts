import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const START_TIMEOUT_MS = 10 * 60_000;

/** A product started with `npm start`, its printed admin login, and how to stop it. */
export type RunningProduct = { url: string; username: string; password: string; stop: () => Promise<void> };

/**
 * Starts the product the way an operator does — `npm start` from the repository root — with a
 * fresh state directory (its own embedded Postgres), and reads the one-time admin password from
 * what start prints. `rebuild` rebuilds the web app first; `env` adds settings (agent timings).
 */
export async function startProduct(options: { host: string; port: number | string; rebuild: boolean; env?: Record<string, string> }): Promise<RunningProduct> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'fulcrum-e2e-'));
  // mkdtemp makes the directory 0700; the embedded Postgres runs as user "postgres" and must be able
  // to reach its data inside it (otherwise start.ts moves the data elsewhere and it outlives the run).
  await chmod(stateDir, 0o755);
  const args = ['start', '--', '--state-dir', stateDir, '--port', String(options.port), '--host', options.host];
  if (options.rebuild) args.push('--rebuild');

  // A preset admin password would not be printed: the tests must see what a first start prints.
  const { FULCRUM_ADMIN_PASSWORD: _password, FULCRUM_ADMIN_USERNAME: _username, DATABASE_URL: _database, ...env } = process.env;
  // Own process group, so stopping ends npm, tsx and node together by the group id.
  const child = spawn('npm', args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, ...options.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1' },
  });

  let output = '';
  const started = await new Promise<{ url: string; username: string; password: string }>((resolve, reject) => {
    let url: string | null = null;
    let admin: { username: string; password: string } | null = null;
    const timer = setTimeout(() => reject(new Error(`npm start did not come up within ${START_TIMEOUT_MS / 1000} s:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (process.env.FULCRUM_E2E_VERBOSE === '1') process.stdout.write(text);
      url ??= /Fulcrum is running at (http:\/\/\S+)/.exec(output)?.[1] ?? null;
      const login = /Admin login: (\S+) \/ (\S+)/.exec(output);
      if (login) admin ??= { username: login[1]!, password: login[2]! };
      if (url && admin) {
        clearTimeout(timer);
        resolve({ url, ...admin });
      } else if (url && /press Ctrl-C to stop/.test(output)) {
        clearTimeout(timer);
        reject(new Error(`npm start printed no admin login (was the state dir fresh?):\n${output}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    stopGroup(child);
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });

  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const killTimer = setTimeout(() => stopGroup(child, 'SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(killTimer);
        resolve();
      });
      // SIGTERM: start.ts closes the web server and stops its embedded Postgres cleanly.
      stopGroup(child);
    });
    // npm exits as soon as its `sh -c` dies of the same SIGTERM, while start.ts may still be
    // stopping Postgres: removing the data under a running server fails (ENOTEMPTY). Wait for
    // Postgres to remove its pid file first.
    const pidFile = path.join(stateDir, 'postgres', 'pgdata', 'postmaster.pid');
    for (const deadline = Date.now() + 20_000; existsSync(pidFile) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    await rm(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  return { ...started, stop };
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
