// The CLI end to end, as an operator runs it: a real child process (tsx apps/cli/src/main.ts, stdin
// not a terminal, FULCRUM_PASSWORD in its environment) against the real product (npm start), which
// installs onto a real OpenSSH server in a network namespace. Bad input is refused before anything
// reaches the server; a new host key needs --accept-host-key; a wrong key fails with AUTH_REFUSED and
// installs nothing; install → upgrade → remove succeed and the node's agent state follows.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '@fulcrum/lvs/commands/bad-input-corpus';
import { sshHostGate } from '@fulcrum/lab/ssh-host/ssh-host-gate';
import { SSH_HOST_BINARIES, startSshTestHost, type SshTestHost } from '@fulcrum/lab/ssh-host/ssh-test-host';
import { freePort, Product, ProductApi, waitUntil } from '../../agent/src/testing/product-harness';

const gate = sshHostGate();
const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const MAIN = path.join(REPO_ROOT, 'apps/cli/src/main.ts');
const VIP = '198.18.3.201';
const ADMIN_PASSWORD = 'correct-horse-battery-staple';
const CLUSTER = 'cli-lab';
const NODE = 'rs-cli';

type CliRun = { exitCode: number | null; stdout: string; stderr: string };

/** Builds the agent bundle stamped with `version` into `dir` (what the product installs). */
function buildBundle(dir: string, version: string): void {
  execFileSync(TSX, [path.join(REPO_ROOT, 'apps/agent/build.ts'), '--version', version, '--outdir', dir], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** Runs `items` through `work`, `width` at a time (each CLI run is a tsx start-up of about a second). */
async function inPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

describe.skipIf(gate.skip)('fulcrum CLI: agent install over SSH through the product', () => {
  let host: SshTestHost;
  let product: Product;
  let dir: string;
  let bundleDir: string;
  let keyFile: string;
  let wrongKeyFile: string;
  const api = new ProductApi(() => product.url);
  let clusterId = '';
  let nodeId = '';

  /** The CLI as a child process; stdin is /dev/null (not a TTY), the environment is only what is given. */
  function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(TSX, [MAIN, ...args], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', FULCRUM_SERVER: product.url, FULCRUM_LOGIN: 'admin', FULCRUM_PASSWORD: ADMIN_PASSWORD, ...extraEnv },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
      child.once('error', reject);
      child.once('close', (exitCode) => {
        clearTimeout(timer);
        resolve({ exitCode, stdout, stderr });
      });
    });
  }

  const target = (...extra: string[]) => ['--cluster', CLUSTER, '--node', NODE, '--user', 'root', '--key-file', keyFile, ...extra];
  const show = (run: CliRun) => `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

  async function operations(): Promise<Array<{ kind: string; status: string }>> {
    return api.query('agentInstall.listForNode', { nodeId });
  }

  async function nodeState(): Promise<{ agentStatus: string; agentVersion: string | null }> {
    const cluster = await api.query<{ nodes: Array<{ id: string; agentStatus: string; agentVersion: string | null }> }>('cluster.get', { clusterId });
    return cluster.nodes.find((n) => n.id === nodeId)!;
  }

  beforeAll(async () => {
    host = await startSshTestHost({ index: 3 });
    dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-cli-lab-'));
    bundleDir = path.join(dir, 'bundle');
    buildBundle(bundleDir, '0.1.0');
    keyFile = path.join(dir, 'id_ed25519');
    writeFileSync(keyFile, host.clientKey.privateKey, { mode: 0o600 });
    // A well-formed key that no account on the test host authorizes.
    wrongKeyFile = path.join(dir, 'id_wrong');
    execFileSync(SSH_HOST_BINARIES.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-authorized', '-f', wrongKeyFile], { stdio: 'pipe' });
    product = await Product.start({ host: host.hostAddress, port: await freePort(), env: { FULCRUM_AGENT_BUNDLE: path.join(bundleDir, 'agent.cjs') } });
    await api.logInReplacingOneTimePassword(product.admin, ADMIN_PASSWORD);
    clusterId = (await api.mutate<{ id: string }>('cluster.create', { name: CLUSTER, description: '' })).id;
    const director = await api.mutate<{ id: string }>('node.create', { clusterId, name: 'director-y', role: 'DIRECTOR', managementAddress: '198.18.3.250' });
    nodeId = (await api.mutate<{ id: string }>('node.create', { clusterId, name: NODE, role: 'REAL_SERVER', managementAddress: host.address })).id;
    const pair = await api.mutate<{ id: string }>('haPair.create', { clusterId, name: 'pair', interface: 'eth0', virtualRouterId: 52, primaryNodeId: director.id, vips: [VIP] });
    const service = await api.mutate<{ id: string }>('service.create', { clusterId, haPairId: pair.id, protocol: 'TCP', address: VIP, port: 80, scheduler: 'wrr' });
    await api.mutate('realServer.create', { virtualServiceId: service.id, address: host.address, port: 80, weight: 1, forwarding: 'DR', nodeId });
  }, 600_000);

  afterAll(async () => {
    await product?.stop();
    await product?.remove();
    await host?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses injection strings in --host, --user and --node-path with exit 2 naming the flag, and starts no operation', async () => {
    // NUL cannot be in an argv at all (execve takes C strings): the unit test covers those.
    const corpus = BAD_STRINGS.filter((bad) => !bad.includes('\0'));
    const cases = corpus.flatMap((bad) => [
      { flag: '--host', bad, args: ['agent', 'install', ...target(`--host=${bad}`, '--accept-host-key', host.hostKeyFingerprint)] },
      { flag: '--user', bad, args: ['agent', 'install', '--cluster', CLUSTER, '--node', NODE, '--key-file', keyFile, `--user=${bad}`, '--accept-host-key', host.hostKeyFingerprint] },
      { flag: '--node-path', bad, args: ['agent', 'install', ...target(`--node-path=${bad}`, '--accept-host-key', host.hostKeyFingerprint)] },
    ]);
    await inPool(cases, 8, async ({ flag, bad, args }) => {
      const run = await cli(args);
      const what = `${flag} ${JSON.stringify(bad).slice(0, 40)}\n${show(run)}`;
      expect(run.exitCode, what).toBe(2);
      expect(run.stderr, what).toMatch(new RegExp(`^fulcrum: ${flag}: [^\\n]+\\n$`));
    });
    expect(await operations()).toEqual([]);
    expect(await host.pathExists('/opt/fulcrum')).toBe(false);
  });

  it('stops at a new host key without --accept-host-key (exit 3), printing the fingerprint and the flag to add', async () => {
    const run = await cli(['agent', 'install', ...target()]);
    expect(run.exitCode, show(run)).toBe(3);
    expect(run.stderr).toContain(`is not trusted yet: ssh-ed25519 ${host.hostKeyFingerprint}`);
    expect(run.stderr).toContain(`--accept-host-key ${host.hostKeyFingerprint}`);
    const scan = await cli(['host-key', '--host', host.address, '--json']);
    expect(scan.exitCode, show(scan)).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({ host: host.address, port: 22, algorithm: 'ssh-ed25519', fingerprint: host.hostKeyFingerprint, trust: 'NEW' });
    const noCluster = await cli(['agent', 'install', '--cluster', 'nope', '--node', NODE, '--user', 'root', '--key-file', keyFile]);
    expect(noCluster.exitCode, show(noCluster)).toBe(2);
    expect(noCluster.stderr).toBe(`fulcrum: --cluster: there is no cluster "nope"; clusters: "${CLUSTER}"\n`);
    const noNode = await cli(['agent', 'remove', '--cluster', CLUSTER, '--node', 'rs-9', '--user', 'root', '--key-file', keyFile]);
    expect(noNode.exitCode, show(noNode)).toBe(2);
    expect(noNode.stderr).toBe(`fulcrum: --node: cluster "${CLUSTER}" has no node "rs-9"; its nodes: "director-y", "${NODE}"\n`);
    // nothing listens there: a failure (1), not an argument error
    const closed = await cli(['host-key', '--host', host.address, '--port', '2200']);
    expect(closed.exitCode, show(closed)).toBe(1);
    expect(closed.stderr).toContain(`fulcrum: Connection refused by ${host.address}:2200`);
    expect(await operations()).toEqual([]);
  });

  it('fails a key the host does not authorize with AUTH_REFUSED (exit 1) and installs nothing', async () => {
    const run = await cli(['agent', 'install', '--cluster', CLUSTER, '--node', NODE, '--user', 'root', '--key-file', wrongKeyFile, '--accept-host-key', host.hostKeyFingerprint]);
    expect(run.exitCode, show(run)).toBe(1);
    expect(run.stderr).toContain('Install failed [AUTH_REFUSED]');
    expect(run.stderr).toContain(`${host.address}:22 refused the login as "root" with that private key`);
    expect(run.stdout).toContain(`✗ Connect to root@${host.address}:22 over SSH`);
    expect(await operations()).toMatchObject([{ kind: 'INSTALL', status: 'FAILED' }]);
    expect(await host.pathExists('/opt/fulcrum')).toBe(false);
  });

  it('installs as root with the key and the accepted host key: every step shown, the node connected with the version', async () => {
    const run = await cli(['agent', 'install', ...target('--accept-host-key', host.hostKeyFingerprint)]);
    expect(run.exitCode, show(run)).toBe(0);
    expect(run.stdout).toContain(`Installing the agent on ${NODE} (cluster ${CLUSTER}) over SSH as root@${host.address}:22`);
    expect(run.stdout).toContain(`The agent will connect to ws://${host.hostAddress}:${product.port}/ws/agent`);
    for (const label of [`Connect to root@${host.address}:22 over SSH`, 'Check the host', 'Upload the agent, its configuration and token', 'Start the agent', 'Wait for the agent to connect to Fulcrum', 'Wait for the node to apply its desired state']) {
      expect(run.stdout, label).toContain(`  … ${label}`);
      expect(run.stdout, label).toMatch(new RegExp(`  ✓ ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* \\(\\d+(\\.\\d)? (ms|s)\\)\\n`));
    }
    expect(run.stdout).toContain(`✓ Installed agent 0.1.0 on ${NODE}: it is connected`);
    expect(run.stdout).toContain(`Node ${NODE}: agent CONNECTED, version 0.1.0`);
    expect(run.stderr).toBe('');
    expect(run.stdout + run.stderr).not.toContain(ADMIN_PASSWORD);
    expect(run.stdout + run.stderr).not.toContain('PRIVATE KEY');
    expect(await nodeState()).toMatchObject({ agentStatus: 'CONNECTED', agentVersion: '0.1.0' });
    // the snapshot was applied: the DR VIP is on the host's loopback
    expect((await host.run(['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout).toContain(`${VIP}/32`);
    const scan = await cli(['host-key', '--host', host.address]);
    expect(scan.exitCode, show(scan)).toBe(0);
    expect(scan.stdout).toContain(`fingerprint: ${host.hostKeyFingerprint}`);
    expect(scan.stdout).toMatch(/trust: +TRUSTED/);
  });

  it('upgrades to a rebuilt bundle (the host key is trusted now): the new version is reported', async () => {
    buildBundle(bundleDir, '0.1.1-cli.1');
    const run = await cli(['agent', 'upgrade', ...target()]);
    expect(run.exitCode, show(run)).toBe(0);
    expect(run.stdout).toContain(`Host key: ssh-ed25519 ${host.hostKeyFingerprint} (trusted)`);
    expect(run.stdout).toMatch(/✓ Wait for the new agent to connect: agent 0\.1\.1-cli\.1 connected \(was 0\.1\.0\)/);
    expect(run.stdout).toContain(`✓ Upgraded the agent on ${NODE} to 0.1.1-cli.1: it is connected`);
    expect(await nodeState()).toMatchObject({ agentStatus: 'CONNECTED', agentVersion: '0.1.1-cli.1' });
    expect((await host.run(['head', '-1', '/opt/fulcrum/agent.cjs'])).stdout.trim()).toBe('// fulcrum-agent 0.1.1-cli.1');
  });

  it('refuses a changed host key (exit 3) with both fingerprints; after host-key --forget and --accept-host-key, removes the agent (--json)', async () => {
    const trusted = host.hostKeyFingerprint;
    const fresh = await host.replaceHostKey();
    const refused = await cli(['agent', 'remove', ...target()]);
    expect(refused.exitCode, show(refused)).toBe(3);
    expect(refused.stderr).toContain(`The SSH host key of ${host.address}:22 has CHANGED: nothing was sent to the host`);
    expect(refused.stderr).toContain(`trusted:   ${trusted}`);
    expect(refused.stderr).toContain(`presented: ssh-ed25519 ${fresh}`);
    expect(refused.stderr).toContain(`fulcrum host-key --host ${host.address} --forget`);
    expect(await host.pathExists('/opt/fulcrum/agent.cjs')).toBe(true);
    const changed = await cli(['host-key', '--host', host.address]);
    expect(changed.exitCode, show(changed)).toBe(3);
    expect(changed.stdout).toMatch(/trust: +CHANGED/);

    const forget = await cli(['host-key', '--host', host.address, '--forget']);
    expect(forget.exitCode, show(forget)).toBe(0);
    expect(forget.stdout).toContain(`Forgot the trusted SSH host key of ${host.address}:22`);

    const run = await cli(['agent', 'remove', ...target('--accept-host-key', fresh, '--json')]);
    expect(run.exitCode, show(run)).toBe(0);
    const operation = JSON.parse(run.stdout) as { kind: string; status: string; steps: Array<{ id: string; status: string }> };
    expect(operation).toMatchObject({ kind: 'REMOVE', status: 'SUCCEEDED' });
    expect(operation.steps.length).toBeGreaterThan(0);
    expect(operation.steps.every((s) => s.status === 'ok')).toBe(true);
    expect(await host.pathExists('/opt/fulcrum')).toBe(false);
    await waitUntil(async () => (await nodeState()).agentStatus === 'DISCONNECTED', 10_000, 'node disconnected');
    const scan = await cli(['host-key', '--host', host.address, '--json']);
    expect(JSON.parse(scan.stdout)).toMatchObject({ fingerprint: fresh, trust: 'TRUSTED' });
    // the refusals started nothing: one operation per run that got past the host key
    expect((await operations()).map((o) => `${o.kind} ${o.status}`)).toEqual(['REMOVE SUCCEEDED', 'UPGRADE SUCCEEDED', 'INSTALL SUCCEEDED', 'INSTALL FAILED']);
  });
});
