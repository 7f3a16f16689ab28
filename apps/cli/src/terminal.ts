import { createInterface } from 'node:readline';
import { CliError, EXIT } from './cli-error';

// What reaches the operator's terminal. Step details carry text from the remote host (stderr of a
// failed command) and messages may echo what was typed: control characters in either could move the
// cursor, recolour or retitle the terminal, so they are shown escaped, never sent as they are.

/** `text` with control characters escaped (\n, \x1b, ...), safe to print on one line. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** A value the user typed, quoted (unless `bare`), escaped and cut to 60 characters for an error message. */
export function quoteForMessage(value: string, options: { bare?: boolean } = {}): string {
  const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return options.bare ? printable(cut) : `"${printable(cut)}"`;
}

/** Where the CLI reads and writes; process.std* in main.ts, collectors in tests. */
export type Io = {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
};

/** True when a person can answer a prompt. */
export function canPrompt(io: Io): boolean {
  return io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
}

/**
 * Reads a line without echoing it (a password). The prompt goes to stderr so stdout stays clean for
 * --json. Ctrl-C stops the CLI (exit 130) rather than leaving the terminal in raw mode.
 */
export function promptHidden(io: Io, question: string): Promise<string> {
  const stdin = io.stdin;
  if (!canPrompt(io)) throw new Error('promptHidden needs a terminal');
  io.stderr.write(question);
  stdin.setRawMode!(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise<string>((resolve, reject) => {
    let answer = '';
    const finish = (error: Error | null) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string | Buffer) => {
      for (const c of String(chunk)) {
        if (c === '\r' || c === '\n') return finish(null);
        if (c === '\u0003') return finish(new CliError(EXIT.INTERRUPTED, 'Interrupted'));
        if (c === '\u0004') {
          if (answer === '') return finish(new CliError(EXIT.INTERRUPTED, 'Interrupted (end of input)'));
          continue;
        }
        if (c === '\u007f' || c === '\b') answer = [...answer].slice(0, -1).join('');
        else if (c >= ' ') answer += c;
      }
    };
    stdin.on('data', onData);
  });
}

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
export async function promptYesNo(io: Io, question: string): Promise<boolean> {
  if (!canPrompt(io)) throw new Error('promptYesNo needs a terminal');
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new CliError(EXIT.INTERRUPTED, 'Interrupted')));
      rl.once('close', () => resolve(''));
      rl.question(question, resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    io.stdin.pause();
  }
}
