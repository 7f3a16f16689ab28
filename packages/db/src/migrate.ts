// Applies the committed prisma/migrations at start-up without Prisma's schema engine, which this
// product cannot download on an offline host (see tooling/prisma-here.ts).
//
// The bookkeeping is Prisma's own: the `_prisma_migrations` table with the same columns, the
// sha256 of migration.sql as checksum, applied_steps_count 1 per applied script, and the same
// advisory-lock key as `prisma migrate deploy`, so the native CLI (`prisma migrate status`) agrees
// with this runner and the two never run at once.
//
// One difference, on purpose: each migration runs in a transaction together with its bookkeeping
// row, so a failure leaves the schema untouched. The failure is then recorded with `logs` and
// `rolled_back_at` set — exactly what `prisma migrate resolve --rolled-back` would write — so the
// next start retries it after the SQL is fixed. (A migration that needs to run outside a
// transaction, e.g. CREATE INDEX CONCURRENTLY, is therefore not supported.)
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The advisory-lock key Prisma's schema engine takes on Postgres while migrating (`pg_advisory_lock(72707369)`). */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

/** One committed migration directory. */
export type LocalMigration = { name: string; sql: string; checksum: string };

/** Result of {@link applyMigrations}. */
export type ApplyMigrationsResult = { applied: string[]; alreadyApplied: string[] };

/** Options for {@link applyMigrations}. */
export type ApplyMigrationsOptions = {
  /** Directory holding `<timestamp>_<name>/migration.sql` and `migration_lock.toml` (default: the repo's prisma/migrations). */
  migrationsDir?: string;
  /** Progress messages (default: console.log). */
  log?: (message: string) => void;
};

/** Thrown when migrations cannot be applied; the message says what to do. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Locates prisma/migrations: FULCRUM_MIGRATIONS_DIR, else next to this package, else above the cwd. */
export function defaultMigrationsDir(): string {
  const fromEnv = process.env.FULCRUM_MIGRATIONS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  const candidates: string[] = [];
  // import.meta.url is empty when a bundler turns this into CommonJS; fall back to the cwd walk.
  try {
    candidates.push(fileURLToPath(new URL('../../../prisma/migrations', import.meta.url)));
  } catch {
    // not an ES module context
  }
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'prisma', 'migrations'));
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find((candidate) => existsSync(path.join(candidate, 'migration_lock.toml')));
  if (!found) throw new MigrationError('Cannot find prisma/migrations (set FULCRUM_MIGRATIONS_DIR)');
  return found;
}

/** sha256 hex of the file's bytes: the checksum Prisma stores in `_prisma_migrations`. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads the committed migrations in name (= timestamp) order and checks migration_lock.toml. */
export async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  const lock = await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => undefined);
  if (lock === undefined) throw new MigrationError(`${migrationsDir}/migration_lock.toml is missing`);
  if (!/^\s*provider\s*=\s*"postgresql"\s*$/m.test(lock)) {
    throw new MigrationError(`${migrationsDir}/migration_lock.toml is not for provider "postgresql"`);
  }
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes) throw new MigrationError(`${file} is missing (every migration directory needs one)`);
    migrations.push({ name, sql: bytes.toString('utf8'), checksum: migrationChecksum(bytes) });
  }
  return migrations;
}

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
};

/** Applies every committed migration not yet applied to `databaseUrl`, in order, each in its own transaction. */
export async function applyMigrations(databaseUrl: string, options: ApplyMigrationsOptions = {}): Promise<ApplyMigrationsResult> {
  const log = options.log ?? ((message: string) => console.log(message));
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const local = await readLocalMigrations(migrationsDir);

  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'fulcrum-migrate' });
  await client.connect();
  try {
    // Session lock, held across all migrations; another starting replica waits here, then finds nothing to do.
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at',
    );
    const pending = checkHistory(local, rows);
    const alreadyApplied = local.filter((migration) => !pending.includes(migration)).map((migration) => migration.name);

    const applied: string[] = [];
    for (const migration of pending) {
      log(`Applying migration ${migration.name}`);
      await applyOne(client, migration);
      applied.push(migration.name);
    }
    if (applied.length === 0) log(`Database is up to date (${alreadyApplied.length} migrations applied)`);
    return { applied, alreadyApplied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

// Same rules as `prisma migrate deploy`, plus: a database that is ahead of this build is an error,
// because running older code against a newer schema corrupts data quietly.
function checkHistory(local: LocalMigration[], rows: AppliedRow[]): LocalMigration[] {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} started but never finished in this database${failed.logs ? `:\n${failed.logs}` : ''}\n` +
        'Inspect the database, then mark it with `prisma migrate resolve --rolled-back` or `--applied` before starting again.',
    );
  }
  const localNames = new Set(local.map((migration) => migration.name));
  const unknown = live.filter((row) => !localNames.has(row.migration_name)).map((row) => row.migration_name);
  if (unknown.length > 0) {
    throw new MigrationError(
      `The database has migrations this build does not know: ${unknown.join(', ')}. It was migrated by a newer Fulcrum; run that version (or restore a backup).`,
    );
  }
  const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
  const changed = local.filter((migration) => {
    const row = appliedByName.get(migration.name);
    return row !== undefined && row.checksum !== migration.checksum;
  });
  if (changed.length > 0) {
    throw new MigrationError(
      `Already-applied migrations were modified after they were applied: ${changed.map((migration) => migration.name).join(', ')}. ` +
        'Never edit a committed migration; restore the file and add a new migration instead (npm run db:migrate:new -- <name>).',
    );
  }
  const pending = local.filter((migration) => !appliedByName.has(migration.name));
  const lastApplied = local.reduce((index, migration, i) => (appliedByName.has(migration.name) ? i : index), -1);
  const outOfOrder = pending.filter((migration) => local.indexOf(migration) < lastApplied);
  if (outOfOrder.length > 0) {
    // Prisma applies these too; say so, because the schema they expect may have moved on.
    console.warn(`[migrate] applying ${outOfOrder.map((m) => m.name).join(', ')} after later migrations (merged branch?)`);
  }
  return pending;
}

async function applyOne(client: pg.Client, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, clock_timestamp(), 0)',
      [id, migration.checksum, migration.name],
    );
    // Simple-query protocol (no parameters) runs the multi-statement script as-is.
    await client.query(migration.sql);
    await client.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const detail = describePgError(error);
    await client
      .query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp(), 0)',
        [id, migration.checksum, migration.name, detail],
      )
      .catch(() => undefined);
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back; nothing of it was applied.\n${detail}`);
  }
}

function describePgError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as Error & { code?: string; position?: string; detail?: string; hint?: string };
  return [
    `${pgError.code ? `${pgError.code}: ` : ''}${pgError.message}`,
    pgError.detail && `DETAIL: ${pgError.detail}`,
    pgError.hint && `HINT: ${pgError.hint}`,
    pgError.position && `at character ${pgError.position} of migration.sql`,
  ]
    .filter(Boolean)
    .join('\n');
}
