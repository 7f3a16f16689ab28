// The installer's SSH layer against a real OpenSSH server (Debian's sshd in a network namespace):
// host key scan and pinning, every authentication failure, the host checks, and quoting.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshHostGate } from '@fulcrum/lab/ssh-host/ssh-host-gate';
import { startSshTestHost, type SshTestHost } from '@fulcrum/lab/ssh-host/ssh-test-host';
import { checkHost } from './agent-operations';
import { InstallError } from './install-error';
import { scanHostKey, SshSession } from './ssh-session';

const gate = sshHostGate();

async function installErrorOf(promise: Promise<unknown>): Promise<InstallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InstallError) return error;
    throw error;
  }
  throw new Error('expected an InstallError, but it succeeded');
}

describe.skipIf(gate.skip)('SSH session against a real sshd', () => {
  let host: SshTestHost;
  const open = (overrides: Partial<Parameters<typeof SshSession.open>[0]> = {}) =>
    SshSession.open({
      target: { host: host.address, port: host.port, username: 'root' },
      auth: { method: 'key', privateKey: host.clientKey.privateKey },
      expectedFingerprint: host.hostKeyFingerprint,
      ...overrides,
    });

  beforeAll(async () => {
    host = await startSshTestHost({ index: 1 });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('scans the host key without logging in; it is the one ssh-keygen prints', async () => {
    const key = await scanHostKey({ host: host.address, port: host.port });
    expect(key).toEqual({ algorithm: 'ssh-ed25519', fingerprint: host.hostKeyFingerprint });
  });

  it('logs in with a key, a passphrase-protected key and a password; runs argv without a shell interpreting it', async () => {
    const session = await open();
    try {
      expect(session.loggedInAsRoot).toBe(true);
      const marker = '/tmp/fulcrum-injection-marker';
      const echoed = await session.run(['echo', `$(touch ${marker})`, '`id`', '; rm -rf /', "it's"]);
      expect(echoed.stdout).toBe(`$(touch ${marker}) \`id\` ; rm -rf / it's\n`);
      expect((await session.run(['test', '-e', marker])).exitCode).toBe(1);
      expect(existsSync(marker)).toBe(false);
    } finally {
      session.close();
    }
    const encrypted = await open({ auth: { method: 'key', privateKey: host.encryptedClientKey.privateKey, passphrase: host.encryptedClientKey.passphrase } });
    encrypted.close();
    const sudoer = await open({ target: { host: host.address, port: host.port, username: host.users.sudoer.username }, auth: { method: 'password', password: host.users.sudoer.password } });
    try {
      expect(sudoer.loggedInAsRoot).toBe(false);
      expect((await sudoer.run(['id', '-u'], { asRoot: true })).stdout.trim()).toBe('0');
    } finally {
      sudoer.close();
    }
  });

  it('refuses a changed host key before authenticating, naming both fingerprints', async () => {
    const trusted = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const error = await installErrorOf(open({ expectedFingerprint: trusted }));
    expect(error.code).toBe('HOST_KEY_MISMATCH');
    expect(error.message).toContain(host.hostKeyFingerprint);
    expect(error.message).toContain(trusted);
    expect(error.message).toMatch(/has CHANGED/);
  });

  it('says which credential was refused: wrong key, wrong password, missing or wrong passphrase', async () => {
    const wrongPassword = await installErrorOf(open({ target: { host: host.address, port: host.port, username: host.users.sudoer.username }, auth: { method: 'password', password: 'not-the-password' } }));
    expect(wrongPassword.code).toBe('AUTH_REFUSED');
    expect(wrongPassword.message).toMatch(/refused the login as "fulcrum-op" with that password/);
    const wrongKey = await installErrorOf(open({ target: { host: host.address, port: host.port, username: host.users.noSudo.username }, auth: { method: 'key', privateKey: host.encryptedClientKey.privateKey, passphrase: 'wrong' } }));
    expect(wrongKey.code).toBe('KEY_UNREADABLE');
    expect(wrongKey.message).toMatch(/could not be decrypted with that passphrase/);
    const noPassphrase = await installErrorOf(open({ auth: { method: 'key', privateKey: host.encryptedClientKey.privateKey } }));
    expect(noPassphrase.code).toBe('KEY_UNREADABLE');
    expect(noPassphrase.message).toMatch(/encrypted: give its passphrase/);
  });

  it('refuses a key the host does not authorize', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-stranger-key-'));
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
    const pem = readFileSync(path.join(dir, 'key'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    const error = await installErrorOf(open({ auth: { method: 'key', privateKey: pem } }));
    expect(error.code).toBe('AUTH_REFUSED');
    expect(error.message).toMatch(/with that private key/);
  });

  it('says the host is unreachable when nothing listens', async () => {
    const error = await installErrorOf(open({ target: { host: host.address, port: 2999, username: 'root' } }));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toMatch(/Connection refused by .*:2999: is sshd running/);
  });

  it('checks the host: root or sudo, Node.js, init system, space; and says exactly what is missing', async () => {
    const root = await open();
    try {
      const facts = await checkHost(root, { neededMb: 10 });
      expect(facts).toMatchObject({ privilege: 'root', serviceManager: 'detached' });
      expect(facts.system).toMatch(/^Linux /);
      expect(facts.nodeVersion).toBe(process.versions.node);
      const tooBig = await installErrorOf(checkHost(root, { neededMb: 10_000_000 }));
      expect(tooBig.code).toBe('DISK_FULL');
      expect(tooBig.message).toMatch(/MB free on .*the agent needs about 10000000 MB/);
      const badNode = await installErrorOf(checkHost(root, { neededMb: 1, nodePath: '/usr/bin/not-node' }));
      expect(badNode.code).toBe('NO_NODE');
    } finally {
      root.close();
    }
    const sudoer = await open({ target: { host: host.address, port: host.port, username: host.users.sudoer.username } });
    try {
      expect((await checkHost(sudoer, { neededMb: 1 })).privilege).toBe('sudo');
    } finally {
      sudoer.close();
    }
    const noSudo = await open({ target: { host: host.address, port: host.port, username: host.users.noSudo.username } });
    try {
      const error = await installErrorOf(checkHost(noSudo, { neededMb: 1 }));
      expect(error.code).toBe('NO_ROOT');
      expect(error.message).toMatch(/"fulcrum-nosudo" is not root and sudo asks for a password/);
    } finally {
      noSudo.close();
    }
    const nodeless = await open({ target: { host: host.address, port: host.nodelessPort, username: 'root' } });
    try {
      const error = await installErrorOf(checkHost(nodeless, { neededMb: 1 }));
      expect(error.code).toBe('NO_NODE');
      expect(error.message).toMatch(/Node.js was not found on .* install Node.js 20 or newer/);
    } finally {
      nodeless.close();
    }
  });
});
