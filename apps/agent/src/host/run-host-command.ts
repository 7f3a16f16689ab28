import { CommandError, runCommand, type Command, type CommandResult } from '@fulcrum/lvs/commands/run-command';
import { HostCommandError } from './host';

/** runCommand, with failures turned into HostCommandError (argv + first stderr line) for error reports. */
export async function runHostCommand(command: Command, timeoutMs = 30_000): Promise<CommandResult> {
  try {
    return await runCommand(command, { timeoutMs });
  } catch (e) {
    if (e instanceof CommandError) throw new HostCommandError(e.message, e.argv);
    throw new HostCommandError((e as Error).message, [command.file, ...command.args]);
  }
}
