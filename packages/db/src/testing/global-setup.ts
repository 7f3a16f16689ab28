// Vitest globalSetup of the `integration` project: ONE Postgres for the whole run and ONE migrated
// template database; each test file clones the template (fresh-database.ts), which takes tens of
// milliseconds instead of re-running every migration.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { z } from 'zod';
import { startEmbeddedPostgres } from '../embedded-postgres';
import { applyMigrations } from '../migrate';
import { databaseUrlFor } from './database-url';

import './provided-context';

const TestEnv = z.object({
  FULCRUM_TEST_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//).optional(),
});

/** Starts Postgres (or uses FULCRUM_TEST_DATABASE_URL), migrates a template, and provides the URLs. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = TestEnv.parse(process.env);
  const cleanups: Array<() => Promise<void>> = [];
  let adminUrl: string;

  if (env.FULCRUM_TEST_DATABASE_URL) {
    // An existing server (CI service container, a developer's Postgres): needs CREATEDB rights.
    adminUrl = env.FULCRUM_TEST_DATABASE_URL;
  } else {
    // Under /tmp, which the `postgres` OS user can reach (see embedded-postgres.ts).
    const dir = await mkdtemp(path.join(tmpdir(), 'fulcrum-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir: dir });
    adminUrl = server.adminUrl;
    cleanups.push(async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    });
  }

  // Unique names let concurrent runs share one server without stepping on each other.
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const templateDatabase = `fulcrum_template_${suffix}`;
  const sharedDatabase = `fulcrum_test_${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(templateDatabase)}`);
    cleanups.unshift(() => dropDatabase(adminUrl, templateDatabase));
    await applyMigrations(databaseUrlFor(adminUrl, templateDatabase), { log: () => undefined });
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(sharedDatabase)} TEMPLATE ${admin.escapeIdentifier(templateDatabase)}`);
    cleanups.unshift(() => dropDatabase(adminUrl, sharedDatabase));
  } finally {
    await admin.end();
  }

  const databaseUrl = databaseUrlFor(adminUrl, sharedDatabase);
  project.provide('databaseUrl', databaseUrl);
  project.provide('postgresAdminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  // Workers are started after global setup and inherit this, so getPrisma() works in tests too.
  process.env.DATABASE_URL = databaseUrl;

  return async () => {
    for (const cleanup of cleanups) await cleanup().catch((error) => console.error('[db test setup] teardown:', error));
  };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
