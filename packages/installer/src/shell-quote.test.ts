import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '@fulcrum/lvs/commands/bad-input-corpus';
import { quoteShellArgument, shellCommandLine, UnquotableArgumentError } from './shell-quote';

/** What a real /bin/sh makes of a command line: the argv printf receives, NUL-separated. */
function argvSeenByShell(commandLine: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellCommandLine', () => {
  it('quotes every element so a real shell sees exactly the argv (injection corpus)', () => {
    const corpus = BAD_STRINGS.filter((s) => !s.includes('\0'));
    expect(argvSeenByShell(shellCommandLine(corpus))).toEqual(corpus);
    expect(argvSeenByShell(shellCommandLine(["it's", "'", "''", '\\', '$HOME', '*', '~', '\n', '-e']))).toEqual(["it's", "'", "''", '\\', '$HOME', '*', '~', '\n', '-e']);
  });

  it('round-trips any string without NUL through /bin/sh (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 5 }), (argv) => {
        expect(argvSeenByShell(shellCommandLine(argv))).toEqual(argv);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses NUL and an empty command instead of passing something else', () => {
    expect(() => quoteShellArgument('a\0b', 3)).toThrow(UnquotableArgumentError);
    expect(() => shellCommandLine(['echo', 'x\0'])).toThrow(/argument 1 contains a NUL/);
    expect(() => shellCommandLine([])).toThrow(/at least the program/);
  });

  it('never runs an embedded command', () => {
    const marker = `/tmp/fulcrum-quote-${process.pid}`;
    argvSeenByShell(shellCommandLine([`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`]));
    expect(() => execFileSync('/usr/bin/test', ['-e', marker])).toThrow();
  });
});
