// A real OpenSSH server to install the agent over, without touching the machine running the tests:
// its own network namespace (a veth on 198.18.3.0/24) and a private mount namespace where /etc,
// /var, /opt, /usr and /home are overlays and /run, /tmp, /root are fresh tmpfs. Every mount is made
// from the host with `nsenter ... mount` argv against a long-lived holder process. Writes elsewhere
// (e.g. a new top-level folder, /srv, /work) would still reach the host.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import { HOST_BINARIES, runHostCommand } from '../host-command';
import { hasNetDevice } from '../lab-state';
import { buildAccountFiles, buildSshdConfig, buildSudoersDropIn, parseKeygenFingerprint, type TestAccount } from './ssh-host-files';

/** Absolute paths of the host binaries the SSH test host runs (never resolved through PATH). */
export const SSH_HOST_BINARIES = {
  ip: HOST_BINARIES.ip,
  nsenter: '/usr/bin/nsenter',
  unshare: '/usr/bin/unshare',
  sleep: '/usr/bin/sleep',
  mount: '/usr/bin/mount',
  realpath: '/usr/bin/realpath',
  mknod: '/usr/bin/mknod',
  test: '/usr/bin/test',
  sshd: '/usr/sbin/sshd',
  sshKeygen: '/usr/bin/ssh-keygen',
  sudo: '/usr/bin/sudo',
  openssl: '/usr/bin/openssl',
} as const;

/** A login on the test host. */
export type Login = { username: string; password: string };

/** A real sshd (Debian's openssh-server) in its own network namespace and private mount namespace. */
export type SshTestHost = {
  /** Network namespace name, e.g. "fulcrum-ssh-0". */
  name: string;
  /** The test host's address, e.g. 198.18.3.2. */
  address: string;
  /** The host side of the veth, e.g. 198.18.3.1: a server on the host listening here is reachable from the test host. */
  hostAddress: string;
  /** 22: sshd with Node.js available. */
  port: number;
  /** 2222: a second sshd, same netns, in a mount namespace where no node is on the default PATH (its /usr is not shared with port 22). */
  nodelessPort: number;
  /** "SHA256:..." exactly as `ssh-keygen -l -f key.pub` prints it (ed25519 host key); updated by replaceHostKey. */
  hostKeyFingerprint: string;
  /** OpenSSH-format ed25519 private key (PEM text), authorized for every user. */
  clientKey: { privateKey: string; publicKey: string };
  /** A second ed25519 key with a passphrase, also authorized for every user. */
  encryptedClientKey: { privateKey: string; passphrase: string };
  /** Random passwords: root, fulcrum-op (uid 4242, sudo without password), fulcrum-nosudo (uid 4243, no sudo). */
  users: { root: Login; sudoer: Login; noSudo: Login };
  /** Runs argv inside the test host's network + (full sshd's) mount namespace; never a shell string. */
  run(argv: string[], options?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** True when the path exists inside the test host's (full sshd's) mount namespace. */
  pathExists(path: string): Promise<boolean>;
  /** Replaces the ed25519 host key of BOTH sshds with a fresh one and restarts them; returns the new fingerprint. */
  replaceHostKey(): Promise<string>;
  /** The last lines both sshds wrote to stderr (LogLevel VERBOSE), for failure reports. */
  sshdLog(): string;
  /** Kills every process in the netns (sshds, anything started over SSH, e.g. an agent), deletes netns + veth, removes temp files. Idempotent. */
  stop(): Promise<void>;
};

const StartOptions = z.object({ index: z.number().int().min(0).max(15).default(0) });

const SSH_PORT = 22;
const NODELESS_PORT = 2222;
const SUDOER_UID = 4242;
const NO_SUDO_UID = 4243;
// Everything generated lives on the private /run tmpfs, so it disappears with the mount namespace.
const SCRATCH = '/run/fulcrum-ssh';
const HOST_USR = `${SCRATCH}/host-usr`;
const OVERLAID_DIRS = ['/etc', '/var', '/opt', '/usr', '/home'] as const;
// sshd's default PATHs on Debian (root's and users') plus /usr/local/games: where a login looks for node.
const NODE_CANDIDATES = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/games', '/usr/local/games'].map(
  (dir) => `${dir}/node`,
);
const STDERR_TAIL_CHARS = 32_000;

