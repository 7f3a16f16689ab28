// The migration tooling end to end: the real prisma6 CLI and WASM engine against the test Postgres.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations } from './migrate';
import { createEmptyDatabase } from './testing/fresh-database';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tool = path.join(repoRoot, 'packages/db/tooling/prisma-here.ts');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

function prismaHere(args: string[], env: Record<string, string> = {}) {
  // The test server doubles as the shadow-database server, so no second Postgres is started.
  const result = spawnSync(tsx, [tool, ...args], {
    cwd: repoRoot,
    env: { ...process.env, FULCRUM_SHADOW_DATABASE_URL: inject('postgresAdminUrl'), ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const scratch = await mkdtemp(path.join(tmpdir(), 'fulcrum-prisma-here-test-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('prisma-here', () => {
  it('db:check passes for the committed schema and migrations', () => {
    const { code, out } = prismaHere(['check']);
    expect(out).toContain('agree');
    expect(code).toBe(0);
  });

  it('db:check fails on a schema change without a migration; new creates it; new again is a no-op', async () => {
    const migrationsDir = path.join(scratch, 'migrations');
    await cp(path.join(repoRoot, 'prisma/migrations'), migrationsDir, { recursive: true });
    const schema = await readFile(path.join(repoRoot, 'prisma/schema.prisma'), 'utf8');
    const changed = schema.replace(/model Cluster \{\n/, 'model Cluster {\n  ownerEmail String?\n');
    expect(changed).not.toBe(schema);
    const schemaPath = path.join(scratch, 'schema.prisma');
    await writeFile(schemaPath, changed);
    const env = { FULCRUM_PRISMA_SCHEMA: schemaPath, FULCRUM_MIGRATIONS_DIR: migrationsDir };

    const failing = prismaHere(['check'], env);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('DISAGREE');
    expect(failing.out).toContain('ALTER TABLE "Cluster" ADD COLUMN');

    const before = await readdir(migrationsDir);
    const created = prismaHere(['new', 'add_owner_email'], env);
    expect(created.code).toBe(0);
    const added = (await readdir(migrationsDir)).filter((name) => !before.includes(name));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d{14}_add_owner_email$/);
    expect(await readFile(path.join(migrationsDir, added[0]!, 'migration.sql'), 'utf8')).toContain('"ownerEmail" TEXT');

    expect(prismaHere(['check'], env).code).toBe(0);
    const again = prismaHere(['new', 'nothing'], env);
    expect(again.code).toBe(0);
    expect(again.out).toContain('no migration created');
    expect((await readdir(migrationsDir)).length).toBe(before.length + 1);
  });

  it('rejects a migration name that is not snake_case', () => {
    expect(prismaHere(['new', 'Add Email']).code).toBe(64);
  });

  it("Prisma's own migrate status agrees with applyMigrations' bookkeeping", async () => {
    const database = await createEmptyDatabase();
    try {
      await applyMigrations(database.url, { log: () => undefined });
      const { code, out } = prismaHere(['status'], { DATABASE_URL: database.url });
      expect(out).toContain('Database schema is up to date!');
      expect(code).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
