import type { Prisma, PrismaClient } from '@fulcrum/db/client';

/** The database handle domain functions take: the shared client. */
export type Db = PrismaClient;
/** A handle inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;
