// `npm start`: everything a fresh machine needs to run Fulcrum, in one process.
//   1. a database: DATABASE_URL if set, else an embedded Postgres in the state dir (kept across restarts)
//   2. pending migrations, then the demo cluster and the first admin on first start
//   3. a production build of the web app when there is none (or --dev for hot reload)
//   4. the web server (UI, tRPC, agent WebSockets) until Ctrl-C, then an orderly stop
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createPrismaClient } from '@fulcrum/db/client';
import { startEmbeddedPostgres, type RunningPostgres } from '@fulcrum/db/embedded-postgres';
import { applyMigrations } from '@fulcrum/db/migrate';
import { seedDemoCluster } from '@fulcrum/db/seed';
import { ensureFirstAdmin } from '@fulcrum/core/users/user-mutations';
import { failInterruptedAgentOperations } from '@fulcrum/core/agent-install/agent-operations';
import { readStatsSettings } from '@fulcrum/core/stats/stats-settings';
import { AGENT_WS_PATH } from '@fulcrum/protocol/frames';
import { readAgentSettings } from '../apps/web/src/server/agent-gateway/agent-settings';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(repoRoot, 'apps/web');

const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgresql://').optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  FULCRUM_HOST: z.string().min(1).optional(),
  FULCRUM_STATE_DIR: z.string().min(1).optional(),
  FULCRUM_ADMIN_USERNAME: z.string().min(1).optional(),
  FULCRUM_ADMIN_PASSWORD: z.string().min(12, 'FULCRUM_ADMIN_PASSWORD must be at least 12 characters').optional(),
  FULCRUM_SEED_DEMO: z.enum(['true', 'false']).optional(),
});

const usage = `Usage: npm start -- [options]
  --port <n>          HTTP port (default 3000, or $PORT)
  --host <addr>       listen address (default 127.0.0.1, or $FULCRUM_HOST; 0.0.0.0 for every interface)
  --state-dir <dir>   where the embedded Postgres and other state live (default .fulcrum/ in the repo)
  --dev               Next dev server with hot reload instead of the production build
  --rebuild           build the web app even if a build exists
  --no-seed           do not create the demo cluster on first start
Environment: DATABASE_URL (use that Postgres instead of the embedded one), FULCRUM_ADMIN_USERNAME,
FULCRUM_ADMIN_PASSWORD (first start only), FULCRUM_SEED_DEMO=false,
FULCRUM_AGENT_HEARTBEAT_MS (5000), FULCRUM_AGENT_STATS_MS (1000), FULCRUM_AGENT_RECONCILE_MS (30000),
FULCRUM_AGENT_KERNEL_TABLE_MS (10000): timings sent to agents; FULCRUM_STATS_RETENTION_HOURS (48);
FULCRUM_AGENT_SERVER_URL (ws://host:port/ws/agent agents installed over SSH connect to; default: the
address the install request came to), FULCRUM_AGENT_BUNDLE (default apps/agent/dist/agent.cjs).`;

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'state-dir': { type: 'string' },
        dev: { type: 'boolean', default: false },
        rebuild: { type: 'boolean', default: false },
        'no-seed': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  const env = Env.safeParse(process.env);
  if (!env.success) fail(env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  let agentSettings;
  let statsSettings;
  try {
    agentSettings = readAgentSettings(process.env);
    statsSettings = readStatsSettings(process.env);
  } catch (error) {
    fail((error as Error).message);
  }
  const port = z.coerce.number().int().min(0).max(65535).safeParse(parsed.values.port ?? env.data.PORT ?? 3000);
  if (!port.success) fail(`--port must be a number from 1 to 65535\n\n${usage}`);
  return {
    port: port.data,
    host: parsed.values.host ?? env.data.FULCRUM_HOST ?? '127.0.0.1',
    stateDir: path.resolve(parsed.values['state-dir'] ?? env.data.FULCRUM_STATE_DIR ?? path.join(repoRoot, '.fulcrum')),
    dev: parsed.values.dev,
    rebuild: parsed.values.rebuild,
    seed: !parsed.values['no-seed'] && env.data.FULCRUM_SEED_DEMO !== 'false',
    databaseUrl: env.data.DATABASE_URL,
    adminUsername: env.data.FULCRUM_ADMIN_USERNAME,
    adminPassword: env.data.FULCRUM_ADMIN_PASSWORD,
    agentSettings,
    statsSettings,
  };
}

function fail(message: string): never {
  console.error(`fulcrum: ${message}`);
  process.exit(1);
}

function log(message: string): void {
  console.log(`fulcrum: ${message}`);
}

