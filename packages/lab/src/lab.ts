import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ControlClient, type ExecOptions, type ExecResult, type ProcessExit } from './control-client';
import type { LabSignal } from './control-protocol';
import {
  CONTROL_PORT,
  hostSysctlArgv,
  realServerHttpArgv,
  renderHostBatch,
  renderInitScript,
  renderRootBatch,
} from './guest-plan';
import { HOST_BINARIES, runHostCommand } from './host-command';
import { keepalivedArgv } from './keepalived';
import {
  cleanStaleLab,
  deleteTapSync,
  findRepoRoot,
  findUmlProcesses,
  hasNetDevice,
  killUml,
  labPaths,
  umidFor,
  type LabRecord,
} from './lab-state';
import { ensureUmlModulesLink, labUnavailableReason } from './prerequisites';
import { findLabKernel } from './uml-kernel';
import { defaultTopology, findLabHost, resolveTopology, type LabHost, type LabTopology, type LabTopologySpec } from './topology';

/** A command in a lab host that exited non-zero (or timed out); carries everything for the report. */
export class LabCommandError extends Error {
  constructor(readonly result: ExecResult) {
    const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
    super(`[${result.host}] ${result.argv.join(' ')} → ${why}: ${(result.stderr || result.stdout).trim().slice(-500)}`);
    this.name = 'LabCommandError';
  }
}

/** A long-running process in a lab host, started by Lab.spawn. */
export interface LabProcess {
  host: string;
  argv: string[];
  /** Guest pid (also its process group: signals reach its children too). */
  pid: number;
  /** Host path of the file receiving its stdout and stderr. */
  logPath: string;
  /** Resolves when the process ends. */
  exited: Promise<ProcessExit>;
  /** Current content of its log. */
  readLog(): Promise<string>;
  /** Resolves with the log once it matches `pattern`; rejects on timeout or if the process exits first. */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Sends a signal to its process group. */
  signal(signal: LabSignal): Promise<void>;
  /** SIGTERM (or `signal`), then SIGKILL after `timeoutMs`; resolves with the exit. Harmless if already gone. */
  stop(options?: { signal?: LabSignal; timeoutMs?: number }): Promise<ProcessExit>;
}

/** Options for Lab.spawn. */
export interface SpawnOptions {
  env?: Record<string, string>;
  /** Used in the log file name. */
  name?: string;
  /** Own tmpfs on /tmp and /run (a private mount namespace). */
  privateTmp?: boolean;
}

/** Timings of a lab's life, in seconds. */
export interface LabTimings {
  bootSeconds: number;
  teardownSeconds: number | null;
}

/** Options for startLab. */
export interface StartLabOptions {
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Give up booting after this long (default 90 s). */
  bootTimeoutMs?: number;
  /** Install SIGINT/SIGTERM/exit handlers that stop the lab (default true). */
  installSignalHandlers?: boolean;
}

const NODE_PATH = process.execPath;
const GUEST_SOURCES = fileURLToPath(new URL('./guest/', import.meta.url));

/** A running lab. Every method talks to the guest through the authenticated control channel. */
export class Lab {
  private stopping: Promise<LabTimings> | null = null;
  private spawnCount = 0;
  private readonly removeHandlers: () => void;
  readonly realServerHttp = new Map<string, LabProcess>();
  readonly timings: LabTimings;

  /** @internal use startLab */
  constructor(
    readonly topology: LabTopology,
    readonly paths: ReturnType<typeof labPaths>,
    private readonly control: ControlClient,
    private readonly umlPid: number,
    private readonly umlExited: Promise<void>,
    bootSeconds: number,
    installHandlers: boolean,
  ) {
    this.timings = { bootSeconds, teardownSeconds: null };
    this.removeHandlers = installHandlers ? installCleanupHandlers(this) : () => undefined;
  }

  /** Host path of the guest console log (kernel messages, init script, control agent). */
  get consoleLogPath(): string {
    return this.paths.consoleLog;
  }

  /** The host's address on the tap: servers on the host listening here are reachable from every lab host. */
  get hostAddress(): string {
    return this.topology.hostLink.hostAddress;
  }

