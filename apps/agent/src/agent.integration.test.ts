import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '@fulcrum/protocol/close-codes';
import { Agent } from './agent';
import { createFakeHost } from './host/fake-host';
import { createLogger, type Logger } from './log/logger';
import { createMemoryStateStore } from './state/state-store';
import { directorSnapshot, service } from './testing/snapshots';
import { TestGateway } from './testing/test-gateway';

// The agent against a real WebSocket server on an ephemeral port speaking the protocol. The host is the
// in-memory fake of the agent's own host interfaces; the last tests run the built bundle as a process.

const TOKEN = 'integration-token-0123456789abcdef';
const VIP = '198.18.0.100';
const agentDir = fileURLToPath(new URL('..', import.meta.url));

function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

describe('agent ⇄ gateway over real WebSockets', () => {
  let gateway: TestGateway | null = null;
  let agent: Agent | null = null;
  afterEach(async () => {
    await agent?.stop();
    await gateway?.stop();
    agent = null;
    gateway = null;
  });

  async function startPair(options: { settings?: Record<string, number>; host?: ReturnType<typeof createFakeHost> } = {}) {
    gateway = await TestGateway.start({ nodes: { [TOKEN]: { name: 'director-a', role: 'DIRECTOR' } }, settings: { heartbeatIntervalMs: 500, ...options.settings } });
    const host = options.host ?? createFakeHost();
    const { log, lines } = captureLog();
    agent = new Agent({ config: { server: gateway.url, hostname: 'director-a', rateIntervalMs: 5000, batchThreshold: 20 }, token: TOKEN, host, store: createMemoryStateStore(), log });
    await agent.start();
    await gateway.waitForConnection('director-a');
    return { gateway, host, lines, agent };
  }

  it('handshakes, applies a snapshot and answers applied; never logs the token', async () => {
    const { gateway: gw, host, lines } = await startPair();
    expect(gw.hellos[0]).toMatchObject({ node: 'director-a', lastAppliedGeneration: null });
    await gw.waitForFrame('director-a', 'event', (f) => f.kind === 'agent-started');
    gw.send('director-a', directorSnapshot(11, { ipvs: { services: [service(VIP, { '198.18.0.13': 1, '198.18.0.14': 3 })] } }));
    const applied = await gw.waitForFrame('director-a', 'applied');
    expect(applied.frame).toMatchObject({ generation: 11, status: 'applied', changes: 3, errors: [], missing: [] });
    expect(host.kernel.table.services[0]?.destinations.map((d) => d.weight)).toEqual([1, 3]);
    await gw.waitForFrame('director-a', 'pong');
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('reconnects with backoff when the server restarts, and says which generation it holds', async () => {
    const { gateway: gw } = await startPair();
    gw.send('director-a', directorSnapshot(5, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }));
    await gw.waitForFrame('director-a', 'applied');
    await gw.stop();
    await new Promise((r) => setTimeout(r, 1500)); // a few failed attempts: 0.5 s, 1 s …
    expect(agent!.connection.state).toBe('reconnecting');
    expect(agent!.connection.failedAttempts).toBeGreaterThanOrEqual(2);
    await gw.restart();
    const waited = await gw.waitForConnection('director-a', 10_000);
    console.log(`reconnected ${waited} ms after the server came back`);
    expect(gw.hellos.at(-1)).toMatchObject({ lastAppliedGeneration: 5 });
  });

  it('detects heartbeat loss (2 × interval + 2 s of silence) and reconnects', async () => {
    const { gateway: gw } = await startPair();
    const before = gw.hellos.length;
    gw.silent = true; // no pings, and new hellos go unanswered
    const silentAt = Date.now();
    while (agent!.connection.state === 'ready') {
      if (Date.now() - silentAt > 6000) throw new Error('agent did not notice the silence');
      await new Promise((r) => setTimeout(r, 20));
    }
    const detectedMs = Date.now() - silentAt;
    console.log(`heartbeat loss detected after ${detectedMs} ms (interval 500 ms → limit 3000 ms)`);
    expect(detectedMs).toBeGreaterThanOrEqual(2400); // the last ping came up to one interval before the silence began
    expect(detectedMs).toBeLessThan(4500);
    gw.silent = false;
    await new Promise((r) => setTimeout(r, 200));
    await gw.waitForConnection('director-a', 15_000);
    expect(gw.hellos.length).toBeGreaterThan(before);
    expect(gw.closes.some((c) => c.code === CloseCode.HEARTBEAT_TIMEOUT || c.code === 1006)).toBe(true);
  });

  it('answers invalid server frames with error frames, applies nothing, stays connected', async () => {
    const { gateway: gw, host } = await startPair();
    const bad = [
      '{"v":1,"type":"snapshot"',
      JSON.stringify({ v: 1, type: 'reboot', now: true }),
      JSON.stringify({ ...directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }), node: { role: 'DIRECTOR', ipvs: { services: [{ ...service(VIP, {}), address: '$(touch /tmp/x)' }] }, keepalived: null } }),
      JSON.stringify({ ...directorSnapshot(1), node: { role: 'DIRECTOR', ipvs: { services: [] }, keepalived: null, addresses: [{ address: VIP, prefix: 32, dev: 'eth0;id' }] } }),
      JSON.stringify({ ...directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }), node: { ...directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }).node, healthChecks: [{ serviceKey: '`id`', destinationKey: '198.18.0.13:80', address: '198.18.0.13', port: 80, kind: 'TCP' }] } }),
    ];
    for (const text of bad) gw.sendRaw('director-a', text);
    const deadline = Date.now() + 5000;
    while (gw.framesOf('director-a', 'error').length < bad.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const errors = gw.framesOf('director-a', 'error').map((r) => r.frame);
    expect(errors.map((e) => e.code)).toEqual(['INVALID_FRAME', 'INVALID_FRAME', 'INVALID_FRAME', 'INVALID_FRAME', 'INVALID_FRAME']);
    expect(errors[0]?.message).toBe('Frame is not JSON');
    expect(errors[4]?.message).toMatch(/healthChecks.0: no destination/);
    expect(gw.framesOf('director-a', 'applied')).toEqual([]);
    expect(host.calls).toEqual([]);
    expect(agent!.connection.state).toBe('ready');
  });

  it('after 4401 (unauthorized) waits the longest backoff step instead of retrying fast', async () => {
    gateway = await TestGateway.start({ nodes: {} });
    const { log, lines } = captureLog();
    agent = new Agent({ config: { server: gateway.url, hostname: 'x', rateIntervalMs: 5000, batchThreshold: 20 }, token: TOKEN, host: createFakeHost(), store: createMemoryStateStore(), log });
    await agent.start();
    await new Promise((r) => setTimeout(r, 3000));
    expect(gateway.hellos).toHaveLength(1);
    expect(gateway.closes.map((c) => c.code)).toEqual([4401]);
    const scheduled = lines.map((l) => JSON.parse(l) as { event: string; delayMs?: number; slowRetry?: boolean }).find((l) => l.event === 'reconnect-scheduled');
    expect(scheduled).toMatchObject({ slowRetry: true });
    expect(scheduled!.delayMs).toBeGreaterThanOrEqual(24_000);
  });
});

