import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';

/** One host command: an absolute executable path and its argv (no shell ever sees these). */
export interface Command {
  /** Absolute path of the binary, e.g. /usr/sbin/ipvsadm. */
  file: string;
  /** Arguments after argv[0]. */
  args: string[];
  /** Text fed on stdin (ipvsadm -R batches). */
  stdin?: string;
}

/** Output of a command that exited 0. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Options for runCommand. */
export interface RunOptions {
  /** Kill the process (SIGKILL) after this many milliseconds; default 30 s. */
  timeoutMs?: number;
  /** Overrides Command.stdin. */
  stdin?: string;
  /** Largest stdout/stderr accepted, bytes; default 64 MiB (ipvsadm -Ln of 10,000 destinations is ~1 MB). */
  maxBuffer?: number;
}

/** A command that could not start, exited non-zero, was killed, or timed out. */
export class CommandError extends Error {
  /** Stable code for the server's error formatter. */
  readonly code = 'COMMAND_FAILED';
  constructor(
    message: string,
    /** [file, ...args] as executed. */
    readonly argv: string[],
    /** Exit code, or null when killed by a signal or never started. */
    readonly exitCode: number | null,
    /** Signal that ended the process, if any. */
    readonly signal: string | null,
    /** Everything the command wrote to stderr. */
    readonly stderr: string,
    /** Wall time from spawn to exit. */
    readonly durationMs: number,
    /** True when our timeout killed it. */
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

// One queue per binary: ipvsadm/ip/sysctl calls on one host must not interleave (a batch and a single
// edit racing would make read-back and diff meaningless), while different binaries may run side by side.
const queues = new Map<string, Promise<unknown>>();

// Commands run with a fixed, minimal environment. Typed through unknown because Next's type
// declarations make NODE_ENV a required key of ProcessEnv when the web app type-checks this file.
const COMMAND_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } as unknown as NodeJS.ProcessEnv;

/** Runs a command without a shell, one at a time per binary, with a timeout and a structured error. */
export function runCommand(command: Command, options: RunOptions = {}): Promise<CommandResult> {
  const argv = [command.file, ...command.args];
  if (!isAbsolute(command.file)) {
    return Promise.reject(new CommandError(`Refusing a relative binary path: ${command.file}`, argv, null, null, '', 0, false));
  }
  for (const a of command.args) {
    if (a.includes('\0')) return Promise.reject(new CommandError('Refusing an argument with a NUL byte', argv, null, null, '', 0, false));
  }
  const previous = queues.get(command.file) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => execOnce(command, argv, options));
  const tail = run.catch(() => undefined);
  queues.set(command.file, tail);
  void tail.then(() => {
    if (queues.get(command.file) === tail) queues.delete(command.file);
  });
  return run;
}

function execOnce(command: Command, argv: string[], options: RunOptions): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const stdin = options.stdin ?? command.stdin;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const child = execFile(
      command.file,
      command.args,
      { shell: false, encoding: 'utf8', maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, env: COMMAND_ENV },
      (error, stdout, stderr) => {
        clearTimeout(timer);
        const durationMs = performance.now() - started;
        if (!error) return resolve({ stdout, stderr, durationMs });
        const err = error as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
        const exitCode = typeof err.code === 'number' ? err.code : child.exitCode;
        const signal = err.signal ?? child.signalCode ?? null;
        const why = timedOut
          ? `timed out after ${timeoutMs} ms`
          : typeof err.code === 'string'
            ? `could not start (${err.code})`
            : signal
              ? `killed by ${signal}`
              : `exited with ${exitCode}`;
        reject(new CommandError(`${command.file} ${why}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`, argv, exitCode ?? null, signal, stderr ?? '', durationMs, timedOut));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdin?.on('error', () => undefined); // EPIPE when the binary exits before reading all input
    child.stdin?.end(stdin ?? '');
  });
}
