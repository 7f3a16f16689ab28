// Runs INSIDE the UML guest (bundled to one .cjs by guest-bundle.ts, started with the host's node in
// a lab namespace). Everything timed here is timed with the guest's own clock, which is the host's
// (UML), so stamps compare with the bench process's Date.now() without a control-channel round trip.
// One file, one subcommand per job: the references (ipvsadm, keepalived), the kernel watchers, the
// CPU sampler, and the failover helpers (echo server, held connections, request loop, address monitor).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readFileSync, readSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';

const IPVSADM = '/usr/sbin/ipvsadm';
const KEEPALIVED = '/usr/sbin/keepalived';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : process.argv[i + 1];
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}
function optionalArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => Date.now();
const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

// ------------------------------------------------------------------ /proc/net/ip_vs

/** "198.18.0.101" + 1000 → "C6120065:03E8", as /proc/net/ip_vs spells endpoints. */
function procEndpoint(endpoint: string): string {
  const [address, port] = endpoint.split(':') as [string, string];
  return `${address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase()}:${Number(port).toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Destinations in a /proc/net/ip_vs text (the header line "  -> RemoteAddress…" is not one). */
function countDestinations(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n  -> '); i !== -1; i = text.indexOf('\n  -> ', i + 1)) {
    const c = text.charCodeAt(i + 6);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || c === 91) n++;
  }
  return n;
}

/** Weight of `dst` inside service `svc` (both /proc spelling), or null. */
function weightIn(text: string, svc: string, dst: string): number | null {
  const at = text.indexOf(`TCP  ${svc} `);
  if (at === -1) return null;
  let i = text.indexOf('\n', at) + 1;
  while (i > 0 && i < text.length) {
    const end = text.indexOf('\n', i);
    const line = text.slice(i, end === -1 ? undefined : end);
    if (!line.startsWith('  -> ')) return null;
    const m = /^ {2}-> (\S+)\s+\S+\s+(\d+)/.exec(line);
    if (m && m[1] === dst) return Number(m[2]);
    if (end === -1) return null;
    i = end + 1;
  }
  return null;
}

/** Reads the first `bytes` of a /proc file (seq_file: only the records needed are generated). */
function readPrefix(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, total, bytes - total, null);
      if (n <= 0) break;
      total += n;
      if (total >= bytes) break;
    }
    return buffer.subarray(0, total).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Reads weights of one destination cheaply: a prefix of the listing that holds it (found by one full read). */
class WeightProbe {
  private prefix = 0;
  constructor(
    private readonly path: string,
    private readonly svc: string,
    private readonly dst: string,
  ) {}
  read(): number | null {
    if (this.prefix > 0) {
      const w = weightIn(readPrefix(this.path, this.prefix), this.svc, this.dst);
      if (w !== null) return w;
    }
    const full = readFileSync(this.path, 'latin1');
    const at = full.indexOf(`TCP  ${this.svc} `);
    if (at === -1) return null;
    const end = full.indexOf('\nTCP  ', at + 1);
    this.prefix = (end === -1 ? full.length : end) + 64;
    return weightIn(full, this.svc, this.dst);
  }
}

/** How many destinations a /proc/net/ip_vs holds, waiting `gap(readMs)` between reads. */
async function waitForCount(path: string, expect: number, timeoutMs: number): Promise<number> {
  const started = now();
  for (;;) {
    const t = now();
    const count = countDestinations(readFileSync(path, 'latin1'));
    if (count === expect) return now();
    if (now() - started > timeoutMs) throw new Error(`${path}: ${count} destinations, expected ${expect}, after ${timeoutMs} ms`);
    await sleep(Math.max(10, 2 * (now() - t)));
  }
}

function runSync(file: string, args: string[], input?: string): void {
  const r = spawnSync(file, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${r.stderr?.toString().slice(-400)}`);
}

/** Spawns and resolves with the ms from spawn to exit (throws on a non-zero exit). */
function timeProcess(file: string, args: string[], stdinFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stdin = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: [stdin, 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (typeof stdin === 'number') closeSync(stdin);
      if (code === 0) resolve(ms);
      else reject(new Error(`${file} ${args.join(' ')}: exit ${code}: ${err.slice(-400)}`));
    });
  });
}

// ------------------------------------------------------------------ commands

