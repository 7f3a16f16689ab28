import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab, LabProcess } from '@fulcrum/lab/lab';
import { AGENT_BUNDLE, AGENT_DIR } from './lab-agents';

// The real product for the agent's lab tests: `npm start` from the repository root on the lab's host
// address (fresh embedded Postgres in its own state dir), its tRPC API over plain HTTP as the printed
// admin, and the built agent in lab hosts with tokens the product issued. apps/web/e2e/product.ts
// does the same for Playwright but deletes its state dir on stop; these tests must restart the
// product on the same state dir and port (fault test), so they keep their own copy of the few lines.

const REPO_ROOT = join(AGENT_DIR, '..', '..');
const START_TIMEOUT_MS = 10 * 60_000;

/** A free TCP port on the host (the product binds it on the lab host address right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The product run with `npm start`, restartable on the same state dir and port. */
export class Product {
  private child: ChildProcess | null = null;
  private output = '';
  url = '';
  /** The one-time admin login printed on the first start. */
  admin = { username: '', password: '' };

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly stateDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * First start on a fresh state dir: waits for "Fulcrum is running at" and the printed admin login.
   * No --rebuild: the web app is built only when no build exists (an e2e run or an earlier start made one).
   */
  static async start(options: { host: string; port: number; env?: Record<string, string> }): Promise<Product> {
    const stateDir = mkdtempSync(join(tmpdir(), 'fulcrum-agent-product-'));
    // mkdtemp gives 0700; the embedded Postgres runs as user "postgres" and must reach its data dir
    chmodSync(stateDir, 0o755);
    const product = new Product(options.host, options.port, stateDir, options.env ?? {});
    try {
      await product.launch(true);
    } catch (e) {
      await product.stop();
      rmSync(stateDir, { recursive: true, force: true });
      throw e;
    }
    return product;
  }

  /** Starts again on the same state dir and port (the admin already exists: nothing is printed for it). */
  async restart(): Promise<void> {
    await this.launch(false);
  }

  /** Everything start printed so far (all runs). */
  get log(): string {
    return this.output;
  }

  private async launch(first: boolean): Promise<void> {
    // --no-seed: the demo cluster's nodes would never connect and only add noise to the lab cluster's figures
    const args = ['start', '--', '--state-dir', this.stateDir, '--port', String(this.port), '--host', this.host, '--no-seed'];
    // A preset admin password would not be printed: the test must use what a first start prints.
    const { FULCRUM_ADMIN_PASSWORD: _p, FULCRUM_ADMIN_USERNAME: _u, DATABASE_URL: _d, ...env } = process.env;
    // Own process group: stopping signals npm, tsx and node together by the group id.
    const child = spawn('npm', args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...this.env, NEXT_TELEMETRY_DISABLED: '1' } });
    this.child = child;
    const startAt = this.output.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not come up within ${START_TIMEOUT_MS / 1000} s:\n${this.output.slice(startAt)}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (process.env.FULCRUM_PRODUCT_VERBOSE === '1') process.stdout.write(chunk);
        const mine = this.output.slice(startAt);
        const url = /Fulcrum is running at (http:\/\/\S+)/.exec(mine)?.[1];
        const login = /Admin login: (\S+) \/ (\S+)/.exec(mine);
        if (url && /press Ctrl-C to stop/.test(mine)) {
          clearTimeout(timer);
          this.url = url;
          if (first) {
            if (!login) return reject(new Error(`npm start printed no admin login (was the state dir fresh?):\n${mine}`));
            this.admin = { username: login[1]!, password: login[2]! };
          }
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code} before it was ready:\n${this.output.slice(startAt)}`));
      });
    });
  }

  /** SIGTERM to the process group (start.ts closes agents with 1001 and stops Postgres), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      signalGroup(child, 'SIGTERM');
    });
  }

  /** Stops and deletes the state dir. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** A tRPC answer: the data, or the error's data (code, appCode, fieldErrors) and message. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string; code: string; appCode: string | null; fieldErrors: Record<string, string[]> | null };

/** The product's tRPC API over plain HTTP (superjson wire format) with a session cookie, as any client could use it. */
export class ProductApi {
  private cookie = '';
  constructor(private readonly base: () => string) {}

  private async call<T>(procedure: string, input: unknown, mutation: boolean): Promise<ApiResult<T>> {
    const url = `${this.base()}/api/trpc/${procedure}`;
    const headers: Record<string, string> = { cookie: this.cookie };
    const response = mutation
      ? // Origin matching the host: the server refuses cross-site mutations
        await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', origin: this.base() }, body: JSON.stringify({ json: input }) })
      : await fetch(`${url}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('fulcrum'));
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const body = (await response.json()) as { result?: { data?: { json?: T } }; error?: { json?: { message: string; data: { code: string; appCode: string | null; fieldErrors: Record<string, string[]> | null } } } };
    if (response.ok && body.result) return { ok: true, data: body.result.data!.json as T };
    const e = body.error?.json;
    return { ok: false, status: response.status, message: e?.message ?? JSON.stringify(body), code: e?.data.code ?? '?', appCode: e?.data.appCode ?? null, fieldErrors: e?.data.fieldErrors ?? null };
  }

  /** A query; throws on an error answer. */
  async query<T = any>(procedure: string, input: unknown): Promise<T> {
    const r = await this.call<T>(procedure, input, false);
    if (!r.ok) throw new Error(`${procedure}: ${r.status} ${r.code} ${r.message}`);
    return r.data;
  }

  /** A mutation; throws on an error answer. */
  async mutate<T = any>(procedure: string, input: unknown): Promise<T> {
    const r = await this.call<T>(procedure, input, true);
    if (!r.ok) throw new Error(`${procedure}: ${r.status} ${r.code} ${r.message} ${JSON.stringify(r.fieldErrors)}`);
    return r.data;
  }

  /** A mutation whose error answer the caller inspects. */
  tryMutate<T = any>(procedure: string, input: unknown): Promise<ApiResult<T>> {
    return this.call<T>(procedure, input, true);
  }

  /** Logs in as the printed admin and replaces the one-time password (the server refuses everything else until then). */
  async logInReplacingOneTimePassword(admin: { username: string; password: string }, newPassword: string): Promise<void> {
    await this.mutate('auth.login', { username: admin.username, password: admin.password });
    const me = await this.query<{ mustChangePassword: boolean }>('auth.me', null);
    if (me.mustChangePassword) await this.mutate('auth.changePassword', { currentPassword: admin.password, newPassword });
    // a password change may end the other sessions: log in again with the new one
    await this.mutate('auth.login', { username: admin.username, password: newPassword });
  }
}

