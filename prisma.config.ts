// Prisma 7 reads its settings from here instead of schema.prisma's datasource block.
// The URL is optional on purpose: `prisma generate` (run on every npm install) needs no database.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
