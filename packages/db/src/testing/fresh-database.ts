// Each integration test file gets its own database, cloned from the migrated template that
// global-setup.ts prepared: tests never see each other's rows, and nothing fakes the database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../client';
import { databaseUrlFor } from './database-url';
import './provided-context';

/** A freshly migrated database; `drop()` removes it (forcibly closing leftover connections). */
export type FreshDatabase = { name: string; url: string; drop(): Promise<void> };

/** Clones the migrated template into a new uniquely named database (≈ tens of ms). */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const template = inject('templateDatabase');
  const name = `fulcrum_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) =>
    admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`),
  );
  return {
    name,
    url: databaseUrlFor(adminUrl, name),
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Creates an empty, unmigrated database, for tests of the migrator itself. */
export async function createEmptyDatabase(): Promise<FreshDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `fulcrum_e_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`));
  return {
    name,
    url: databaseUrlFor(adminUrl, name),
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Registers beforeAll/afterAll hooks giving this test file its own migrated database and Prisma client. */
export function useFreshDatabase(): { readonly url: string; readonly prisma: PrismaClient } {
  let database: FreshDatabase | undefined;
  let prisma: PrismaClient | undefined;
  beforeAll(async () => {
    database = await createFreshDatabase();
    prisma = createPrismaClient(database.url);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error('useFreshDatabase(): the database exists only inside tests and hooks');
      return database.url;
    },
    get prisma() {
      if (!prisma) throw new Error('useFreshDatabase(): the client exists only inside tests and hooks');
      return prisma;
    },
  };
}

async function withAdmin<T>(adminUrl: string, action: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await action(admin);
  } finally {
    await admin.end();
  }
}
