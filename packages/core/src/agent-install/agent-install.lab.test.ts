// Putting the agent on a host over SSH, end to end: the real product (npm start) drives a real
// OpenSSH server (Debian's sshd in a network namespace). Install → the node connects and applies its
// snapshot (VIP on lo, arp sysctls in that namespace); upgrade → the new version reconnects; remove →
// files gone, token revoked, kernel state left. Failures (wrong password, wrong key, changed host key,
// no Node.js) leave nothing behind; injection strings are refused before any connection.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '@fulcrum/lvs/commands/bad-input-corpus';
import { sshHostGate } from '@fulcrum/lab/ssh-host/ssh-host-gate';
import { startSshTestHost, type SshTestHost } from '@fulcrum/lab/ssh-host/ssh-test-host';
import { freePort, Product, ProductApi, waitUntil } from '../../../../apps/agent/src/testing/product-harness';

const gate = sshHostGate();
const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');
const VIP = '198.18.3.200';

type Step = { id: string; label: string; status: string; detail: string };
type Operation = { id: string; status: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; errorCode: string | null; error: string | null; agentVersion: string | null; steps: Step[] };

/** Builds the agent bundle stamped with `version` into `dir` (what the product installs). */
function buildBundle(dir: string, version: string): void {
  execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'apps/agent/build.ts'), '--version', version, '--outdir', dir], { cwd: REPO_ROOT, stdio: 'pipe' });
}

