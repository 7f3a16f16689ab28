// No Docker engine runs where the tests run, so this checks what `docker compose up` depends on:
// images, wiring between the services, ports, and that the Dockerfile builds and starts the product.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const Service = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() })]).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
});
const Compose = z.object({ services: z.record(z.string(), Service), volumes: z.record(z.string(), z.unknown().nullable()) });

// Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with the values an operator's .env would give.
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`docker-compose.yml needs \${${name}} in this test's env`);
    return value;
  });
}

async function loadCompose() {
  const text = await readFile(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
  return Compose.parse(parse(interpolate(text, { FULCRUM_DB_PASSWORD: 'c0ffee' })));
}

describe('docker-compose.yml', () => {
  it('runs Postgres 17 on a named volume with a readiness check and no published port', async () => {
    const { services, volumes } = await loadCompose();
    const db = services.db!;
    expect(db.image).toBe('postgres:17');
    const [volume, mountPoint] = (db.volumes ?? [])[0]!.split(':');
    expect(mountPoint).toBe('/var/lib/postgresql/data');
    expect(volumes).toHaveProperty(volume!);
    expect(db.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(db.ports).toBeUndefined();
  });

  it('points the web app at the db service with the same database, user and password', async () => {
    const { services } = await loadCompose();
    const web = services.web!;
    const db = services.db!.environment!;
    const url = new URL(web.environment!.DATABASE_URL!);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('db');
    expect(Object.keys(services)).toContain(url.hostname);
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe(`/${db.POSTGRES_DB}`);
    expect(url.username).toBe(db.POSTGRES_USER);
    expect(url.password).toBe(db.POSTGRES_PASSWORD);
    expect(web.depends_on).toEqual({ db: { condition: 'service_healthy' } });
  });

  it('builds the web app from the Dockerfile and publishes port 3000 on every interface of the container', async () => {
    const { services } = await loadCompose();
    const web = services.web!;
    expect(web.build).toBe('.');
    expect(web.ports).toEqual(['3000:3000']);
    expect(web.environment).toMatchObject({ PORT: '3000', FULCRUM_HOST: '0.0.0.0' });
  });
});

describe('Dockerfile', () => {
  it('installs with npm ci on node 20, builds the web app and starts the product start script', async () => {
    const dockerfile = await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const instructions = dockerfile
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((line) => line.trim() && !line.trim().startsWith('#'));
    expect(instructions[0]).toBe('FROM node:20-bookworm-slim');
    const run = instructions.filter((line) => line.startsWith('RUN ')).join(' ');
    expect(run).toMatch(/npm ci\b/);
    expect(run).toMatch(/next build apps\/web/);
    expect(instructions).toContain('EXPOSE 3000');
    const cmd = instructions.find((line) => line.startsWith('CMD '))!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['node_modules/.bin/tsx', 'scripts/start.ts']);
    expect(instructions).toContain('USER node');
  });

  it('keeps local builds, dependencies and secrets out of the build context', async () => {
    const ignore = (await readFile(path.join(repoRoot, '.dockerignore'), 'utf8')).split('\n');
    for (const entry of ['**/node_modules', '**/.next', '.fulcrum', 'packages/db/generated', '.env']) expect(ignore).toContain(entry);
  });
});
