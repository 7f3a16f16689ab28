#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on Fulcrum's build hosts.
# See packages/db/tooling/prisma-here.ts (workaround 1).
cat >&2 <<'MSG'
Fulcrum: the native Prisma schema engine is not available on this machine (it is downloaded from
binaries.prisma.sh, which is unreachable). Prisma 7 CLI commands that need it (migrate, db push,
db pull) are replaced by:
  npm run db:migrate:new -- <name>   create a migration from prisma/schema.prisma
  npm run db:check                   verify schema.prisma and prisma/migrations agree
  (migrations are applied automatically at start; see packages/db/src/migrate.ts)
MSG
exit 1