describe.skipIf(gate.skip)('agent install over SSH through the product', () => {
  let host: SshTestHost;
  let product: Product;
  let bundleDir: string;
  const api = new ProductApi(() => product.url);
  let nodeId = '';
  let clusterId = '';

  const root = () => ({ host: host.address, port: host.port, username: 'root' });
  const keyAuth = () => ({ method: 'key' as const, privateKey: host.clientKey.privateKey });

  async function runOperation(input: Record<string, unknown>): Promise<Operation> {
    const { id } = await api.mutate<{ id: string }>('agentInstall.start', input);
    let operation: Operation | null = null;
    await waitUntil(async () => {
      operation = await api.query<Operation>('agentInstall.get', { id });
      return operation.status !== 'RUNNING';
    }, 150_000, `agent operation ${id}`, 250);
    return operation!;
  }

  /** Nothing the installer writes is on the host. */
  async function expectNothingInstalled(): Promise<void> {
    for (const p of ['/opt/fulcrum', '/etc/fulcrum/agent.token', '/etc/fulcrum/agent.json', '/etc/systemd/system/fulcrum-agent.service']) {
      expect(await host.pathExists(p), p).toBe(false);
    }
  }

  beforeAll(async () => {
    host = await startSshTestHost({ index: 2 });
    bundleDir = mkdtempSync(path.join(tmpdir(), 'fulcrum-ssh-bundle-'));
    buildBundle(bundleDir, '0.1.0');
    product = await Product.start({ host: host.hostAddress, port: await freePort(), env: { FULCRUM_AGENT_BUNDLE: path.join(bundleDir, 'agent.cjs') } });
    await api.logInReplacingOneTimePassword(product.admin, 'correct-horse-battery-staple');
    clusterId = (await api.mutate<{ id: string }>('cluster.create', { name: 'ssh-lab', description: '' })).id;
    const director = await api.mutate<{ id: string }>('node.create', { clusterId, name: 'director-x', role: 'DIRECTOR', managementAddress: '198.18.3.250' });
    const node = await api.mutate<{ id: string }>('node.create', { clusterId, name: 'rs-ssh', role: 'REAL_SERVER', managementAddress: host.address });
    nodeId = node.id;
    const pair = await api.mutate<{ id: string }>('haPair.create', { clusterId, name: 'pair', interface: 'eth0', virtualRouterId: 51, primaryNodeId: director.id, vips: [VIP] });
    const service = await api.mutate<{ id: string }>('service.create', { clusterId, haPairId: pair.id, protocol: 'TCP', address: VIP, port: 80, scheduler: 'wrr' });
    await api.mutate('realServer.create', { virtualServiceId: service.id, address: host.address, port: 80, weight: 1, forwarding: 'DR', nodeId });
  }, 600_000);

  afterAll(async () => {
    await product?.stop();
    await product?.remove();
    await host?.stop();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  it('refuses injection strings in host, user and path fields before connecting', async () => {
    for (const bad of BAD_STRINGS) {
      for (const [field, input] of [
        ['target', { kind: 'INSTALL', nodeId, target: { ...root(), host: bad }, auth: keyAuth() }],
        ['target', { kind: 'INSTALL', nodeId, target: { ...root(), username: bad }, auth: keyAuth() }],
        ['nodePath', { kind: 'INSTALL', nodeId, target: root(), auth: keyAuth(), nodePath: bad }],
      ] as const) {
        const result = await api.tryMutate('agentInstall.start', input);
        expect(result.ok, `${field} ${JSON.stringify(bad).slice(0, 40)}`).toBe(false);
        if (!result.ok) expect(result.fieldErrors?.[field]?.[0], JSON.stringify(bad).slice(0, 40)).toBeTruthy();
      }
    }
    // An agent told to dial a loopback address would reach only itself: refused up front.
    const loopback = await api.tryMutate('agentInstall.start', { kind: 'INSTALL', nodeId, target: root(), auth: keyAuth(), hostKeyFingerprint: host.hostKeyFingerprint, serverUrl: 'ws://127.0.0.1:3000/ws/agent' });
    expect(loopback.ok).toBe(false);
    if (!loopback.ok) expect(loopback.fieldErrors?.serverUrl?.[0]).toMatch(/a loopback address of .* itself/);
    const unreachable = await api.tryMutate('agentInstall.scanHostKey', { host: host.address, port: 2999 });
    expect(unreachable.ok).toBe(false);
    if (!unreachable.ok) expect([unreachable.status, unreachable.appCode, unreachable.message]).toEqual([502, 'HOST_UNREACHABLE', expect.stringMatching(/Connection refused .*is sshd running/)]);
    const operations = await api.query<Operation[]>('agentInstall.listForNode', { nodeId });
    expect(operations).toEqual([]);
    await expectNothingInstalled();
  });

  it('asks to confirm an unknown host key, and refuses a fingerprint that is not the host\'s', async () => {
    const unconfirmed = await api.tryMutate('agentInstall.start', { kind: 'INSTALL', nodeId, target: root(), auth: keyAuth() });
    expect(unconfirmed.ok).toBe(false);
    if (!unconfirmed.ok) expect(unconfirmed.fieldErrors?.hostKeyFingerprint?.[0]).toMatch(/is not trusted yet: scan it, compare the fingerprint/);
    const scanned = await api.mutate<{ fingerprint: string; trust: string }>('agentInstall.scanHostKey', { host: host.address, port: host.port });
    expect(scanned).toMatchObject({ fingerprint: host.hostKeyFingerprint, trust: 'NEW' });
    const wrong = await runOperation({ kind: 'INSTALL', nodeId, target: root(), auth: keyAuth(), hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(wrong).toMatchObject({ status: 'FAILED', errorCode: 'HOST_KEY_MISMATCH' });
    await expectNothingInstalled();
  });

  it('fails a wrong password and a missing Node.js with their messages and leaves nothing behind', async () => {
    const wrongPassword = await runOperation({ kind: 'INSTALL', nodeId, target: { ...root(), username: host.users.sudoer.username }, auth: { method: 'password', password: 'wrong-password' }, hostKeyFingerprint: host.hostKeyFingerprint });
    expect(wrongPassword).toMatchObject({ status: 'FAILED', errorCode: 'AUTH_REFUSED' });
    expect(wrongPassword.error).toMatch(/refused the login as "fulcrum-op" with that password/);
    const noNode = await runOperation({ kind: 'INSTALL', nodeId, target: { ...root(), port: host.nodelessPort }, auth: keyAuth(), hostKeyFingerprint: host.hostKeyFingerprint });
    expect(noNode).toMatchObject({ status: 'FAILED', errorCode: 'NO_NODE' });
    expect(noNode.steps.find((s) => s.id === 'check')).toMatchObject({ status: 'failed' });
    expect(noNode.error).toMatch(/Node.js was not found/);
    await expectNothingInstalled();
  });

  it('installs as a sudoer with a password: the node connects and applies its snapshot (VIP on lo, arp sysctls)', async () => {
    const installed = await runOperation({ kind: 'INSTALL', nodeId, target: { ...root(), username: host.users.sudoer.username }, auth: { method: 'password', password: host.users.sudoer.password }, hostKeyFingerprint: host.hostKeyFingerprint });
    expect(installed.error).toBeNull();
    expect(installed).toMatchObject({ status: 'SUCCEEDED', agentVersion: '0.1.0' });
    expect(installed.steps.map((s) => [s.id, s.status])).toEqual([['ssh', 'ok'], ['check', 'ok'], ['upload', 'ok'], ['start', 'ok'], ['connect', 'ok'], ['apply', 'ok']]);
    expect(installed.steps.find((s) => s.id === 'check')?.detail).toMatch(/root through sudo, Node.js .* no systemd/);
    expect((await host.run(['stat', '-c', '%a %U', '/etc/fulcrum/agent.token'])).stdout.trim()).toBe('600 root');
    const lo = await host.run(['ip', '-o', 'addr', 'show', 'dev', 'lo']);
    expect(lo.stdout).toContain(`${VIP}/32`);
    expect((await host.run(['sysctl', '-n', 'net.ipv4.conf.all.arp_ignore'])).stdout.trim()).toBe('1');
    const cluster = await api.query<{ nodes: Array<{ id: string; agentStatus: string; agentVersion: string | null }> }>('cluster.get', { clusterId });
    expect(cluster.nodes.find((n) => n.id === nodeId)).toMatchObject({ agentStatus: 'CONNECTED', agentVersion: '0.1.0' });
    const trusted = await api.mutate<{ trust: string }>('agentInstall.scanHostKey', { host: host.address, port: host.port });
    expect(trusted.trust).toBe('TRUSTED');
    const again = await runOperation({ kind: 'INSTALL', nodeId, target: root(), auth: keyAuth() });
    expect(again).toMatchObject({ status: 'FAILED', errorCode: 'ALREADY_INSTALLED' });
    expect(await host.pathExists('/opt/fulcrum/agent.cjs')).toBe(true);
  });

  it('upgrades: the new bundle reconnects and reports its version', async () => {
    buildBundle(bundleDir, '0.1.1-upgrade.1');
    const upgraded = await runOperation({ kind: 'UPGRADE', nodeId, target: root(), auth: keyAuth() });
    expect(upgraded.error).toBeNull();
    expect(upgraded).toMatchObject({ status: 'SUCCEEDED', agentVersion: '0.1.1-upgrade.1' });
    expect(upgraded.steps.find((s) => s.id === 'connect')?.detail).toMatch(/agent 0.1.1-upgrade.1 connected \(was 0.1.0\)/);
    expect((await host.run(['head', '-1', '/opt/fulcrum/agent.cjs'])).stdout.trim()).toBe('// fulcrum-agent 0.1.1-upgrade.1');
  });

  it('refuses a changed host key without sending anything', async () => {
    await host.replaceHostKey();
    const refused = await runOperation({ kind: 'REMOVE', nodeId, target: root(), auth: keyAuth() });
    expect(refused).toMatchObject({ status: 'FAILED', errorCode: 'HOST_KEY_MISMATCH' });
    expect(refused.error).toContain(host.hostKeyFingerprint);
    expect(await host.pathExists('/opt/fulcrum/agent.cjs')).toBe(true);
    expect(await api.mutate('agentInstall.forgetHostKey', { host: host.address, port: host.port })).toEqual({ forgotten: true });
  });

  it('removes: stops the agent, deletes its files, revokes the token, leaves the kernel state', async () => {
    const removed = await runOperation({ kind: 'REMOVE', nodeId, target: root(), auth: keyAuth(), hostKeyFingerprint: host.hostKeyFingerprint });
    expect(removed.error).toBeNull();
    expect(removed.status).toBe('SUCCEEDED');
    await expectNothingInstalled();
    expect((await host.run(['pgrep', '-f', '/opt/fulcrum/agent.cjs'])).exitCode).not.toBe(0);
    expect((await host.run(['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout).toContain(`${VIP}/32`);
    await waitUntil(async () => (await api.query<{ nodes: Array<{ id: string; agentStatus: string }> }>('cluster.get', { clusterId })).nodes.find((n) => n.id === nodeId)?.agentStatus === 'DISCONNECTED', 10_000, 'node disconnected');
    const audit = await api.query<{ items: Array<{ action: string }> }>('audit.list', { clusterId, limit: 100 });
    const actions = audit.items.map((e) => e.action);
    for (const action of ['agent.install.start', 'agent.install.fail', 'agent.install.succeed', 'agent.upgrade.succeed', 'agent.remove.succeed', 'node.token.revoke', 'ssh.hostkey.trust']) expect(actions).toContain(action);
  });
});