/** Per-test-file agent files on hostfs (the guest sees them at the same path): tokens (0600), state dirs, configs. */
export class ProductAgentFiles {
  readonly root: string;
  constructor() {
    const base = join(REPO_ROOT, '.fulcrum');
    mkdirSync(base, { recursive: true });
    this.root = mkdtempSync(join(base, 'agent-product-'));
    writeFileSync(join(this.root, 'none.json'), '{}');
  }

  /**
   * Agent argv for `instance` (a name of its own: state dir, run dir, keepalived config) running with
   * `token`. `config` is the agent's JSON config file content (binaries), {} by default.
   */
  argv(instance: string, hostname: string, server: string, token: string, config: object = {}): string[] {
    const dir = join(this.root, instance);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    chmodSync(tokenFile, 0o600);
    const configFile = join(dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify(config));
    return [
      process.execPath,
      AGENT_BUNDLE,
      '--server', server,
      '--token-file', tokenFile,
      '--config', configFile,
      '--hostname', hostname,
      '--state-dir', join(dir, 'state'),
      // on the guest's tmpfs /run: survives an agent restart, so the next agent re-adopts keepalived
      '--run-dir', `/run/fulcrum-agent-${instance}`,
      '--keepalived-config', join(dir, 'keepalived.conf'),
      '--rate-interval-ms', '1000',
    ];
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Spawns the built agent in a lab host against the product. */
export function spawnProductAgent(lab: Lab, files: ProductAgentFiles, host: string, product: Product, token: string, options: { instance?: string; config?: object } = {}): Promise<LabProcess> {
  const server = `ws://${lab.hostAddress}:${product.port}/ws/agent`;
  return lab.spawn(host, files.argv(options.instance ?? host, host, server, token, options.config), { name: `agent-${options.instance ?? host}` });
}

/** Polls `check` every `everyMs` until it returns true; the elapsed ms, or throws naming `what`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 20): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The estate's agent.status, reduced to what the tests read. */
export type AgentStatus = {
  generation: number;
  nodes: Array<{ id: string; name: string; role: string; agentStatus: string; connected: boolean; appliedGeneration: number | null; lastApplyError: string | null; upToDate: boolean; drift: { itemCount: number; items: unknown[] } | null; vrrp: Array<{ instance: string; state: string; changedAt: string }> }>;
};