async function buildWebApp(): Promise<void> {
  log('building the web app (first start or --rebuild; about a minute)…');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = execFile(path.join(repoRoot, 'node_modules/.bin/next'), ['build'], {
      cwd: webDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code}):\n${output}`))));
    child.on('error', reject);
  });
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function buildAgentBundle(): Promise<void> {
  log('building the agent bundle (apps/agent/dist/agent.cjs) for SSH installs…');
  await new Promise<void>((resolve, reject) => {
    execFile(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/agent/build.ts')], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`building the agent failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/**
 * Where the embedded Postgres keeps its data. As root, Postgres runs as the `postgres` user, which
 * must be able to enter every parent directory; a clone under /root (mode 0700) would fail, so its
 * data then lives under /var/lib/fulcrum instead (one folder per state dir), and we say so.
 */
function postgresDataDir(stateDir: string): string {
  const preferred = path.join(stateDir, 'postgres');
  if (process.getuid?.() !== 0) return preferred;
  for (let dir = path.dirname(preferred); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const fallback = path.join('/var/lib/fulcrum', createHash('sha256').update(stateDir).digest('hex').slice(0, 12), 'postgres');
      log(`${dir} is closed to other users, so the embedded Postgres (which runs as user "postgres") keeps its data in ${fallback}`);
      return fallback;
    }
    if (dir === path.dirname(dir)) return preferred;
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  let postgres: RunningPostgres | null = null;
  const stopDatabase = async () => {
    const running = postgres;
    postgres = null;
    await running?.stop();
  };

  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    const dataDir = postgresDataDir(options.stateDir);
    log(`starting the embedded Postgres in ${dataDir}`);
    postgres = await startEmbeddedPostgres({ dataDir });
    databaseUrl = postgres.url;
  } else {
    log('using the Postgres at DATABASE_URL');
  }
  process.env.DATABASE_URL = databaseUrl;

  try {
    const result = await applyMigrations(databaseUrl, { log });
    if (result.applied.length === 0) log('database schema is up to date');
  } catch (error) {
    await stopDatabase();
    fail(`migrations failed, not starting: ${(error as Error).message}`);
  }

  const prisma = createPrismaClient(databaseUrl);
  const admin = await ensureFirstAdmin({ db: prisma, username: options.adminUsername, password: options.adminPassword });
  // Printed at once, not only when the server is up: a later step may fail, and the password is never shown again.
  if (admin) log(`created the first admin. Admin login: ${admin.username} / ${admin.password}`);
  if (options.seed) {
    const seeded = await seedDemoCluster(prisma);
    if (seeded.seeded) log('created the demo cluster "demo" (an HA pair, VIP 192.168.241.11:80 wrr, two DR real servers)');
  }
  const interrupted = await failInterruptedAgentOperations(prisma);
  if (interrupted > 0) log(`${interrupted} agent install/upgrade/removal(s) were cut off by the last stop: marked failed`);
  await prisma.$disconnect();

  // The agent that SSH installs put on hosts: built here when missing, so "Install agent" works on a fresh clone.
  process.env.FULCRUM_AGENT_BUNDLE ??= path.join(repoRoot, 'apps/agent/dist/agent.cjs');
  if (!existsSync(process.env.FULCRUM_AGENT_BUNDLE)) {
    try {
      await buildAgentBundle();
    } catch (error) {
      await stopDatabase();
      fail((error as Error).message);
    }
  }

  if (!options.dev && (options.rebuild || !existsSync(path.join(webDir, '.next/BUILD_ID')))) {
    try {
      await buildWebApp();
    } catch (error) {
      await stopDatabase();
      fail((error as Error).message);
    }
  }

  // Imported late: loading Next costs a second and is pointless when the steps above fail.
  const { startWebServer } = await import('../apps/web/server');
  const { createAgentGateway } = await import('../apps/web/src/server/agent-gateway/agent-gateway');
  const { createStatsRecorder } = await import('@fulcrum/core/stats/stats-recorder');
  const { getPrisma } = await import('@fulcrum/db/client');
  // The shared client on globalThis: the gateway and Next's route bundles use one pool.
  const stats = createStatsRecorder({ db: getPrisma(), settings: options.statsSettings });
  const gateway = createAgentGateway({ db: getPrisma(), settings: options.agentSettings, stats });
  // Drain jobs are judged every second on the live counters the gateway feeds (same process, globalThis).
  const { startDrainRunner } = await import('@fulcrum/core/drain/drain-runner');
  const drains = startDrainRunner({ db: getPrisma() });
  let web;
  try {
    web = await startWebServer({ port: options.port, host: options.host, dev: options.dev, upgradeRoutes: [{ path: AGENT_WS_PATH, handle: gateway.handleUpgrade }] });
  } catch (error) {
    await drains.stop();
    await gateway.close();
    await stats.stop();
    await stopDatabase();
    fail(`the web server did not start: ${(error as Error).message}`);
  }

  log(`Fulcrum is running at ${web.url}`);
  log(`agents connect to ${web.url.replace(/^http/, 'ws')}${AGENT_WS_PATH} (heartbeat ${options.agentSettings.heartbeatIntervalMs} ms, stats every ${options.agentSettings.statsIntervalMs} ms, history kept ${options.statsSettings.retentionHours} h)`);
  if (admin) {
    log(`Admin login: ${admin.username} / ${admin.password}`);
    log(options.adminPassword ? 'that password came from FULCRUM_ADMIN_PASSWORD' : 'this password is shown only once: log in and change it (user menu → Change password)');
  }
  log('press Ctrl-C to stop');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping…`);
    // Drain verdicts first (jobs stay RUNNING in Postgres and resume on the next start), then agents
    // (1001, they keep their state and reconnect later), then the history's last minute, then HTTP.
    await drains.stop();
    await gateway.close();
    await stats.stop();
    await web.close();
    const { disconnectPrisma } = await import('@fulcrum/db/client');
    await disconnectPrisma();
    await stopDatabase();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('fulcrum: start failed:', error);
  process.exit(1);
});