const commands: Record<string, () => Promise<void>> = {
  /** Reference: `ipvsadm -R` of the same rules, `repeat` times on an emptied table; leaves the table loaded. */
  async 'ref-restore'() {
    const rules = arg('rules');
    const expect = Number(arg('expect'));
    const runs: number[] = [];
    for (let i = 0; i < Number(arg('repeat')); i++) {
      runSync(IPVSADM, ['-C']);
      await sleep(200);
      runs.push(await timeProcess(IPVSADM, ['-R'], rules));
      const count = countDestinations(readFileSync('/proc/net/ip_vs', 'latin1'));
      if (count !== expect) throw new Error(`ipvsadm -R left ${count} destinations, expected ${expect}`);
    }
    out({ runs });
  },

  /** Reference: one `ipvsadm -e` weight change per run (process time), and when /proc shows it. */
  async 'ref-edit'() {
    const svc = arg('service');
    const dst = arg('destination');
    const probe = new WeightProbe('/proc/net/ip_vs', procEndpoint(svc), procEndpoint(dst));
    const runs: number[] = [];
    const visible: number[] = [];
    probe.read(); // locates the destination once: later reads take only the prefix that holds it
    for (let i = 0; i < Number(arg('repeat')); i++) {
      const weight = (i % 7) + 2;
      const t0 = performance.now();
      runs.push(await timeProcess(IPVSADM, ['-e', '-t', svc, '-r', dst, '-g', '-w', String(weight)]));
      while (probe.read() !== weight) await sleep(1);
      visible.push(performance.now() - t0);
      await sleep(100);
    }
    out({ runs, visible });
  },

  /**
   * Reference: keepalived started with the same table as virtual_servers, `repeat` times: ms from
   * spawn until /proc/net/ip_vs holds all of it. The last one stays up for `reloads` SIGHUPs that each
   * change one weight (config files prepared by the host): ms from the signal until /proc shows it.
   */
  async 'ref-keepalived'() {
    const dir = arg('dir');
    const expect = Number(arg('expect'));
    const repeat = Number(arg('repeat'));
    const reloads = Number(arg('reloads'));
    const probe = new WeightProbe('/proc/net/ip_vs', procEndpoint(arg('service')), procEndpoint(arg('destination')));
    const active = `${dir}/keepalived.conf`;
    const starts: number[] = [];
    const reloadRuns: number[] = [];
    const stopRuns: number[] = [];
    for (let i = 0; i < repeat; i++) {
      runSync(IPVSADM, ['-C']);
      copyFileSync(`${dir}/keepalived-w1.conf`, active);
      const t0 = now();
      const child = spawn(KEEPALIVED, ['--dont-fork', '--log-console', '--check', '--no-syslog', '-f', active], { stdio: ['ignore', 'ignore', 'ignore'] });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      starts.push((await waitForCount('/proc/net/ip_vs', expect, 600_000)) - t0);
      if (i === repeat - 1) {
        probe.read();
        for (let j = 0; j < reloads; j++) {
          const weight = (j % 7) + 2;
          copyFileSync(`${dir}/keepalived-w${weight}.conf`, active);
          const r0 = now();
          child.kill('SIGHUP');
          for (;;) {
            if (probe.read() === weight) break;
            if (now() - r0 > 120_000) throw new Error(`keepalived reload: weight ${weight} not visible after 120 s`);
            await sleep(1);
          }
          reloadRuns.push(now() - r0);
          await sleep(300);
        }
      }
      const s0 = now();
      child.kill('SIGTERM');
      await exited;
      stopRuns.push(now() - s0);
      runSync(IPVSADM, ['-C']);
    }
    out({ starts, reloads: reloadRuns, stops: stopRuns });
  },

  /** Prints "<ms> <pid> <count>" whenever the destination count in a pid's namespace changes. */
  async 'watch-count'() {
    const pids = arg('pids').split(',');
    const last = new Map<string, number>();
    for (;;) {
      const t = now();
      for (const pid of pids) {
        let count = -1;
        try {
          count = countDestinations(readFileSync(`/proc/${pid}/net/ip_vs`, 'latin1'));
        } catch {
          // the process is gone: -1
        }
        if (last.get(pid) !== count) {
          last.set(pid, count);
          process.stdout.write(`${now()} ${pid} ${count}\n`);
        }
      }
      // polling costs the guest's one vCPU, which the agents need: read at most a third of the time
      await sleep(Math.max(20, 2 * (now() - t)));
    }
  },

  /** Prints "<ms> <pid> <weight>" whenever one destination's weight changes in a pid's namespace. */
  async 'watch-weight'() {
    const svc = procEndpoint(arg('service'));
    const dst = procEndpoint(arg('destination'));
    const probes = arg('pids').split(',').map((pid) => ({ pid, probe: new WeightProbe(`/proc/${pid}/net/ip_vs`, svc, dst), last: undefined as number | null | undefined }));
    for (;;) {
      for (const p of probes) {
        const w = p.probe.read();
        if (w !== p.last) {
          p.last = w;
          process.stdout.write(`${now()} ${p.pid} ${w}\n`);
        }
      }
      await sleep(5);
    }
  },

  /** Prints one JSON line per pid every `every` ms: CPU ticks (self + reaped children) and RSS. */
  async 'cpu-sample'() {
    const pids = arg('pids').split(',').map(Number);
    const every = Number(arg('every'));
    const count = Number(arg('count'));
    for (let i = 0; i <= count; i++) {
      const at = now();
      for (const pid of pids) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          // fields 14–17 of stat: utime, stime, cutime, cstime (f[0] is field 3)
          const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
          const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
          out({ at, pid, ticks, rssKb });
        } catch {
          out({ at, pid, ticks: null, rssKb: null });
        }
      }
      if (i < count) await sleep(every - (now() - at));
    }
  },

  /** Reference for the agent's cost: read /proc/net/ip_vs (and count it) once per `every` ms. */
  async 'proc-loop'() {
    const every = Number(arg('every'));
    for (;;) {
      const t = now();
      countDestinations(readFileSync('/proc/net/ip_vs', 'latin1'));
      await sleep(every - (now() - t));
    }
  },

  /** A line echo server: every line comes back prefixed with this host's name. */
  async 'echo-server'() {
    const name = arg('name');
    const server = createTcpServer((socket) => {
      socket.setEncoding('utf8');
      let buffer = '';
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          socket.write(`${name} ${buffer.slice(0, end)}\n`);
          buffer = buffer.slice(end + 1);
        }
      });
      socket.on('error', () => socket.destroy());
    });
    server.listen(Number(arg('port')), '0.0.0.0', () => process.stdout.write(`echo-server ${name} listening\n`));
    await new Promise(() => undefined);
  },

  /**
   * Opens `count` connections through the VIP and checks each echoes a line; then on every SIGUSR1
   * sends one more line on each and prints how many answered within 2 s. SIGTERM ends it.
   */
  async 'hold-connections'() {
    const host = arg('host');
    const port = Number(arg('port'));
    const count = Number(arg('count'));
    type Held = { socket: Socket; lines: string[]; alive: boolean; error: string | null };
    const held: Held[] = [];
    const ask = (h: Held, line: string, timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        if (!h.alive) return resolve(false);
        const before = h.lines.length;
        const timer = setTimeout(() => (cleanup(), resolve(false)), timeoutMs);
        const check = () => {
          if (h.lines.length > before) (cleanup(), resolve(h.lines[before]!.endsWith(line)));
        };
        const gone = () => (cleanup(), resolve(false));
        const cleanup = () => {
          clearTimeout(timer);
          h.socket.off('data', check);
          h.socket.off('close', gone);
        };
        h.socket.on('data', check);
        h.socket.on('close', gone);
        h.socket.write(`${line}\n`);
      });
    for (let i = 0; i < count; i++) {
      const socket = connect({ host, port });
      const h: Held = { socket, lines: [], alive: true, error: null };
      socket.setEncoding('utf8');
      let buffer = '';
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          h.lines.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 1);
        }
      });
      socket.on('error', (e) => ((h.error = e.message), (h.alive = false)));
      socket.on('close', () => (h.alive = false));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      held.push(h);
    }
    const first = await Promise.all(held.map((h, i) => ask(h, `hello-${i}`, 3000)));
    out({ at: now(), probe: 0, ok: first.filter(Boolean).length, count, servers: [...new Set(held.map((h) => h.lines[0]?.split(' ')[0]))], ports: held.map((h) => h.socket.localPort) });
    let probe = 0;
    process.on('SIGUSR1', () => {
      const n = ++probe;
      const at = now();
      void Promise.all(held.map((h, i) => ask(h, `probe-${n}-${i}`, 2000))).then((ok) => out({ at, probe: n, ok: ok.filter(Boolean).length, count, errors: [...new Set(held.map((h) => h.error).filter(Boolean))] }));
    });
    process.on('SIGTERM', () => {
      for (const h of held) h.socket.destroy();
      process.exit(0);
    });
    // stays up (for the next SIGUSR1) even when every held connection was reset
    setInterval(() => undefined, 1 << 30);
    await new Promise(() => undefined);
  },

  /** Short HTTP requests through the VIP back to back until SIGTERM (or `ms`): one JSON line with every result. */
  async 'request-loop'() {
    const host = arg('host');
    const end = now() + Number(optionalArg('ms', '600000'));
    const gap = Number(optionalArg('gap', '20'));
    const results: Array<[number, 0 | 1]> = [];
    let stopping = false;
    process.on('SIGTERM', () => (stopping = true));
    while (now() < end && !stopping) {
      const at = now();
      const ok = await new Promise<boolean>((resolve) => {
        const r = request({ host, port: 80, path: '/', agent: false, timeout: 1000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
          res.on('error', () => resolve(false));
        });
        r.on('timeout', () => r.destroy(new Error('timeout')));
        r.on('error', () => resolve(false));
        r.end();
      });
      results.push([at, ok ? 1 : 0]);
      await sleep(gap);
    }
    out({ results });
  },

  /** `ip -o monitor address` with each line stamped with the guest clock in ms. */
  async 'address-monitor'() {
    const child = spawn('/usr/sbin/ip', ['-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const at = now();
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        process.stdout.write(`${at} ${buffer.slice(0, end)}\n`);
        buffer = buffer.slice(end + 1);
      }
    });
    process.stdout.write(`${now()} monitoring\n`);
    process.on('SIGTERM', () => (child.kill(), process.exit(0)));
    await new Promise(() => undefined);
  },

  /** Sends a signal to a pid and prints the guest time it was sent. */
  async signal() {
    const at = now();
    process.kill(Number(arg('pid')), arg('signal') as NodeJS.Signals);
    out({ at });
  },
};

const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  process.stderr.write(`bench-guest: unknown command ${name}; one of ${Object.keys(commands).join(', ')}\n`);
  process.exit(2);
}
command().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench-guest ${name}: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