describe('the bundled agent (dist/agent.cjs) as a process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-agent-it-'));
  const bundle = join(agentDir, 'dist', 'agent.cjs');
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '-w', '@fulcrum/agent'], { cwd: join(agentDir, '..', '..'), stdio: 'ignore' });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tokenFile = (mode: number) => {
    const path = join(dir, `token-${mode.toString(8)}`);
    writeFileSync(path, `${TOKEN}\n`);
    chmodSync(path, mode);
    return path;
  };
  const args = (server: string, token: string) => ['--server', server, '--token-file', token, '--state-dir', join(dir, 'state'), '--run-dir', join(dir, 'run'), '--keepalived-config', join(dir, 'keepalived.conf'), '--config', join(dir, 'none.json')];

  it('refuses a group/world-readable token file with a clear message (exit 2)', () => {
    writeFileSync(join(dir, 'none.json'), '{}');
    let failure: { status: number; stderr: string } | null = null;
    try {
      execFileSync(process.execPath, [bundle, ...args('ws://127.0.0.1:9/ws/agent', tokenFile(0o644))], { stdio: 'pipe' });
    } catch (e) {
      failure = { status: (e as { status: number }).status, stderr: String((e as { stderr: Buffer }).stderr) };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr).toMatch(/readable or writable by group\/others \(mode 0644\): run chmod 600/);
  });

  it('connects, and on SIGTERM closes with 1001 and exits 0', async () => {
    writeFileSync(join(dir, 'none.json'), '{}');
    const gw = await TestGateway.start({ nodes: { [TOKEN]: { name: 'rs-1', role: 'REAL_SERVER' } } });
    try {
      const child = spawn(process.execPath, [bundle, ...args(gw.url, tokenFile(0o600))], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await gw.waitForConnection('rs-1', 20_000);
      await gw.waitForFrame('rs-1', 'event', (f) => f.kind === 'agent-started');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(gw.closes.map((c) => c.code)).toContain(1001);
      expect(output).toContain('"event":"agent-stopped"');
      expect(output).not.toContain(TOKEN);
    } finally {
      await gw.stop();
    }
  });
});
