// Test helpers: drive one lab host's real IPVS table the way the agent will (read → diff → plan → run → read
// back). Used by *.lab.test.ts only; nothing here runs in production.
import type { ExecResult } from '@fulcrum/lab/control-client';
import type { Lab } from '@fulcrum/lab/lab';
import { Ipvsadm } from '../commands/ipvsadm';
import type { Command } from '../commands/run-command';
import { diffIpvsTables } from '../diff/diff-ipvs-tables';
import type { IpvsOperation } from '../diff/operations';
import { planIpvsCommands } from '../diff/plan-ipvs-commands';
import type { IpvsTable } from '../model/ipvs';
import { mergeThresholds, parseIpvsadmList } from '../parse/parse-ipvsadm-list';
import { parseIpvsadmSave } from '../parse/parse-ipvsadm-save';

/** ipvsadm at its host path: the guest runs the host's root filesystem. */
export const labIpvsadm = new Ipvsadm('/usr/sbin/ipvsadm');

/** Runs one planned Command in a lab host (argv, stdin for -R), never through a shell. */
export function runLabCommand(lab: Lab, host: string, command: Command, timeoutMs = 60_000): Promise<ExecResult> {
  return lab.exec(host, [command.file, ...command.args], { stdin: command.stdin, timeoutMs });
}

/** The host's actual table: `ipvsadm -S -n` merged with the -x/-y of `ipvsadm -L -n --exact --thresholds`. */
export async function readLabIpvsTable(lab: Lab, host: string): Promise<IpvsTable> {
  const [save, thresholds] = await Promise.all([runOk(lab, host, labIpvsadm.save()), runOk(lab, host, labIpvsadm.list({ thresholds: true }))]);
  return mergeThresholds(parseIpvsadmSave(save), parseIpvsadmList(thresholds));
}

/** What one convergence step did. */
export interface ConvergeReport {
  operations: IpvsOperation[];
  commands: Command[];
  results: ExecResult[];
  /** 'batch' when the plan was one ipvsadm -R, 'single' for one call per operation, 'none' when nothing differed. */
  path: 'batch' | 'single' | 'none';
  readBack: IpvsTable;
}

/**
 * Reads the host's table, diffs it against `desired`, plans and runs the commands, and reads back.
 * Throws on the first failing command (a batch's exit code is only its last line's: callers compare the read-back).
 */
export async function convergeLabIpvs(lab: Lab, host: string, desired: IpvsTable, options: { batchThreshold?: number } = {}): Promise<ConvergeReport> {
  const actual = await readLabIpvsTable(lab, host);
  const operations = diffIpvsTables(actual, desired);
  const commands = planIpvsCommands(labIpvsadm, operations, options);
  const results: ExecResult[] = [];
  for (const command of commands) {
    const result = await runLabCommand(lab, host, command);
    results.push(result);
    if (result.exitCode !== 0 || result.timedOut)
      throw new Error(`[${host}] ${[command.file, ...command.args].join(' ')} → exit ${result.exitCode}: ${result.stderr.trim().slice(-400)}`);
  }
  const path = commands.length === 0 ? 'none' : commands.length === 1 && commands[0]?.args[0] === '-R' ? 'batch' : 'single';
  return { operations, commands, results, path, readBack: await readLabIpvsTable(lab, host) };
}

async function runOk(lab: Lab, host: string, command: Command): Promise<string> {
  return lab.execOk(host, [command.file, ...command.args], { timeoutMs: 60_000 });
}
