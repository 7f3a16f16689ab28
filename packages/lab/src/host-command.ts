import { execFile } from 'node:child_process';

/** Absolute paths of every host binary the lab runs (never resolved through PATH). */
export const HOST_BINARIES = {
  ip: '/usr/sbin/ip',
  aptGet: '/usr/bin/apt-get',
  dpkgQuery: '/usr/bin/dpkg-query',
} as const;

/** Result of a host command. */
export interface HostCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A host command that failed; carries argv, exit code and stderr for the test report. */
export class HostCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'HostCommandError';
  }
}

/** Runs a host binary with an argv array (no shell); rejects on non-zero exit unless allowFailure. */
export function runHostCommand(
  file: string,
  args: string[],
  options: { timeoutMs?: number; allowFailure?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<HostCommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env, cwd: options.cwd, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const rawCode = error ? (error as NodeJS.ErrnoException & { code?: number | string }).code : 0;
        const exitCode = typeof rawCode === 'number' ? rawCode : error ? -1 : 0;
        if (error && !options.allowFailure) {
          reject(new HostCommandError([file, ...args], rawCode ?? error.message, `${stderr}${error.message}`));
          return;
        }
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
}