/** One-line reason the SSH test host cannot run here (not root, not Linux, sshd/sudo/openssl missing), or null. */
export function sshTestHostUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `the SSH test host needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the SSH test host needs root (it creates a network namespace and mounts overlays)';
  const packages: Array<[string, string]> = [
    [SSH_HOST_BINARIES.sshd, 'openssh-server'],
    [SSH_HOST_BINARIES.sshKeygen, 'openssh-client'],
    [SSH_HOST_BINARIES.sudo, 'sudo'],
    [SSH_HOST_BINARIES.openssl, 'openssl'],
    [SSH_HOST_BINARIES.ip, 'iproute2'],
    [SSH_HOST_BINARIES.nsenter, 'util-linux'],
    [SSH_HOST_BINARIES.unshare, 'util-linux'],
  ];
  for (const [file, name] of packages) {
    if (!existsSync(file)) return `${file} is missing: install Debian's ${name} (npm test does it when run as root)`;
  }
  return null;
}

interface HostNames {
  ns: string;
  hostVeth: string;
  guestVeth: string;
  address: string;
  hostAddress: string;
}

function hostNames(index: number): HostNames {
  return {
    ns: `fulcrum-ssh-${index}`,
    hostVeth: `fssh${index}h`,
    guestVeth: `fssh${index}g`,
    hostAddress: `198.18.3.${4 * index + 1}`,
    address: `198.18.3.${4 * index + 2}`,
  };
}

interface SshdProcess {
  child: ChildProcess;
  port: number;
  stderr: string;
  exited: Promise<void>;
  hasExited: boolean;
}

