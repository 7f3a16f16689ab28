import { ApiError, ConnectionError } from './api-client';
import { parseCommandLine, type Env } from './args';
import { CliError, EXIT } from './cli-error';
import { runAgentCommand } from './commands/agent';
import { runHostKeyCommand } from './commands/host-key';
import { flagOfField } from './input-fields';
import { printable, type Io } from './terminal';

// One run of the CLI: parse, dispatch, and turn every way of stopping into an exit code and a
// message. main.ts wires it to the process; tests call it with their own streams.

type Report = { exitCode: number; code: string; message: string; lines: string[]; details?: Record<string, unknown> };

function reportOf(error: unknown): Report {
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, code: error.options.code ?? 'ERROR', message: error.message, lines: error.options.lines ?? [], details: error.options.details };
  }
  if (error instanceof ApiError) {
    // Field errors are the server's per-input messages: each is shown against the flag to change.
    const fields = Object.entries(error.fieldErrors ?? {}).flatMap(([field, messages]) => messages.map((m) => ({ flag: flagOfField(field), message: m })));
    // The server's message is the first field message: with one field, one line says it all.
    const isOneField = fields.length === 1 && fields[0]!.message === error.message;
    const message = isOneField ? `${fields[0]!.flag}: ${error.message}` : error.message;
    const lines = isOneField ? [] : fields.map((f) => `${f.flag}: ${f.message}`);
    return {
      // Invalid input only when the server names a field: a host-key scan's "connection refused"
      // also arrives as VALIDATION, and that is a failure, not a typo.
      exitCode: error.appCode === 'VALIDATION' && fields.length > 0 ? EXIT.USAGE : EXIT.FAILED,
      code: error.appCode ?? error.code,
      message,
      lines,
      details: { status: error.status, procedure: error.procedure, ...(error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}) },
    };
  }
  if (error instanceof ConnectionError) return { exitCode: error.interrupted ? EXIT.INTERRUPTED : EXIT.FAILED, code: error.interrupted ? 'INTERRUPTED' : 'UNREACHABLE', message: error.message, lines: [] };
  return { exitCode: EXIT.FAILED, code: 'INTERNAL', message: `unexpected error: ${(error as Error)?.message ?? String(error)}`, lines: [] };
}

/** Runs the CLI once; resolves with the exit code. */
export async function runCli(options: { argv: readonly string[]; env: Env; io: Io; signal?: AbortSignal }): Promise<number> {
  const { io, env, signal } = options;
  // Known before parsing succeeds, so that even an argument error is answered in JSON.
  const terminator = options.argv.indexOf('--');
  let isJson = (terminator === -1 ? options.argv : options.argv.slice(0, terminator)).includes('--json');
  try {
    const command = parseCommandLine(options.argv, env);
    if (command.command === 'help') {
      io.stdout.write(command.text);
      return EXIT.OK;
    }
    isJson = command.common.json;
    if (command.command === 'host-key') return await runHostKeyCommand(command, { io, env, signal });
    return await runAgentCommand(command, { io, env, signal });
  } catch (error) {
    const report = reportOf(error);
    io.stderr.write(`fulcrum: ${printable(report.message)}\n`);
    for (const line of report.lines) io.stderr.write(`  ${printable(line)}\n`);
    if (isJson) io.stdout.write(`${JSON.stringify({ error: { code: report.code, exitCode: report.exitCode, message: report.message, ...(report.lines.length ? { lines: report.lines } : {}), ...report.details } }, null, 2)}\n`);
    return report.exitCode;
  }
}
