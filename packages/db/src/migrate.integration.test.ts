import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrismaClient } from './client';
import { applyMigrations, defaultMigrationsDir, MigrationError, readLocalMigrations } from './migrate';
import { createEmptyDatabase, type FreshDatabase } from './testing/fresh-database';

const quiet = { log: () => undefined };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<FreshDatabase> {
  const database = await createEmptyDatabase();
  cleanups.push(database.drop);
  return database;
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fulcrum-migrations-'));
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function queryRows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('applyMigrations', () => {
  it('applies every migration to an empty database with Prisma bookkeeping, then applies nothing', async () => {
    const database = await emptyDatabase();
    const local = await readLocalMigrations(defaultMigrationsDir());
    expect(local.length).toBeGreaterThan(0);

    const first = await applyMigrations(database.url, quiet);
    expect(first.applied).toEqual(local.map((m) => m.name));

    const rows = await queryRows<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; logs: string | null }>(
      database.url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY started_at',
    );
    expect(rows).toEqual(
      local.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished_at: expect.any(Date), applied_steps_count: 1, logs: null })),
    );

    const second = await applyMigrations(database.url, quiet);
    expect(second).toEqual({ applied: [], alreadyApplied: local.map((m) => m.name) });

    // The schema is usable through the generated client.
    const prisma = createPrismaClient(database.url);
    try {
      const cluster = await prisma.cluster.create({ data: { name: 'c1' } });
      expect(cluster.generation).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses to start when an applied migration was edited afterwards', async () => {
    const database = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(database.url, { ...quiet, migrationsDir: dir });
    const [first] = await readLocalMigrations(dir);
    await writeFile(path.join(dir, first!.name, 'migration.sql'), `${first!.sql}\n-- edited\n`);

    await expect(applyMigrations(database.url, { ...quiet, migrationsDir: dir })).rejects.toThrow(
      /modified after they were applied: .*_init/,
    );
  });

  it('rolls back a failing migration, records it as rolled back, and retries it once fixed', async () => {
    const database = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(database.url, { ...quiet, migrationsDir: dir });
    const name = '29991231000000_broken';
    await cp(path.join(dir, (await readLocalMigrations(dir))[0]!.name), path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'migration.sql'), 'CREATE TABLE "Extra" (id int);\nSELECT * FROM "NoSuchTable";\n');

    const failure = applyMigrations(database.url, { ...quiet, migrationsDir: dir });
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow(/29991231000000_broken failed and was rolled back[\s\S]*NoSuchTable/);
    const extra = await queryRows(database.url, `SELECT to_regclass('"Extra"') AS t`);
    expect(extra).toEqual([{ t: null }]);

    await writeFile(path.join(dir, name, 'migration.sql'), 'CREATE TABLE "Extra" (id int);\n');
    expect((await applyMigrations(database.url, { ...quiet, migrationsDir: dir })).applied).toEqual([name]);
    const rows = await queryRows<{ n: string }>(
      database.url,
      `SELECT count(*) AS n FROM "_prisma_migrations" WHERE migration_name = '${name}' AND rolled_back_at IS NOT NULL`,
    );
    expect(rows).toEqual([{ n: '1' }]);
  });

  it('refuses a database migrated by a newer build', async () => {
    const database = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(database.url, { ...quiet, migrationsDir: dir });
    await queryRows(
      database.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('x', 'y', '29990101000000_future', now(), 1)`,
    );
    await expect(applyMigrations(database.url, { ...quiet, migrationsDir: dir })).rejects.toThrow(/does not know: 29990101000000_future/);
  });

  it('serialises concurrent runners with the advisory lock', async () => {
    const database = await emptyDatabase();
    const results = await Promise.all([applyMigrations(database.url, quiet), applyMigrations(database.url, quiet)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, (await readLocalMigrations(defaultMigrationsDir())).length]);
  });
});
