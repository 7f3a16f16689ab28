// Runs INSIDE the UML guest (root namespace), started by the lab's init script, bundled by esbuild
// at lab start so it needs nothing but the host's node binary. It executes commands in lab
// namespaces on behalf of the host. Only the host may talk to it: it listens on the guest end of the
// tap link, drops any peer that is not the host's tap address, and requires the per-boot token.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { z } from 'zod';
import {
  CONTROL_PROTOCOL_VERSION,
  HostFrame,
  LineSplitter,
  MAX_CAPTURE_BYTES,
  encodeFrame,
  parseFrame,
  type GuestFrame,
} from '../control-protocol';

const AgentConfig = z.object({
  listenAddress: z.string(),
  port: z.number().int(),
  allowedPeer: z.string(),
  tokenPath: z.string(),
  readyPath: z.string(),
});
type AgentConfig = z.infer<typeof AgentConfig>;

const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Constant script; the command itself arrives as "$@", never spliced into the script text.
const PRIVATE_TMP_SCRIPT = 'mount -t tmpfs -o mode=1777 lab-tmp /tmp && mount -t tmpfs -o mode=755 lab-run /run && exec "$@"';

const configPath = process.argv[2];
if (configPath === undefined) {
  process.stderr.write('usage: control-agent <config.json>\n');
  process.exit(2);
}
const config: AgentConfig = AgentConfig.parse(JSON.parse(readFileSync(configPath, 'utf8')));
const tokenDigest = createHash('sha256').update(readFileSync(config.tokenPath, 'utf8').trim()).digest();
const spawned = new Map<number, ChildProcess>();
const sessions = new Set<Socket>();

function log(message: string): void {
  process.stdout.write(`control-agent: ${message}\n`);
}

function send(socket: Socket, frame: GuestFrame): void {
  if (!socket.destroyed) socket.write(encodeFrame(frame));
}

function isTokenValid(token: string): boolean {
  return timingSafeEqual(createHash('sha256').update(token).digest(), tokenDigest);
}

/** Builds [file, args] for running argv on a lab host (a namespace) or in the guest root namespace. */
function commandFor(host: string, argv: string[], privateTmp: boolean): [string, string[]] {
  let command = argv;
  if (privateTmp) {
    command = ['/usr/bin/unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', PRIVATE_TMP_SCRIPT, 'lab-private-tmp', ...command];
  }
  if (host !== 'guest') command = ['/usr/sbin/ip', 'netns', 'exec', host, ...command];
  const [file, ...args] = command as [string, ...string[]];
  return [file, args];
}

function hostExists(host: string): boolean {
  return host === 'guest' || existsSync(`/run/netns/${host}`);
}

