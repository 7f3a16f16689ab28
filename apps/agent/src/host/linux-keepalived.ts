import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Keepalived } from '@fulcrum/lvs/commands/keepalived';
import type { KeepalivedHost, KeepalivedProcess } from './host';
import { runHostCommand } from './run-host-command';

/** Paths the keepalived host uses. */
export interface KeepalivedPaths {
  keepalivedBinary: string;
  mkfifoBinary: string;
  /** The rendered VRRP-only config (the agent owns this file). */
  configPath: string;
  /** Pid files, notify FIFO and keepalived's console log live here. */
  runDir: string;
}

/** keepalived as a supervised process: started detached so it outlives the agent, re-adopted by pid file. */
export class LinuxKeepalivedHost implements KeepalivedHost {
  private readonly keepalived: Keepalived;
  readonly pidFile: string;
  readonly vrrpPidFile: string;
  readonly fifoPath: string;
  readonly logPath: string;

  constructor(private readonly paths: KeepalivedPaths) {
    this.keepalived = new Keepalived(paths.keepalivedBinary);
    this.pidFile = join(paths.runDir, 'keepalived.pid');
    this.vrrpPidFile = join(paths.runDir, 'keepalived-vrrp.pid');
    this.fifoPath = join(paths.runDir, 'vrrp-notify.fifo');
    this.logPath = join(paths.runDir, 'keepalived.log');
  }

  async readConfig(): Promise<string | null> {
    try {
      return await readFile(this.paths.configPath, 'utf8');
    } catch {
      return null;
    }
  }

  async writeConfig(text: string): Promise<void> {
    await mkdir(dirname(this.paths.configPath), { recursive: true, mode: 0o700 });
    const temporary = `${this.paths.configPath}.new`;
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, this.paths.configPath);
  }

  async testConfig(text: string): Promise<string | null> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    const path = join(this.paths.runDir, 'keepalived-test.conf');
    await writeFile(path, text, { mode: 0o600 });
    try {
      await runHostCommand(this.keepalived.configTest(path), 15_000);
      return null;
    } catch (e) {
      return (e as Error).message;
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  async start(): Promise<KeepalivedProcess> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    const command = this.keepalived.runVrrp({ configPath: this.paths.configPath, pidFile: this.pidFile, vrrpPidFile: this.vrrpPidFile });
    // keepalived writes to a file, not a pipe: a pipe to the agent would break (SIGPIPE) when the agent
    // stops, and keepalived must outlive the agent (fail static). Detached: its own session, so a signal
    // to the agent's process group does not reach it.
    const log = openSync(this.logPath, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    const child = spawn(command.file, [...command.args, '--no-syslog'], { detached: true, stdio: ['ignore', log, log], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    closeSync(log);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    if (child.pid === undefined) {
      const exit = await exited;
      throw new Error(`keepalived could not start (${JSON.stringify(exit)})`);
    }
    return { pid: child.pid, exited };
  }

  async adopt(): Promise<KeepalivedProcess | null> {
    const pid = await readPid(this.pidFile);
    if (pid === null || !(await this.isOurKeepalived(pid))) return null;
    return { pid, exited: watchUntilGone(pid) };
  }

  signal(process_: KeepalivedProcess, signal: 'SIGHUP' | 'SIGTERM' | 'SIGKILL'): void {
    try {
      process.kill(process_.pid, signal);
    } catch {
      // already gone: the exit watcher reports it
    }
  }

  async killLeftovers(): Promise<number[]> {
    const killed: number[] = [];
    for (const file of [this.vrrpPidFile, this.pidFile]) {
      const pid = await readPid(file);
      if (pid !== null && (await this.isOurKeepalived(pid))) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // gone meanwhile
        }
      }
    }
    return killed;
  }

  async ensureNotifyFifo(): Promise<string> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    const stat = await lstat(this.fifoPath).catch(() => null);
    if (stat?.isFIFO()) return this.fifoPath;
    if (stat) await unlink(this.fifoPath);
    // Node has no mkfifo(3): mkfifo(1) by absolute path, argv only
    await runHostCommand({ file: this.paths.mkfifoBinary, args: ['-m', '0600', this.fifoPath] });
    return this.fifoPath;
  }

  async readNotifyFifo(onLine: (line: string) => void): Promise<() => void> {
    const path = await this.ensureNotifyFifo();
    // O_RDWR: opening never blocks waiting for a writer, and keepalived restarting (closing its end)
    // never ends the stream with EOF. O_NONBLOCK lets libuv poll it like a pipe.
    // a plain descriptor, not a FileHandle: a FileHandle is closed when garbage-collected, which would
    // silently end the stream under the socket (found in the lab: VRRP lines stopped after a minute)
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    const socket = new Socket({ fd, readable: true, writable: false });
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onLine(line);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > 64 * 1024) buffered = '';
    });
    socket.on('error', () => undefined);
    return () => socket.destroy();
  }

  private async isOurKeepalived(pid: number): Promise<boolean> {
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // a zombie is dead for our purposes
      if (/^\d+ \(.*\) Z/.test(stat)) return false;
      return cmdline[0] === this.paths.keepalivedBinary && cmdline.includes(this.paths.configPath);
    } catch {
      return false;
    }
  }
}

async function readPid(file: string): Promise<number | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

// A process we did not start gives no exit event: poll /proc (no fork) until it is gone or a zombie.
function watchUntilGone(pid: number): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      void readFile(`/proc/${pid}/stat`, 'utf8').then(
        (stat) => {
          if (/^\d+ \(.*\) Z/.test(stat)) {
            clearInterval(timer);
            resolve({ code: null, signal: null });
          }
        },
        () => {
          clearInterval(timer);
          resolve({ code: null, signal: null });
        },
      );
    }, 100);
  });
}
