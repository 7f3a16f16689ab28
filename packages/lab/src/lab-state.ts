import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HOST_BINARIES } from './host-command';

// Where a lab keeps its files on the host, and how a crashed lab is found and cleaned up.

/** What a running lab records in <stateDir>/lab.json so other host processes (the CLI) can reach it. */
export const LabRecord = z.object({
  id: z.string(),
  ownerPid: z.number().int(),
  umlPid: z.number().int(),
  umid: z.string(),
  tapName: z.string(),
  hostAddress: z.string(),
  guestAddress: z.string(),
  controlPort: z.number().int(),
  startedAt: z.string(),
  hosts: z.array(z.object({ name: z.string(), role: z.string(), address: z.string() })),
});
export type LabRecord = z.infer<typeof LabRecord>;

/** The repository root: nearest ancestor of this file whose package.json declares workspaces. */
export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no workspace root above ${start}`);
    dir = parent;
  }
}

/** Folder holding every lab's state dir: $FULCRUM_LAB_STATE_ROOT or <repo>/.fulcrum/lab (git-ignored). */
export function labStateRoot(): string {
  return process.env.FULCRUM_LAB_STATE_ROOT ?? join(findRepoRoot(), '.fulcrum', 'lab');
}

/** Paths inside one lab's state dir. Everything lives on the host's disk, visible to the guest via hostfs. */
export function labPaths(id: string) {
  const root = join(labStateRoot(), id);
  return {
    root,
    record: join(root, 'lab.json'),
    token: join(root, 'secret', 'token'),
    secretDir: join(root, 'secret'),
    guestDir: join(root, 'guest'),
    umlDir: join(root, 'uml'),
    logsDir: join(root, 'logs'),
    consoleLog: join(root, 'logs', 'console.log'),
  };
}

/** UML's umid for a lab id; also the tag that finds its host processes in /proc. */
export function umidFor(id: string): string {
  return `fulcrum-lab-${id}`;
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Host pids of a UML guest: every UML host process (kernel and per-address-space stubs) carries umid= in argv. */
export function findUmlProcesses(umid: string): number[] {
  const needle = `umid=${umid}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(needle)) pids.push(Number(entry));
    } catch {
      // Raced with the process exiting.
    }
  }
  return pids;
}

/**
 * The live process that owns a UML host process: the first ancestor that is not itself part of the
 * guest. null when the chain reaches pid 1, i.e. the owner died and the guest was orphaned.
 */
export function liveOwnerOf(pid: number): number | null {
  let current = pid;
  for (let hops = 0; hops < 64; hops++) {
    let ppid: number;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return null;
    }
    if (!Number.isInteger(ppid) || ppid <= 1) return null;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0');
    } catch {
      return null;
    }
    if (!argv.some((a) => a.startsWith('umid='))) return ppid;
    current = ppid;
  }
  return null;
}

/** SIGKILLs every host process of a UML guest (its group first, then any stragglers found by umid). */
export function killUml(umid: string, umlPid: number | null): void {
  if (umlPid !== null) {
    try {
      process.kill(-umlPid, 'SIGKILL');
    } catch {
      // Group already gone.
    }
  }
  for (const pid of findUmlProcesses(umid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** True when a network device with this name exists on the host. */
export function hasNetDevice(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Deletes the lab tap (its address and route go with it); synchronous so exit handlers can use it. */
export function deleteTapSync(tapName: string): void {
  if (!hasNetDevice(tapName)) return;
  try {
    execFileSync(HOST_BINARIES.ip, ['link', 'del', 'dev', tapName], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // Checked by the caller through hasNetDevice.
  }
}

/** Reads a lab's record, or null when absent or unreadable. */
export function readLabRecord(id: string): LabRecord | null {
  try {
    return LabRecord.parse(JSON.parse(readFileSync(labPaths(id).record, 'utf8')));
  } catch {
    return null;
  }
}

/** Lab ids with a state dir under the state root. */
export function listLabIds(): string[] {
  const root = labStateRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root);
}

/**
 * Removes what a crashed run left behind: UML processes of this lab id, the tap, the state dir.
 * Refuses (throws) when another live process owns a running lab using the same tap or id.
 */
export function cleanStaleLab(id: string, tapName: string, log: (line: string) => void): void {
  for (const otherId of listLabIds()) {
    const record = readLabRecord(otherId);
    if (record === null || record.ownerPid === process.pid) continue;
    const sameSlot = otherId === id || record.tapName === tapName;
    if (sameSlot && isAlive(record.ownerPid) && isAlive(record.umlPid)) {
      throw new Error(
        `lab "${otherId}" is already running (owner pid ${record.ownerPid}, tap ${record.tapName}); stop it first (Ctrl-C in "npm run lab")`,
      );
    }
    if (sameSlot) {
      log(`lab: cleaning stale lab "${otherId}" (owner pid ${record.ownerPid} gone)`);
      killUml(record.umid, record.umlPid);
      deleteTapSync(record.tapName);
      rmSync(labPaths(otherId).root, { recursive: true, force: true });
    }
  }
  const strays = findUmlProcesses(umidFor(id));
  // A lab started from another checkout of the repo keeps its record under that checkout, so the
  // loop above cannot see it: its UML processes still have a live owner, and must not be killed.
  const owner = strays.map(liveOwnerOf).find((pid) => pid !== null && pid !== process.pid);
  if (owner !== undefined && owner !== null) {
    throw new Error(`lab "${id}" is already running from another process (owner pid ${owner}, maybe another checkout); stop it first or set FULCRUM_LAB_ID`);
  }
  if (strays.length > 0) {
    log(`lab: killing ${strays.length} stray UML process(es) of lab "${id}"`);
    killUml(umidFor(id), null);
  }
  if (hasNetDevice(tapName)) {
    log(`lab: deleting leftover tap ${tapName}`);
    deleteTapSync(tapName);
    if (hasNetDevice(tapName)) throw new Error(`cannot delete leftover tap ${tapName}`);
  }
  rmSync(labPaths(id).root, { recursive: true, force: true });
}
