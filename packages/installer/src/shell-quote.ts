// The ONE place a remote command line is built. SSH has no argv: the server hands one string to the
// login user's shell (`$SHELL -c`). Every remote command is therefore an argv array of validated
// values, and this function quotes each element so that the shell sees exactly that array.

/** Refused before quoting: no POSIX shell can carry a NUL inside an argument. */
export class UnquotableArgumentError extends Error {
  constructor(index: number) {
    super(`argument ${index} contains a NUL character and cannot be passed to a remote shell`);
    this.name = 'UnquotableArgumentError';
  }
}

/**
 * One argument for a POSIX shell: wrapped in single quotes, inside which nothing is special; a
 * single quote itself is closed, escaped and reopened ('\''). Works in sh, dash, bash, zsh and ksh.
 */
export function quoteShellArgument(argument: string, index = 0): string {
  if (argument.includes('\0')) throw new UnquotableArgumentError(index);
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** A whole command line from an argv array: each element quoted, joined by spaces. */
export function shellCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a remote command needs at least the program');
  return argv.map((argument, index) => quoteShellArgument(argument, index)).join(' ');
}