  /** Segment address of a lab host. */
  addressOf(host: string): string {
    return findLabHost(this.topology, host).address;
  }

  /** Hosts of a role, in topology order. */
  hostsWithRole(role: LabHost['role']): LabHost[] {
    return this.topology.hosts.filter((host) => host.role === role);
  }

  /** Runs argv in a lab host ("guest" = guest root namespace); never throws for a non-zero exit. */
  exec(host: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.control.exec(host, argv, options);
  }

  /** Runs argv in a lab host and returns stdout; throws LabCommandError on non-zero exit or timeout. */
  async execOk(host: string, argv: string[], options: ExecOptions = {}): Promise<string> {
    const result = await this.control.exec(host, argv, options);
    if (result.exitCode !== 0 || result.timedOut) throw new LabCommandError(result);
    return result.stdout;
  }

  /** Starts a long-running process in a lab host; its output goes to a log file under the lab's logs dir. */
  async spawn(host: string, argv: string[], options: SpawnOptions = {}): Promise<LabProcess> {
    const label = (options.name ?? argv[0]?.split('/').at(-1) ?? 'process').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
    const logPath = join(this.paths.logsDir, `${host}-${label}-${++this.spawnCount}.log`);
    const pid = await this.control.spawn(host, argv, {
      logPath,
      ...(options.env ? { env: options.env } : {}),
      ...(options.privateTmp ? { privateTmp: true } : {}),
    });
    const control = this.control;
    // If the lab goes away first, the process went with it: report it as killed.
    const exited = new Promise<ProcessExit>((resolve) => {
      void control.closed.then(() => resolve({ exitCode: null, signal: 'SIGKILL' }));
      const known = control.exitOf(pid);
      if (known) {
        resolve(known);
        return;
      }
      const unsubscribe = control.onExit((exitedPid, exit) => {
        if (exitedPid !== pid) return;
        unsubscribe();
        resolve(exit);
      });
    });
    let exit: ProcessExit | null = null;
    void exited.then((value) => {
      exit = value;
    });
    const readLog = () => readFile(logPath, 'utf8').catch(() => '');
    const handle: LabProcess = {
      host,
      argv,
      pid,
      logPath,
      exited,
      readLog,
      async waitForLog(pattern, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const text = await readLog();
          if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
          if (exit !== null) throw new Error(`[${host}] ${argv.join(' ')} exited (${JSON.stringify(exit)}) before logging ${pattern}:\n${text.slice(-2000)}`);
          if (Date.now() > deadline) throw new Error(`[${host}] ${argv.join(' ')} did not log ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`);
          await sleep(50);
        }
      },
      signal: (signal) => control.signal(pid, signal),
      async stop(stopOptions = {}) {
        if (exit !== null) return exit;
        await control.signal(pid, stopOptions.signal ?? 'SIGTERM').catch(() => undefined);
        const timeout = sleep(stopOptions.timeoutMs ?? 5_000).then(() => null);
        const first = await Promise.race([exited, timeout]);
        if (first !== null) return first;
        await control.signal(pid, 'SIGKILL').catch(() => undefined);
        return exited;
      },
    };
    return handle;
  }

  /**
   * Runs keepalived (VRRP only, foreground) in a lab host with its own /tmp and /run: keepalived's
   * pid and state-dump files have fixed paths, so instances sharing them would clobber each other.
   */
  async startKeepalived(host: string, config: string, options: { extraArgs?: string[] } = {}): Promise<LabProcess> {
    findLabHost(this.topology, host);
    const configDir = join(this.paths.root, 'keepalived');
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const configPath = join(configDir, `${host}-${this.spawnCount + 1}.conf`);
    writeFileSync(configPath, config, { mode: 0o600 });
    return this.spawn(host, keepalivedArgv(configPath, options.extraArgs), { name: 'keepalived', privateTmp: true });
  }

  /** Stops the lab: guest processes, UML, tap, state files (logs are kept). Safe to call twice. */
  stop(): Promise<LabTimings> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<LabTimings> {
    const started = performance.now();
    try {
      if (!this.control.isClosed) await this.control.shutdown(2_000).catch(() => undefined);
      this.control.close();
      const exitedInTime = await Promise.race([this.umlExited.then(() => true), sleep(5_000).then(() => false)]);
      if (!exitedInTime || findUmlProcesses(umidFor(this.topology.id)).length > 0) killUml(umidFor(this.topology.id), this.umlPid);
      await waitFor(() => findUmlProcesses(umidFor(this.topology.id)).length === 0, 5_000);
    } finally {
      deleteTapSync(this.topology.tapName);
      removeStateExceptLogs(this.paths);
      this.removeHandlers();
    }
    if (hasNetDevice(this.topology.tapName)) throw new Error(`lab stop: tap ${this.topology.tapName} still exists`);
    const left = findUmlProcesses(umidFor(this.topology.id));
    if (left.length > 0) throw new Error(`lab stop: UML processes still alive: ${left.join(', ')}`);
    this.timings.teardownSeconds = round((performance.now() - started) / 1000);
    return this.timings;
  }

  /** Synchronous last-resort cleanup for process exit: kill UML, delete the tap. */
  emergencyStop(): void {
    killUml(umidFor(this.topology.id), this.umlPid);
    deleteTapSync(this.topology.tapName);
    removeStateExceptLogs(this.paths);
  }
}

