// The only door to Prisma: everything else imports models, enums and the client from here, never
// from the generated path, so the generator output can move without touching the product code.
import { PrismaPg } from '@prisma/adapter-pg';
import { z } from 'zod';
import { PrismaClient } from '../generated/prisma/client';

export * from '../generated/prisma/client';

const DatabaseEnv = z.object({
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is not set: point it at a Postgres database (postgresql://user:pass@host:port/db)' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgresql:// or postgres://'),
});

/** Creates a new Prisma client over node-postgres for the given URL; the caller owns `$disconnect()`. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

/** Reads and validates DATABASE_URL from the environment (throws a readable error when missing). */
export function readDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = DatabaseEnv.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data.DATABASE_URL;
}

// Next's route bundles and the custom server load separate copies of this module in one process;
// a module-level variable would give each its own pool, so the singleton lives on globalThis.
const globalKey = Symbol.for('fulcrum.db.prisma');
type PrismaHolder = { [globalKey]?: { url: string; client: PrismaClient } };

/** Returns the process-wide Prisma client for DATABASE_URL, shared across module instances. */
export function getPrisma(): PrismaClient {
  const holder = globalThis as PrismaHolder;
  const url = readDatabaseUrl();
  const existing = holder[globalKey];
  if (existing) {
    if (existing.url !== url) throw new Error('DATABASE_URL changed after the shared Prisma client was created');
    return existing.client;
  }
  const client = createPrismaClient(url);
  holder[globalKey] = { url, client };
  return client;
}

/** Disconnects and forgets the shared client (for orderly shutdown and tests). */
export async function disconnectPrisma(): Promise<void> {
  const holder = globalThis as PrismaHolder;
  const existing = holder[globalKey];
  delete holder[globalKey];
  if (existing) await existing.client.$disconnect();
}
