import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { freePort, Product } from '@fulcrum/agent/src/testing/product-harness';

// The real product as `npm start` runs it (the agent lab tests' harness: fresh embedded Postgres in
// its own state dir, the printed one-time admin login), plus what the bench needs to measure it:
// the pid of the node process that serves HTTP, tRPC and the agent WebSockets, and Postgres's pids.

/** A started product. */
export type RunningProduct = {
  url: string;
  port: number;
  admin: { username: string; password: string };
  stateDir: string;
  /** Pid of the process listening on the product's port (the one node process serving everything). */
  serverPid: number;
  /** Pids of the embedded Postgres (postmaster and its backends) at this moment. */
  postgresPids(): number[];
  /** Everything npm start printed so far. */
  log(): string;
  remove(): Promise<void>;
};

/** Starts the product on `host` at a free port. */
export async function startProduct(options: { host: string; say: (line: string) => void }): Promise<RunningProduct> {
  const started = Date.now();
  const product = await Product.start({ host: options.host, port: await freePort() });
  options.say(`product: npm start up at ${product.url} in ${Date.now() - started} ms`);
  const serverPid = findListeningPid(product.port);
  if (serverPid === null) {
    await product.remove();
    throw new Error(`no process listens on port ${product.port}`);
  }
  return {
    url: product.url,
    port: product.port,
    admin: product.admin,
    stateDir: product.stateDir,
    serverPid,
    postgresPids: () => findPostgresPids(product.stateDir),
    log: () => product.log,
    async remove() {
      await product.stop().catch(() => undefined);
      const killed = await endLeftovers(serverPid, product.stateDir);
      if (killed.length > 0) options.say(`product: ${killed.join(' and ')} still running 20 s after SIGTERM to npm's process group: killed (its last lines: ${product.log.trim().split('\n').slice(-3).join(' | ')})`);
      rmSync(product.stateDir, { recursive: true, force: true });
    },
  };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * npm can exit before the node process it started has finished stopping (a busy server took minutes
 * to drain its pushes): wait for the server and its Postgres, then kill what is left of exactly them.
 */
async function endLeftovers(serverPid: number, stateDir: string): Promise<string[]> {
  const killed: string[] = [];
  const wait = async (pids: number[], ms: number) => {
    const deadline = Date.now() + ms;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return pids.filter(isAlive);
  };
  if ((await wait([serverPid], 20_000)).length > 0) {
    killed.push(`the server (pid ${serverPid})`);
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const postgres = findPostgresPids(stateDir);
  if (postgres.length > 0 && (await wait(postgres, 10_000)).length > 0) {
    killed.push('Postgres');
    for (const pid of postgres) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  return killed;
}

/** The pid whose open sockets include the TCP listener on `port` (from /proc/net/tcp and /proc/<pid>/fd). */
export function findListeningPid(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address "0100007F:0BB8", st "0A" = LISTEN, inode in column 10
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** The postmaster whose command line names a data dir under `stateDir`, and every descendant. */
export function findPostgresPids(stateDir: string): number[] {
  const parents = new Map<number, number>();
  let postmaster: number | null = null;
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/postgres$/.test(cmdline[0] ?? '') && cmdline.some((a) => a.startsWith(stateDir))) postmaster ??= pid;
    } catch {
      // gone meanwhile
    }
  }
  if (postmaster === null) return [];
  const all = new Set([postmaster]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) if (all.has(parent) && !all.has(pid)) (all.add(pid), (grew = true));
  }
  return [...all];
}
