# Fulcrum web app (UI, tRPC, agent gateway) for docker-compose.yml; Postgres runs in its own service.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    TURBO_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    FULCRUM_STATE_DIR=/var/lib/fulcrum

# The app runs as the image's unprivileged `node` user; it owns the tree so `npm ci`'s postinstall
# (prisma generate into packages/db/generated) and Next's runtime cache can write.
RUN mkdir -p /app /var/lib/fulcrum && chown node:node /app /var/lib/fulcrum
WORKDIR /app
USER node

# The whole source goes in before `npm ci`: the root postinstall generates the Prisma client from
# prisma/schema.prisma with packages/db/tooling (see .dockerignore for what stays out).
COPY --chown=node:node . .
# --include=dev: the start script runs under tsx and the build needs TypeScript tooling.
RUN npm ci --include=dev --no-audit --no-fund \
 && npm run build -w @fulcrum/agent \
 && node_modules/.bin/next build apps/web

EXPOSE 3000
# Applies pending migrations, seeds the demo cluster on first start, then serves on $PORT.
# tsx directly (not `npm start`) so SIGTERM from `docker stop` reaches the process.
CMD ["node_modules/.bin/tsx", "scripts/start.ts"]
