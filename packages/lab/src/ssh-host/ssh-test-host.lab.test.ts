import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshTestHost, sshTestHostUnavailableReason, type SshTestHost } from './ssh-test-host';

const unavailable = sshTestHostUnavailableReason();
// In CI an unusable machine is an error, so the file fails with the reason; locally it is skipped.
if (unavailable !== null && process.env.CI) throw new Error(`SSH test host tests cannot run: ${unavailable}`);
if (unavailable !== null) process.stderr.write(`SKIPPING SSH test host tests: ${unavailable}\n`);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 30_000, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
    child.stdin?.end();
  });
}

function processesWithArgv(argv: string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(unavailable !== null)('SSH test host', () => {
  let host: SshTestHost;
  let dir: string;
  let keyFile: string;
  let encryptedKeyFile: string;
  let knownHosts: string;
  let askpass: string;
  let startMs = 0;

  const sshOptions = (port: number) => [
    '-F', 'none',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    '-p', String(port),
  ];

  /** ssh with the plain client key, as the tests of the agent installer will. */
  function ssh(user: string, command: string, port = host.port): Promise<Ran> {
    return run('/usr/bin/ssh', [
      ...sshOptions(port), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', keyFile, `${user}@${host.address}`, '--', command,
    ]);
  }

  /** ssh answering the password or passphrase prompt through SSH_ASKPASS (BatchMode would refuse to ask). */
  function sshWithSecret(user: string, secret: string, auth: string[], command: string): Promise<Ran> {
    const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', FULCRUM_TEST_SECRET: secret };
    return run(
      '/usr/bin/ssh',
      [...sshOptions(host.port), '-o', 'NumberOfPasswordPrompts=1', ...auth, `${user}@${host.address}`, '--', command],
      env,
    );
  }

  async function scannedFingerprint(port: number): Promise<string> {
    const scan = await run('/usr/bin/ssh-keyscan', ['-t', 'ed25519', '-p', String(port), host.address]);
    const file = join(dir, `scan-${port}`);
    writeFileSync(file, scan.stdout);
    const listed = await run('/usr/bin/ssh-keygen', ['-l', '-f', file]);
    expect(listed.code, listed.stderr).toBe(0);
    return listed.stdout.trim().split(/\s+/)[1] ?? '';
  }

  beforeAll(async () => {
    const started = Date.now();
    host = await startSshTestHost({ index: 0 });
    startMs = Date.now() - started;
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-ssh-test-'));
    keyFile = join(dir, 'id_ed25519');
    encryptedKeyFile = join(dir, 'id_ed25519_encrypted');
    knownHosts = join(dir, 'known_hosts');
    askpass = join(dir, 'askpass');
    writeFileSync(keyFile, host.clientKey.privateKey, { mode: 0o600 });
    writeFileSync(encryptedKeyFile, host.encryptedClientKey.privateKey, { mode: 0o600 });
    // The secret comes from the environment, never from the script's text.
    writeFileSync(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$FULCRUM_TEST_SECRET"\n', { mode: 0o700 });
  });

  afterAll(async () => {
    await host?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts quickly and logs in as root with the client key', async () => {
    expect(startMs).toBeLessThan(15_000);
    const id = await ssh('root', 'id -u');
    expect(id.code, `${id.stderr}\n${host.sshdLog()}`).toBe(0);
    expect(id.stdout.trim()).toBe('0');
  });

  it('gives fulcrum-op passwordless sudo and fulcrum-nosudo none', async () => {
    const sudoer = await ssh(host.users.sudoer.username, 'id -u; sudo -n id -u');
    expect(sudoer.code, sudoer.stderr).toBe(0);
    expect(sudoer.stdout.trim().split('\n')).toEqual(['4242', '0']);
    const noSudo = await ssh(host.users.noSudo.username, 'id -u && sudo -n true');
    expect(noSudo.stdout.trim()).toBe('4243');
    expect(noSudo.code).not.toBe(0);
  });

  it('accepts passwords (UsePAM no, generated shadow) and the passphrase-protected key', async () => {
    const passwordOnly = ['-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no'];
    for (const login of [host.users.root, host.users.sudoer, host.users.noSudo]) {
      const result = await sshWithSecret(login.username, login.password, passwordOnly, 'id -un');
      expect(result.stdout.trim(), `${login.username}: ${result.stderr}`).toBe(login.username);
    }
    const wrong = await sshWithSecret('root', 'not-the-password', passwordOnly, 'id -un');
    expect(wrong.code).not.toBe(0);

    const encrypted = await sshWithSecret(
      host.users.sudoer.username,
      host.encryptedClientKey.passphrase,
      ['-o', 'PreferredAuthentications=publickey', '-o', 'IdentitiesOnly=yes', '-i', encryptedKeyFile],
      'id -un',
    );
    expect(encrypted.stdout.trim(), encrypted.stderr).toBe(host.users.sudoer.username);
  });

  it('has node on port 22 and none on the nodeless port', async () => {
    for (const user of ['root', host.users.sudoer.username]) {
      const withNode = await ssh(user, 'command -v node && node -e "console.log(process.version)"');
      expect(withNode.code, withNode.stderr).toBe(0);
      expect(withNode.stdout).toMatch(/^\/\S*node\nv\d+\./);
      const nodeless = await ssh(user, 'command -v node', host.nodelessPort);
      expect(nodeless.code).not.toBe(0);
      expect(nodeless.stdout.trim()).toBe('');
      expect((await ssh(user, 'test -e /usr/bin/node', host.nodelessPort)).code).not.toBe(0);
    }
  });

  it('keeps what is written over SSH off the real host', async () => {
    const name = `fulcrum-ssh-probe-${randomBytes(6).toString('hex')}`;
    const written = await ssh('root', `mkdir -p /opt/${name} && touch /opt/${name}/x /tmp/${name} /usr/local/bin/${name} /etc/${name}`);
    expect(written.code, written.stderr).toBe(0);
    expect(await host.pathExists(`/opt/${name}/x`)).toBe(true);
    expect(await host.pathExists(`/tmp/${name}`)).toBe(true);
    for (const path of [`/opt/${name}`, `/tmp/${name}`, `/usr/local/bin/${name}`, `/etc/${name}`]) expect(existsSync(path)).toBe(false);
    expect(await host.pathExists(`/opt/${name}/nothing`)).toBe(false);
    // Both sshds share the overlays.
    expect((await ssh('root', `test -e /opt/${name}/x`, host.nodelessPort)).code).toBe(0);
    // The test users exist only inside.
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('fulcrum-op:');
    expect((await host.run(['/usr/bin/getent', 'passwd', 'fulcrum-op'])).stdout).toContain(':4242:4242:');
  });

  it('reaches a server listening on the host side of the veth', async () => {
    const server: Server = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, host.hostAddress, resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const script = `require("net").connect(${port}, "${host.hostAddress}").on("data", (d) => { process.stdout.write(d); process.exit(0); })`;
      const result = await ssh(host.users.noSudo.username, `node -e '${script}'`);
      expect(result.stdout, result.stderr).toBe('hello from the host\n');
    } finally {
      server.close();
    }
  });

  it('reports the host key fingerprint clients see, and a new one after replaceHostKey', async () => {
    const before = host.hostKeyFingerprint;
    expect(before).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await scannedFingerprint(host.port)).toBe(before);
    expect(await scannedFingerprint(host.nodelessPort)).toBe(before);
    const known = await run('/usr/bin/ssh-keygen', ['-l', '-f', knownHosts]);
    const knownFingerprints = known.stdout.trim().split('\n').map((line) => line.split(/\s+/)[1]);
    expect(knownFingerprints.length).toBeGreaterThan(0);
    expect(new Set(knownFingerprints)).toEqual(new Set([before]));

    const after = await host.replaceHostKey();
    expect(after).not.toBe(before);
    expect(host.hostKeyFingerprint).toBe(after);
    expect(await scannedFingerprint(host.port)).toBe(after);
    expect(await scannedFingerprint(host.nodelessPort)).toBe(after);
    // A client that knew the old key now refuses the host.
    const refused = await ssh('root', 'true');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('HOST IDENTIFICATION HAS CHANGED');
    rmSync(knownHosts);
    expect((await ssh('root', 'id -u')).stdout.trim()).toBe('0');
  });

  it('stop kills what was started over SSH, removes the netns and the veth, and may be called twice', async () => {
    const marker = ['sleep', String(20_000 + Math.floor(Math.random() * 10_000))];
    const started = await ssh('root', `setsid ${marker.join(' ')} </dev/null >/dev/null 2>&1 &`);
    expect(started.code, started.stderr).toBe(0);
    // setsid and sleep may still be exec'ing when the session ends.
    await expect.poll(() => processesWithArgv(marker).length, { timeout: 5_000 }).toBe(1);

    const stopStarted = Date.now();
    await host.stop();
    expect(Date.now() - stopStarted).toBeLessThan(10_000);
    expect(processesWithArgv(marker)).toEqual([]);
    expect(existsSync(`/run/netns/${host.name}`)).toBe(false);
    expect((await run('/usr/sbin/ip', ['netns', 'list'])).stdout).not.toContain(host.name);
    expect(existsSync('/sys/class/net/fssh0h')).toBe(false);
    await host.stop();
    await expect(host.run(['true'])).rejects.toThrow(/stopped/);
  });
});