function runExec(socket: Socket, frame: Extract<HostFrame, { type: 'exec' }>): void {
  const started = performance.now();
  const [file, args] = commandFor(frame.host, frame.argv, frame.privateTmp);
  // detached: own process group, so a timeout kills the command's children too.
  const child = spawn(file, args, {
    detached: true,
    env: { PATH: GUEST_PATH, HOME: '/root', LANG: 'C', ...frame.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let captured = 0;
  let truncated = false;
  let timedOut = false;
  const collect = (target: Buffer[]) => (chunk: Buffer) => {
    if (captured + chunk.length > MAX_CAPTURE_BYTES) {
      truncated = true;
      return;
    }
    captured += chunk.length;
    target.push(chunk);
  };
  child.stdout.on('data', collect(out));
  child.stderr.on('data', collect(err));
  child.stdin.on('error', () => undefined);
  child.stdin.end(frame.stdin ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGKILL');
  }, frame.timeoutMs);
  let spawnError: Error | null = null;
  child.on('error', (error) => {
    spawnError = error;
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    const stderr = Buffer.concat(err).toString('utf8') + (spawnError ? `spawn failed: ${spawnError.message}\n` : '');
    send(socket, {
      type: 'exec-result',
      id: frame.id,
      exitCode: code,
      signal,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr,
      timedOut,
      truncated,
      durationMs: Math.round(performance.now() - started),
    });
  });
}

function runSpawn(socket: Socket, frame: Extract<HostFrame, { type: 'spawn' }>): void {
  const [file, args] = commandFor(frame.host, frame.argv, frame.privateTmp);
  let fd: number;
  try {
    fd = openSync(frame.logPath, 'a', 0o600);
  } catch (error) {
    send(socket, { type: 'error', id: frame.id, code: 'SPAWN_FAILED', message: `cannot open log: ${(error as Error).message}` });
    return;
  }
  const child = spawn(file, args, {
    detached: true,
    env: { PATH: GUEST_PATH, HOME: '/root', LANG: 'C', ...frame.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.on('error', (error) => {
    send(socket, { type: 'error', id: frame.id, code: 'SPAWN_FAILED', message: error.message });
  });
  if (child.pid === undefined) return;
  const pid = child.pid;
  spawned.set(pid, child);
  child.on('exit', (code, signal) => {
    spawned.delete(pid);
    for (const session of sessions) send(session, { type: 'exited', pid, exitCode: code, signal });
  });
  send(socket, { type: 'spawned', id: frame.id, pid });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function shutdown(): void {
  for (const pid of spawned.keys()) killGroup(pid, 'SIGKILL');
  // Let the replies flush, then exit: the init script powers the guest off after us.
  setTimeout(() => process.exit(0), 50);
}

function handleFrame(socket: Socket, frame: HostFrame): void {
  switch (frame.type) {
    case 'hello':
      send(socket, { type: 'error', id: null, code: 'BAD_FRAME', message: 'already authenticated' });
      return;
    case 'ping':
      send(socket, { type: 'pong', id: frame.id, uptimeSeconds: Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) });
      return;
    case 'exec':
    case 'spawn':
      if (!hostExists(frame.host)) {
        send(socket, { type: 'error', id: frame.id, code: 'NO_SUCH_HOST', message: `no lab host "${frame.host}"` });
        return;
      }
      if (frame.type === 'exec') runExec(socket, frame);
      else runSpawn(socket, frame);
      return;
    case 'signal':
      if (!spawned.has(frame.pid)) {
        send(socket, { type: 'error', id: frame.id, code: 'NO_SUCH_PROCESS', message: `pid ${frame.pid} was not spawned by the lab or has exited` });
        return;
      }
      killGroup(frame.pid, frame.signal);
      send(socket, { type: 'ok', id: frame.id });
      return;
    case 'shutdown':
      send(socket, { type: 'ok', id: frame.id });
      shutdown();
      return;
  }
}

const server = createServer((socket) => {
  const peer = socket.remoteAddress?.replace(/^::ffff:/, '');
  if (peer !== config.allowedPeer) {
    log(`refused connection from ${peer ?? 'unknown'}`);
    socket.destroy();
    return;
  }
  const splitter = new LineSplitter();
  let authenticated = false;
  const helloTimer = setTimeout(() => socket.destroy(), 5_000);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearTimeout(helloTimer);
    sessions.delete(socket);
  });
  socket.on('data', (chunk: Buffer) => {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (error) {
      send(socket, { type: 'error', id: null, code: 'BAD_FRAME', message: (error as Error).message });
      socket.destroy();
      return;
    }
    for (const line of lines) {
      const parsed = parseFrame(HostFrame, line);
      if (!parsed.ok) {
        send(socket, { type: 'error', id: parsed.id, code: 'BAD_FRAME', message: parsed.error });
        if (!authenticated) socket.destroy();
        continue;
      }
      if (!authenticated) {
        if (parsed.frame.type !== 'hello' || !isTokenValid(parsed.frame.token)) {
          send(socket, { type: 'error', id: null, code: 'UNAUTHENTICATED', message: 'first frame must be hello with the lab token' });
          socket.end();
          socket.destroy();
          return;
        }
        authenticated = true;
        clearTimeout(helloTimer);
        sessions.add(socket);
        send(socket, { type: 'welcome', v: CONTROL_PROTOCOL_VERSION });
        continue;
      }
      try {
        handleFrame(socket, parsed.frame);
      } catch (error) {
        send(socket, { type: 'error', id: 'id' in parsed.frame ? parsed.frame.id : null, code: 'INTERNAL', message: (error as Error).message });
      }
    }
  });
});

server.listen(config.port, config.listenAddress, () => {
  log(`listening on ${config.listenAddress}:${config.port}`);
  // Written via hostfs: the host waits for this file instead of probing the network.
  writeFileSync(`${config.readyPath}.tmp`, `${process.pid}\n`);
  renameSync(`${config.readyPath}.tmp`, config.readyPath);
});
process.on('SIGTERM', shutdown);