function removeStateExceptLogs(paths: ReturnType<typeof labPaths>): void {
  if (!existsSync(paths.root)) return;
  for (const entry of readdirSync(paths.root)) {
    if (entry === 'logs') continue;
    rmSync(join(paths.root, entry), { recursive: true, force: true });
  }
}

// One set of process handlers for all live labs (usually one), so listeners never pile up.
const liveLabs = new Set<Lab>();
let handlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`\nlab: ${signal} received, stopping the lab\n`);
  const labs = [...liveLabs];
  void Promise.allSettled(labs.map((lab) => lab.stop())).finally(() => {
    for (const lab of labs) lab.emergencyStop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

function onExit(): void {
  for (const lab of liveLabs) lab.emergencyStop();
}

function installCleanupHandlers(lab: Lab): () => void {
  liveLabs.add(lab);
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    process.on('exit', onExit);
  }
  return () => {
    liveLabs.delete(lab);
    if (liveLabs.size === 0 && handlersInstalled) {
      handlersInstalled = false;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      process.off('exit', onExit);
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => !line.startsWith('[')).slice(-lines).join('\n');
  } catch {
    return '(no console log)';
  }
}

async function bundleGuestScripts(outdir: string): Promise<{ agent: string; realServerHttp: string }> {
  await build({
    entryPoints: {
      'control-agent': join(GUEST_SOURCES, 'control-agent.ts'),
      'real-server-http': join(GUEST_SOURCES, 'real-server-http.ts'),
    },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  return { agent: join(outdir, 'control-agent.mjs'), realServerHttp: join(outdir, 'real-server-http.mjs') };
}

async function createTap(topology: LabTopology): Promise<void> {
  const { tapName, hostLink, segment } = topology;
  const ip = HOST_BINARIES.ip;
  await runHostCommand(ip, ['tuntap', 'add', 'dev', tapName, 'mode', 'tap']);
  await runHostCommand(ip, ['addr', 'add', `${hostLink.hostAddress}/${hostLink.prefix}`, 'dev', tapName]);
  await runHostCommand(ip, ['link', 'set', 'dev', tapName, 'up']);
  // UML's tap transport reads host → guest frames from a packet socket on the tap and cannot take
  // the host's GSO super-frames (the tap has vnet_hdr on): TCP then crawls through retransmits
  // (measured: 1 MB host → guest in 17–33 s). One segment per frame: the same 1 MB in 25–40 ms.
  await runHostCommand(ip, ['link', 'set', 'dev', tapName, 'gso_max_segs', '1']);
  // The segment is routed through the guest's root namespace (it forwards); the route lives on the
  // tap and disappears with it. No host sysctl or firewall change is needed: the host is an endpoint.
  await runHostCommand(ip, ['route', 'add', segment.cidr, 'via', hostLink.guestAddress, 'dev', tapName]);
}

/**
 * Boots a lab: cleans up a stale one, creates the tap, starts UML, waits for the control agent,
 * builds every host namespace (bridge, veths, addresses, sysctls), starts each real server's HTTP
 * server. Resolves when all hosts answer and IPVS is loaded. On failure prints the console log tail.
 */
export async function startLab(spec: LabTopologySpec = defaultTopology(), options: StartLabOptions = {}): Promise<Lab> {
  const log = options.log ?? (() => undefined);
  const reason = labUnavailableReason();
  if (reason !== null) throw new Error(reason);
  const topology = resolveTopology(spec);
  const started = performance.now();
  const paths = labPaths(topology.id);
  // The guest mounts its own tmpfs on /tmp (its scratch files never land on the host), which hides
  // a checkout under /tmp from it: its control agent, the agent bundle and the state dir would vanish.
  for (const [what, path] of [['the repository', findRepoRoot()], ['the lab state dir', paths.root]] as const) {
    if (path === '/tmp' || path.startsWith('/tmp/')) {
      throw new Error(`${what} is under /tmp (${path}), which the lab guest cannot see (it mounts its own /tmp): use a checkout elsewhere, set FULCRUM_LAB_STATE_ROOT, or run "npm test", which bind-mounts such a checkout outside /tmp`);
    }
  }
  const umid = umidFor(topology.id);
  cleanStaleLab(topology.id, topology.tapName, log);
  ensureUmlModulesLink();
  const kernelBinary = findLabKernel()?.binary;
  if (!kernelBinary) throw new Error(labUnavailableReason() ?? 'no lab kernel');

  for (const dir of [paths.root, paths.secretDir, paths.guestDir, paths.umlDir, paths.logsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.secretDir, 0o700);
  const token = randomBytes(32).toString('hex');
  writeFileSync(paths.token, `${token}\n`, { mode: 0o600 });
  const bundles = await bundleGuestScripts(paths.guestDir);
  const readyPath = join(paths.guestDir, 'agent-ready');
  const agentConfigPath = join(paths.guestDir, 'agent-config.json');
  writeFileSync(
    agentConfigPath,
    JSON.stringify({
      listenAddress: topology.hostLink.guestAddress,
      port: CONTROL_PORT,
      allowedPeer: topology.hostLink.hostAddress,
      tokenPath: paths.token,
      readyPath,
    }),
    { mode: 0o600 },
  );
  const initPath = join(paths.guestDir, 'init.sh');
  writeFileSync(
    initPath,
    renderInitScript({
      nodePath: NODE_PATH,
      agentBundlePath: bundles.agent,
      agentConfigPath,
      guestAddress: topology.hostLink.guestAddress,
      linkPrefix: topology.hostLink.prefix,
    }),
    { mode: 0o700 },
  );

  let umlPid: number | null = null;
  let control: ControlClient | null = null;
  let lab: Lab | null = null;
  try {
    await createTap(topology);
    const consoleFd = openSync(paths.consoleLog, 'w', 0o600);
    const uml = spawn(
      kernelBinary,
      [
        `umid=${umid}`,
        `uml_dir=${paths.umlDir}`,
        `mem=${topology.memoryMb}M`,
        'root=/dev/root',
        'rootfstype=hostfs',
        'rootflags=/',
        'rw',
        'quiet',
        `init=${initPath}`,
        'con=null',
        'con0=null,fd:1',
        `vec0:transport=tap,ifname=${topology.tapName}`,
      ],
      // Own process group: a terminal Ctrl-C reaches our handler, not UML directly, and the whole
      // guest (UML runs one host process per guest address space) can be killed as a group.
      { detached: true, stdio: ['ignore', consoleFd, consoleFd], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TMPDIR: '/dev/shm' } },
    );
    closeSync(consoleFd);
    if (uml.pid === undefined) throw new Error('could not start UML');
    umlPid = uml.pid;
    uml.unref();
    let umlGone = false;
    const umlExited = new Promise<void>((resolve) => {
      uml.on('exit', () => {
        umlGone = true;
        resolve();
      });
    });
    const record: LabRecord = {
      id: topology.id,
      ownerPid: process.pid,
      umlPid,
      umid,
      tapName: topology.tapName,
      hostAddress: topology.hostLink.hostAddress,
      guestAddress: topology.hostLink.guestAddress,
      controlPort: CONTROL_PORT,
      startedAt: new Date().toISOString(),
      hosts: topology.hosts.map(({ name, role, address }) => ({ name, role, address })),
    };
    writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });

    const bootTimeoutMs = options.bootTimeoutMs ?? 90_000;
    const ready = await waitFor(() => umlGone || existsSync(readyPath), bootTimeoutMs);
    if (umlGone) throw new Error('UML exited during boot');
    if (!ready) throw new Error(`the guest's control agent was not ready within ${bootTimeoutMs} ms`);
    log(`lab: guest up after ${round((performance.now() - started) / 1000)} s`);
    control = await ControlClient.connect({ address: topology.hostLink.guestAddress, port: CONTROL_PORT, token });

    await control.exec('guest', ['ip', '-batch', '-'], { stdin: renderRootBatch(topology), timeoutMs: 60_000 }).then(check);
    await Promise.all(
      topology.hosts.map(async (host) => {
        const connected = control as ControlClient;
        await connected.exec('guest', ['ip', '-n', host.name, '-batch', '-'], { stdin: renderHostBatch(topology, host) }).then(check);
        await connected.exec(host.name, hostSysctlArgv(host)).then(check);
      }),
    );
    const bootSeconds = () => round((performance.now() - started) / 1000);
    lab = new Lab(topology, paths, control, umlPid, umlExited, 0, options.installSignalHandlers ?? true);

    const checks: Promise<unknown>[] = [
      lab.execOk(firstDirectorOrGuest(topology), ['cat', '/proc/net/ip_vs']),
    ];
    if (topology.realServerHttpPort > 0) {
      for (const host of topology.hosts.filter((candidate) => candidate.role === 'real-server')) {
        const server = await lab.spawn(host.name, realServerHttpArgv(NODE_PATH, bundles.realServerHttp, host, topology.realServerHttpPort), {
          name: 'http',
        });
        lab.realServerHttp.set(host.name, server);
      }
      for (const server of lab.realServerHttp.values()) checks.push(server.waitForLog('listening', 60_000));
    }
    await Promise.all(checks);
    await verifySegment(lab);
    lab.timings.bootSeconds = bootSeconds();
    log(`lab: ready after ${lab.timings.bootSeconds} s (console log: ${paths.consoleLog})`);
    return lab;
  } catch (error) {
    process.stderr.write(`lab: start failed: ${(error as Error).message}\n--- guest console (${paths.consoleLog}) ---\n${tail(paths.consoleLog)}\n---\n`);
    if (lab !== null) {
      await lab.stop().catch(() => undefined);
    } else {
      control?.close();
      killUml(umid, umlPid);
      deleteTapSync(topology.tapName);
      removeStateExceptLogs(paths);
    }
    throw error;
  }
}

function firstDirectorOrGuest(topology: LabTopology): string {
  return topology.hosts.find((host) => host.role === 'director')?.name ?? 'guest';
}

function check(result: ExecResult): ExecResult {
  if (result.exitCode !== 0 || result.timedOut) throw new LabCommandError(result);
  return result;
}

// Proves the segment end to end: the client (or first host) reaches every real server over the bridge.
async function verifySegment(lab: Lab): Promise<void> {
  const from = lab.topology.hosts.find((host) => host.role === 'client') ?? lab.topology.hosts[0];
  if (from === undefined) return;
  const servers = lab.hostsWithRole('real-server');
  if (servers.length === 0 || lab.topology.realServerHttpPort === 0) return;
  const urls = servers.map((server) => `http://${server.address}:${lab.topology.realServerHttpPort}/`);
  const out = await lab.execOk(from.name, ['curl', '-sS', '--max-time', '10', ...urls], { timeoutMs: 30_000 });
  for (const server of servers) {
    if (!out.includes(server.name)) throw new Error(`segment check: ${server.name} did not answer (${out.trim()})`);
  }
}

/** True while the lab with this id still has UML processes (used by tests checking teardown). */
export function isLabRunning(id = 'default'): boolean {
  return findUmlProcesses(umidFor(id)).length > 0;
}