interface HostState {
  names: HostNames;
  children: ChildProcess[];
  sshds: SshdProcess[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ip(args: string[], options: { allowFailure?: boolean } = {}) {
  return runHostCommand(SSH_HOST_BINARIES.ip, args, { allowFailure: options.allowFailure, timeoutMs: 15_000 });
}

async function netnsPids(ns: string): Promise<number[]> {
  const result = await ip(['netns', 'pids', ns], { allowFailure: true });
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split(/\s+/)
    .filter((word) => /^\d+$/.test(word))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM, a short grace, then SIGKILL until the namespace holds no process. */
async function killNetnsProcesses(ns: string): Promise<void> {
  let pids = await netnsPids(ns);
  if (pids.length === 0) return;
  signalAll(pids, 'SIGTERM');
  const graceEnd = Date.now() + 1_000;
  while (pids.length > 0 && Date.now() < graceEnd) {
    await sleep(50);
    pids = await netnsPids(ns);
  }
  const killEnd = Date.now() + 5_000;
  while (pids.length > 0) {
    if (Date.now() > killEnd) throw new Error(`processes ${pids.join(' ')} in netns ${ns} survive SIGKILL`);
    signalAll(pids, 'SIGKILL');
    await sleep(50);
    pids = await netnsPids(ns);
  }
}

/** Removes the netns and veth of `names`, whoever left them (this run or a crashed one). */
async function removeNetwork(names: HostNames): Promise<void> {
  if (existsSync(`/run/netns/${names.ns}`)) {
    await killNetnsProcesses(names.ns);
    await ip(['netns', 'del', names.ns], { allowFailure: true });
  }
  // Deleting one end of a veth deletes both, even when something still pins the namespace. The
  // guest end is still on the host when a start died before moving it.
  for (const device of [names.hostVeth, names.guestVeth]) {
    if (hasNetDevice(device)) await ip(['link', 'del', 'dev', device], { allowFailure: true });
    if (hasNetDevice(device)) throw new Error(`could not delete ${device}`);
  }
}

async function createNetwork(names: HostNames): Promise<void> {
  await ip(['netns', 'add', names.ns]);
  await ip(['link', 'add', names.hostVeth, 'type', 'veth', 'peer', 'name', names.guestVeth]);
  await ip(['link', 'set', names.guestVeth, 'netns', names.ns]);
  await ip(['addr', 'add', `${names.hostAddress}/30`, 'dev', names.hostVeth]);
  await ip(['link', 'set', names.hostVeth, 'up']);
  await ip(['-n', names.ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', names.ns, 'addr', 'add', `${names.address}/30`, 'dev', names.guestVeth]);
  await ip(['-n', names.ns, 'link', 'set', names.guestVeth, 'up']);
  // Via the host side, every address local to the host (e.g. the lab's tap 198.18.1.1) is reachable.
  await ip(['-n', names.ns, 'route', 'add', 'default', 'via', names.hostAddress]);
}

/**
 * Spawns a `sleep infinity` whose mount namespace the test host lives in, and resolves with its pid
 * once it has exec'd sleep (before that, the pid still belongs to `ip`/`nsenter`/`unshare`).
 */
async function spawnHolder(state: HostState, file: string, args: string[]): Promise<number> {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  state.children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (spawnError !== null) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${[file, ...args].join(' ')} exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    }
    if (child.pid !== undefined) {
      try {
        if (readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep') return child.pid;
      } catch {
        // Not visible yet.
      }
    }
    if (Date.now() > deadline) throw new Error(`${[file, ...args].join(' ')} did not reach sleep within 5 s: ${stderr.trim()}`);
    await sleep(10);
  }
}

function nsenterMount(holderPid: number, args: string[]) {
  return runHostCommand(SSH_HOST_BINARIES.nsenter, ['-t', String(holderPid), '-m', '--', SSH_HOST_BINARIES.mount, ...args]);
}

/** Mounts an overlay on `dir` inside the holder's namespace, its upper layer on the scratch tmpfs. */
async function mountOverlay(holderPid: number, inside: (path: string) => string, dir: string, layerName: string, lowerdir = dir): Promise<void> {
  const base = `${SCRATCH}/overlay${layerName}`;
  mkdirSync(inside(`${base}/upper`), { recursive: true });
  mkdirSync(inside(`${base}/work`), { recursive: true });
  await nsenterMount(holderPid, [
    '-t', 'overlay', '-o', `lowerdir=${lowerdir},upperdir=${base}/upper,workdir=${base}/work`, `fulcrum-ssh${layerName.replace('/', '-')}`, dir,
  ]);
}

/** The paths among `paths` that exist in the holder's namespace, symlinks resolved there. */
async function findInNamespace(holderPid: number, paths: readonly string[]): Promise<string[]> {
  // realpath -e prints the existing ones and fails for the others.
  const found = await runHostCommand(
    SSH_HOST_BINARIES.nsenter,
    ['-t', String(holderPid), '-m', '--', SSH_HOST_BINARIES.realpath, '-e', '-q', ...paths],
    { allowFailure: true },
  );
  return [...new Set(found.stdout.split('\n').filter((line) => line.startsWith('/')))];
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 1_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function startSshd(state: HostState, holderPid: number, configPath: string, port: number): Promise<SshdProcess> {
  const child = spawn(
    SSH_HOST_BINARIES.nsenter,
    ['-t', String(holderPid), '-m', '-n', '--', SSH_HOST_BINARIES.sshd, '-D', '-e', '-f', configPath],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  state.children.push(child);
  const sshd: SshdProcess = {
    child,
    port,
    stderr: '',
    hasExited: false,
    exited: new Promise((resolve) => child.once('close', () => resolve())),
  };
  child.once('close', () => (sshd.hasExited = true));
  child.once('error', (error) => (sshd.stderr += `\n${error.message}`));
  child.stderr?.on('data', (chunk: Buffer) => {
    sshd.stderr = (sshd.stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  state.sshds.push(sshd);
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(state.names.address, port))) {
    if (sshd.hasExited) throw new Error(`sshd on port ${port} exited (${child.exitCode ?? child.signalCode}): ${sshd.stderr.trim().slice(-2_000)}`);
    if (Date.now() > deadline) throw new Error(`sshd on port ${port} accepts no connection after 15 s: ${sshd.stderr.trim().slice(-2_000)}`);
    await sleep(50);
  }
  return sshd;
}

async function stopSshd(sshd: SshdProcess): Promise<void> {
  if (sshd.hasExited) return;
  sshd.child.kill('SIGTERM');
  const killed = await Promise.race([sshd.exited.then(() => true), sleep(3_000).then(() => false)]);
  if (!killed) {
    sshd.child.kill('SIGKILL');
    await sshd.exited;
  }
}

async function hashPassword(password: string): Promise<string> {
  // On argv for a moment: a throwaway password of a throwaway test host. "--": a base64url password
  // may start with "-" (one in 64), which openssl would otherwise read as an option.
  const result = await runHostCommand(SSH_HOST_BINARIES.openssl, ['passwd', '-6', '--', password]);
  return result.stdout.trim();
}

/** Generates an ed25519 key pair at `path` (+ `.pub`), replacing any file already there. */
async function generateKey(path: string, comment: string, passphrase = ''): Promise<void> {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  await runHostCommand(SSH_HOST_BINARIES.sshKeygen, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path]);
}

async function keyFingerprint(publicKeyPath: string): Promise<string> {
  return parseKeygenFingerprint((await runHostCommand(SSH_HOST_BINARIES.sshKeygen, ['-l', '-f', publicKeyPath])).stdout);
}

async function teardown(state: HostState): Promise<void> {
  await removeNetwork(state.names);
  // Every child lived in the netns, so it is dead by now; this only covers a holder that never got there.
  for (const child of state.children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Starts the SSH test host `fulcrum-ssh-<index>` (replacing a stale one of the same index left by a crash). */
export async function startSshTestHost(options: { index?: number } = {}): Promise<SshTestHost> {
  const { index } = StartOptions.parse(options);
  const reason = sshTestHostUnavailableReason();
  if (reason !== null) throw new Error(reason);
  const names = hostNames(index);
  const state: HostState = { names, children: [], sshds: [] };
  await removeNetwork(names);
  try {
    return await buildHost(state);
  } catch (error) {
    await teardown(state).catch(() => {});
    throw error;
  }
}

async function buildHost(state: HostState): Promise<SshTestHost> {
  const { names } = state;
  await createNetwork(names);

  const holderPid = await spawnHolder(state, SSH_HOST_BINARIES.ip, [
    'netns', 'exec', names.ns,
    SSH_HOST_BINARIES.unshare, '--mount', '--propagation', 'private', '--', SSH_HOST_BINARIES.sleep, 'infinity',
  ]);
  // Paths inside the holder's mount namespace, reached from the host through /proc/<pid>/root. Only
  // used for paths without absolute symlinks: those would resolve against the host's root instead.
  const inside = (path: string) => `/proc/${holderPid}/root${path}`;

  await nsenterMount(holderPid, ['-t', 'tmpfs', '-o', 'mode=0755,size=1g', 'fulcrum-ssh-run', '/run']);
  mkdirSync(inside('/run/sshd'), { mode: 0o755 });
  for (const folder of ['sshd', 'authorized-keys', 'client', 'home']) mkdirSync(inside(`${SCRATCH}/${folder}`), { recursive: true, mode: 0o755 });
  // The nodeless sshd's /usr is an overlay of the host's /usr of its own (see below), so it needs a
  // way to the host's /usr once the full one is covered.
  mkdirSync(inside(HOST_USR), { recursive: true });
  await nsenterMount(holderPid, ['--bind', '/usr', HOST_USR]);
  for (const dir of OVERLAID_DIRS) {
    if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    await mountOverlay(holderPid, inside, dir, dir);
  }
  // Node is what the installer tests need on port 22; in CI it may live outside the default PATH
  // (e.g. a tool cache), so the one running these tests is lent to the test host then (before /tmp
  // and /root are covered, where it might live).
  if ((await findInNamespace(holderPid, NODE_CANDIDATES)).length === 0) {
    mkdirSync(inside('/usr/local/bin'), { recursive: true });
    writeFileSync(inside('/usr/local/bin/node'), '', { mode: 0o755 });
    await nsenterMount(holderPid, ['--bind', process.execPath, '/usr/local/bin/node']);
  }

  await nsenterMount(holderPid, ['-t', 'tmpfs', '-o', 'mode=1777,size=1g', 'fulcrum-ssh-tmp', '/tmp']);
  // A fresh root home rather than an overlay of the host's: the host root's dotfiles (PATH tweaks,
  // nvm, keys) have no place on a machine the installer sees for the first time.
  await nsenterMount(holderPid, ['-t', 'tmpfs', '-o', 'mode=0700,size=256m', 'fulcrum-ssh-root', '/root']);

  const newPassword = () => randomBytes(18).toString('base64url');
  const users = {
    root: { username: 'root', password: newPassword() },
    sudoer: { username: 'fulcrum-op', password: newPassword() },
    noSudo: { username: 'fulcrum-nosudo', password: newPassword() },
  };
  const accounts: TestAccount[] = [];
  for (const [login, uid] of [[users.sudoer, SUDOER_UID], [users.noSudo, NO_SUDO_UID]] as const) {
    const home = `${SCRATCH}/home/${login.username}`;
    mkdirSync(inside(home), { mode: 0o755 });
    chownSync(inside(home), uid, uid);
    accounts.push({ username: login.username, uid, home, passwordHash: await hashPassword(login.password) });
  }
  const accountFiles = buildAccountFiles(
    { passwd: readFileSync('/etc/passwd', 'utf8'), shadow: readFileSync('/etc/shadow', 'utf8'), group: readFileSync('/etc/group', 'utf8') },
    accounts,
    await hashPassword(users.root.password),
    new Date(),
  );
  // Written through the overlay: the copy-up keeps each file's owner and mode (shadow stays root:shadow 0640).
  writeFileSync(inside('/etc/passwd'), accountFiles.passwd);
  writeFileSync(inside('/etc/shadow'), accountFiles.shadow);
  writeFileSync(inside('/etc/group'), accountFiles.group);
  mkdirSync(inside('/etc/sudoers.d'), { recursive: true, mode: 0o755 });
  writeFileSync(inside('/etc/sudoers.d/fulcrum-test'), buildSudoersDropIn(users.sudoer.username), { mode: 0o440 });
  // sudo ignores a drop-in that is writable or not root's; the umask must not decide that.
  chmodSync(inside('/etc/sudoers.d/fulcrum-test'), 0o440);

  const clientKeyPath = `${SCRATCH}/client/id_ed25519`;
  const encryptedKeyPath = `${SCRATCH}/client/id_ed25519_encrypted`;
  const passphrase = randomBytes(12).toString('base64url');
  await generateKey(inside(clientKeyPath), 'fulcrum-ssh-test');
  await generateKey(inside(encryptedKeyPath), 'fulcrum-ssh-test-encrypted', passphrase);
  const clientKey = { privateKey: readFileSync(inside(clientKeyPath), 'utf8'), publicKey: readFileSync(inside(`${clientKeyPath}.pub`), 'utf8') };
  const encryptedClientKey = { privateKey: readFileSync(inside(encryptedKeyPath), 'utf8'), passphrase };
  const authorizedKeys = `${clientKey.publicKey.trim()}\n${readFileSync(inside(`${encryptedKeyPath}.pub`), 'utf8').trim()}\n`;
  for (const login of Object.values(users)) {
    // sshd opens it as the user: world-readable, like any authorized_keys.
    writeFileSync(inside(`${SCRATCH}/authorized-keys/${login.username}.keys`), authorizedKeys, { mode: 0o644 });
  }

  const hostKeyPath = `${SCRATCH}/sshd/ssh_host_ed25519_key`;
  await generateKey(inside(hostKeyPath), 'fulcrum-ssh-host');
  let hostKeyFingerprint = await keyFingerprint(inside(`${hostKeyPath}.pub`));
  const configs = { full: `${SCRATCH}/sshd/sshd_config`, nodeless: `${SCRATCH}/sshd/sshd_config_nodeless` };
  for (const [config, port, pidFile] of [
    [configs.full, SSH_PORT, 'sshd.pid'],
    [configs.nodeless, NODELESS_PORT, 'sshd-nodeless.pid'],
  ] as const) {
    const text = buildSshdConfig({
      port,
      listenAddress: names.address,
      hostKeyPath,
      pidFilePath: `${SCRATCH}/sshd/${pidFile}`,
      authorizedKeysDir: `${SCRATCH}/authorized-keys`,
    });
    writeFileSync(inside(config), text, { mode: 0o644 });
  }

  // The nodeless sshd: a copy of the full mount namespace (/etc, /var, /opt, /home, /root, /tmp are
  // shared with port 22) with a /usr of its own where every node on the default PATH is whited out.
  // A whiteout makes the name absent: an empty non-executable file over node would still be found
  // by bash's `command -v` (it reports a non-executable match when nothing better exists).
  const nodelessPid = await spawnHolder(state, SSH_HOST_BINARIES.nsenter, [
    '-t', String(holderPid), '-m', '-n', '--',
    SSH_HOST_BINARIES.unshare, '--mount', '--propagation', 'private', '--', SSH_HOST_BINARIES.sleep, 'infinity',
  ]);
  const whiteouts = `${SCRATCH}/nodeless-whiteouts`;
  for (const candidate of NODE_CANDIDATES.filter((path) => path.startsWith('/usr/'))) {
    const whiteout = `${whiteouts}${candidate.slice('/usr'.length)}`;
    mkdirSync(inside(dirname(whiteout)), { recursive: true });
    // overlayfs reads a 0/0 character device in a lower layer as "this name does not exist".
    await runHostCommand(SSH_HOST_BINARIES.mknod, [inside(whiteout), 'c', '0', '0']);
  }
  await mountOverlay(nodelessPid, inside, '/usr', '/usr-nodeless', `${whiteouts}:${HOST_USR}`);
  const leftovers = await findInNamespace(nodelessPid, NODE_CANDIDATES);
  if (leftovers.length > 0) throw new Error(`node is still visible to the nodeless sshd at ${leftovers.join(' ')}`);

  await startSshd(state, holderPid, configs.full, SSH_PORT);
  await startSshd(state, nodelessPid, configs.nodeless, NODELESS_PORT);

  let isStopped = false;
  let stopping: Promise<void> | null = null;
  const requireRunning = () => {
    if (isStopped) throw new Error(`SSH test host ${names.ns} is stopped`);
  };
  const host: SshTestHost = {
    name: names.ns,
    address: names.address,
    hostAddress: names.hostAddress,
    port: SSH_PORT,
    nodelessPort: NODELESS_PORT,
    hostKeyFingerprint,
    clientKey,
    encryptedClientKey,
    users,
    async run(argv, runOptions = {}) {
      requireRunning();
      if (argv.length === 0) throw new Error('run needs a non-empty argv');
      const result = await runHostCommand(SSH_HOST_BINARIES.nsenter, ['-t', String(holderPid), '-m', '-n', '--', ...argv], {
        allowFailure: true,
        timeoutMs: runOptions.timeoutMs ?? 30_000,
      });
      return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
    },
    async pathExists(path) {
      return (await host.run([SSH_HOST_BINARIES.test, '-e', path])).exitCode === 0;
    },
    async replaceHostKey() {
      requireRunning();
      const next = `${hostKeyPath}.next`;
      await generateKey(inside(next), 'fulcrum-ssh-host');
      renameSync(inside(`${next}.pub`), inside(`${hostKeyPath}.pub`));
      renameSync(inside(next), inside(hostKeyPath));
      hostKeyFingerprint = await keyFingerprint(inside(`${hostKeyPath}.pub`));
      host.hostKeyFingerprint = hostKeyFingerprint;
      // sshd reads its host keys only at start. Sessions already open are children of the old
      // listener and carry on.
      const previous = state.sshds.splice(0);
      for (const sshd of previous) await stopSshd(sshd);
      await startSshd(state, holderPid, configs.full, SSH_PORT);
      await startSshd(state, nodelessPid, configs.nodeless, NODELESS_PORT);
      return hostKeyFingerprint;
    },
    sshdLog() {
      return state.sshds.map((sshd) => `--- sshd :${sshd.port}\n${sshd.stderr}`).join('\n');
    },
    stop() {
      isStopped = true;
      // A failed stop may be retried; a finished or running one is shared.
      stopping ??= teardown(state).catch((error: unknown) => {
        stopping = null;
        throw error;
      });
      return stopping;
    },
  };
  return host;
}
