// Every way the CLI stops early is a CliError carrying its exit code, so scripts can tell "you typed
// something wrong" (2) from "the host key needs a human" (3) from "it ran and failed" (1).

/** The exit codes, as documented in README.md. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  HOST_KEY: 3,
  INTERRUPTED: 130,
} as const;

/** A stop with an exit code; `lines` are printed after the message (indented details, what to do next). */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly options: { code?: string; lines?: string[]; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad input: refused before any network call whenever the CLI can tell on its own (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, options: { lines?: string[] } = {}) {
    super(EXIT.USAGE, message, { code: 'USAGE', ...options });
    this.name = 'UsageError';
  }
}
