import { Readable } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import ssh2 from 'ssh2';
import { describeHostKey, HOST_KEY_ALGORITHMS, type HostKey } from './host-key';
import { InstallError } from './install-error';
import type { SshAuth, SshTarget } from './install-target';
import { shellCommandLine } from './shell-quote';

// ssh2 is CommonJS: its named exports are not visible to Node's ESM loader (tsx), only the default.
const { Client, utils: sshUtils } = ssh2;

const CONNECT_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 60_000;

/** What one remote command did. */
export type RemoteResult = { exitCode: number; stdout: string; stderr: string };

const where = (target: SshTarget) => `${target.host}:${target.port}`;

/** Turns a connection error from ssh2 into a message a person can act on. */
function connectionError(error: unknown, target: SshTarget, auth: SshAuth | null): InstallError {
  const e = error as { code?: string; level?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.level === 'client-authentication' || /All configured authentication methods failed/.test(message)) {
    const how = auth?.method === 'password' ? 'that password' : 'that private key';
    return new InstallError('AUTH_REFUSED', `${where(target)} refused the login as "${target.username}" with ${how}: check the user and its credentials (and that sshd allows ${auth?.method === 'password' ? 'PasswordAuthentication' : 'PubkeyAuthentication'})`);
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new InstallError('UNREACHABLE', `Connection refused by ${where(target)}: is sshd running and listening on port ${target.port}?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new InstallError('UNREACHABLE', `Cannot resolve host name "${target.host}": check the spelling or use an IP address`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new InstallError('UNREACHABLE', `No route to ${target.host} from the Fulcrum server: check the address and the network between them`);
    case 'ETIMEDOUT':
      return new InstallError('UNREACHABLE', `Connecting to ${where(target)} timed out: the host is down or a firewall drops SSH`);
    case 'ECONNRESET':
      return new InstallError('UNREACHABLE', `${where(target)} closed the connection during the SSH handshake (sshd refused us, e.g. MaxStartups or a tcp wrapper)`);
  }
  if (e.level === 'client-timeout' || /Timed out while waiting for handshake/.test(message)) {
    return new InstallError('UNREACHABLE', `${where(target)} accepted TCP but did not complete an SSH handshake within ${CONNECT_TIMEOUT_MS / 1000} s: is that port an SSH server?`);
  }
  return new InstallError('UNREACHABLE', `SSH to ${where(target)} failed: ${message}`);
}

/** Refuses a private key ssh2 cannot read (wrong passphrase, missing passphrase, not a key) before connecting. */
export function checkPrivateKey(auth: SshAuth): void {
  if (auth.method !== 'key') return;
  const parsed = sshUtils.parseKey(auth.privateKey, auth.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new InstallError(
      'KEY_UNREADABLE',
      encrypted
        ? auth.passphrase
          ? 'The private key could not be decrypted with that passphrase'
          : 'The private key is encrypted: give its passphrase'
        : `The private key could not be read: ${parsed.message}`,
    );
  }
}

/**
 * Reads a server's host key without logging in: the handshake stops right after the key exchange.
 * Used to show the fingerprint to an admin before the first connection is trusted.
 */
export function scanHostKey(target: Pick<SshTarget, 'host' | 'port'>): Promise<HostKey> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: HostKey | null = null;
    const done = () => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
    };
    client.on('error', (error) => {
      done();
      if (seen) resolve(seen);
      else reject(connectionError(error, { ...target, username: 'fulcrum' }, null));
    });
    client.on('ready', () => {
      // Only possible if the server needs no authentication at all; we still learned the key.
      done();
      if (seen) resolve(seen);
      else reject(new InstallError('UNREACHABLE', `${target.host}:${target.port} did not present a host key`));
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: 'fulcrum-host-key-scan',
      readyTimeout: CONNECT_TIMEOUT_MS,
      algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
      hostVerifier: (key: Buffer) => {
        seen = describeHostKey(key);
        return false; // stop here: nothing is sent after the key exchange
      },
    });
  });
}

/**
 * One SSH connection to a host whose key matched the expected fingerprint. Commands are argv arrays
 * (quoted once by shellCommandLine); `asRoot` runs them through `sudo -n` when the login is not root.
 */
export class SshSession {
  private isRoot = false;

  private constructor(
    private readonly ssh: NodeSSH,
    readonly target: SshTarget,
    readonly hostKey: HostKey,
  ) {}

  /** Connects, refusing any host key but `expectedFingerprint`, and logs in with `auth`. */
  static async open(options: { target: SshTarget; auth: SshAuth; expectedFingerprint: string }): Promise<SshSession> {
    const { target, auth, expectedFingerprint } = options;
    checkPrivateKey(auth);
    const ssh = new NodeSSH();
    let presented: HostKey | null = null;
    try {
      await ssh.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        readyTimeout: CONNECT_TIMEOUT_MS,
        keepaliveInterval: 10_000,
        algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
        hostVerifier: (key: Buffer) => {
          presented = describeHostKey(key);
          return presented.fingerprint === expectedFingerprint;
        },
        ...(auth.method === 'key'
          ? { privateKey: auth.privateKey, passphrase: auth.passphrase }
          : {
              password: auth.password,
              // Hosts with PAM often ask for the password through keyboard-interactive instead.
              tryKeyboard: true,
              onKeyboardInteractive: (_name: string, _instructions: string, _lang: string, prompts: Array<{ echo?: boolean }>, finish: (responses: string[]) => void) =>
                finish(prompts.map((p) => (p.echo ? '' : auth.password))),
            }),
      });
    } catch (error) {
      ssh.dispose();
      const key = presented as HostKey | null;
      if (key !== null && key.fingerprint !== expectedFingerprint) {
        throw new InstallError(
          'HOST_KEY_MISMATCH',
          `The host key of ${where(target)} has CHANGED: it presented ${key.algorithm} ${key.fingerprint}, but ${expectedFingerprint} is trusted for it. Someone may be intercepting the connection, or the host was reinstalled; nothing was sent. If the change is expected, forget the old key in Fulcrum and confirm the new one.`,
        );
      }
      throw connectionError(error, target, auth);
    }
    const session = new SshSession(ssh, target, presented as unknown as HostKey);
    session.isRoot = target.username === 'root' || (await session.run(['id', '-u'])).stdout.trim() === '0';
    return session;
  }

  /** True when the login itself is root (no sudo needed). */
  get loggedInAsRoot(): boolean {
    return this.isRoot;
  }

  /** Runs argv on the host; resolves with the exit code (never rejects on a non-zero exit). */
  async run(argv: readonly string[], options: { asRoot?: boolean; stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<RemoteResult> {
    const full = options.asRoot && !this.isRoot ? ['sudo', '-n', '--', ...argv] : [...argv];
    const command = shellCommandLine(full);
    let channelToClose: { close(): void } | null = null;
    const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        channelToClose?.close();
        reject(new InstallError('COMMAND_FAILED', `"${argv.join(' ')}" did not finish within ${timeoutMs / 1000} s on ${this.target.host}`));
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([
        this.ssh.execCommand(command, {
          stdin: options.stdin === undefined ? undefined : Readable.from([Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin)]),
          onChannel: (channel) => {
            channelToClose = channel;
          },
          noTrim: true,
        }),
        timeout,
      ]);
      return { exitCode: result.code ?? (result.signal ? 128 : 0), stdout: result.stdout, stderr: result.stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Like run, but a non-zero exit becomes an InstallError naming the command and its stderr. */
  async mustRun(argv: readonly string[], options: { asRoot?: boolean; stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<RemoteResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0) {
      const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ');
      if (/No space left on device/i.test(result.stderr)) {
        throw new InstallError('DISK_FULL', `The host ran out of disk space while running "${argv.join(' ')}": free some space and try again (${stderr})`);
      }
      throw new InstallError('COMMAND_FAILED', `"${argv.join(' ')}" failed on ${this.target.host} (exit ${result.exitCode})${stderr ? `: ${stderr}` : ''}`);
    }
    return result;
  }

  /** Writes `content` to `path` as root with `mode`, atomically (a temp file beside it, then rename). */
  async writeRootFile(path: string, content: Buffer | string, mode: '0600' | '0644' | '0755'): Promise<void> {
    const temp = `${path}.fulcrum-new`;
    // A fixed script: the target path is a positional parameter, never part of the script text.
    await this.mustRun(['sh', '-c', 'umask 077 && cat > "$1"', 'fulcrum-write', temp], { asRoot: true, stdin: content, timeoutMs: 120_000 });
    await this.mustRun(['chmod', mode, temp], { asRoot: true });
    await this.mustRun(['mv', '-f', temp, path], { asRoot: true });
  }

  /** Closes the connection. */
  close(): void {
    this.ssh.dispose();
  }
}
