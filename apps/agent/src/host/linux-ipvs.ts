import { readFile } from 'node:fs/promises';
import { Ipvsadm } from '@fulcrum/lvs/commands/ipvsadm';
import type { IpvsOperation } from '@fulcrum/lvs/diff/operations';
import { planIpvsCommands } from '@fulcrum/lvs/diff/plan-ipvs-commands';
import type { IpvsTable } from '@fulcrum/lvs/model/ipvs';
import { parseIpvsadmDaemons, type SyncDaemon } from '@fulcrum/lvs/parse/parse-ipvsadm-daemon';
import { mergeThresholds, parseIpvsadmList } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import { parseIpvsadmSave } from '@fulcrum/lvs/parse/parse-ipvsadm-save';
import { HostCommandError, type HostFailure, type IpvsApplyResult, type IpvsHost } from './host';
import { runHostCommand } from './run-host-command';

/** IPVS through ipvsadm (argv from @fulcrum/lvs) and /proc/net/ip_vs*. */
export class LinuxIpvsHost implements IpvsHost {
  private readonly ipvsadm: Ipvsadm;
  constructor(ipvsadmPath: string) {
    this.ipvsadm = new Ipvsadm(ipvsadmPath);
  }

  async readTable(options: { thresholds?: boolean } = {}): Promise<IpvsTable> {
    // -S does not save -x/-y: the thresholds listing fills them in (lvs README)
    const saved = await runHostCommand(this.ipvsadm.save());
    if (options.thresholds === false) return parseIpvsadmSave(saved.stdout);
    const thresholds = await runHostCommand(this.ipvsadm.list({ thresholds: true }));
    return mergeThresholds(parseIpvsadmSave(saved.stdout), parseIpvsadmList(thresholds.stdout));
  }

  async apply(operations: readonly IpvsOperation[], options: { batchThreshold: number }): Promise<IpvsApplyResult> {
    const commands = planIpvsCommands(this.ipvsadm, operations, { batchThreshold: options.batchThreshold });
    const failures = new Map<number, HostFailure>();
    if (commands.length === 0) return { mode: 'none', failures, batchFailure: null };
    const batch = commands.length === 1 && commands[0]?.stdin !== undefined;
    if (batch) {
      try {
        await runHostCommand(commands[0]!, 300_000);
        return { mode: 'batch', failures, batchFailure: null };
      } catch (e) {
        const err = e as HostCommandError;
        return { mode: 'batch', failures, batchFailure: { message: err.message, argv: err.argv } };
      }
    }
    for (const [index, command] of commands.entries()) {
      try {
        await runHostCommand(command);
      } catch (e) {
        const err = e as HostCommandError;
        failures.set(index, { message: err.message, argv: err.argv });
      }
    }
    return { mode: 'single', failures, batchFailure: null };
  }

  argvOf(operation: IpvsOperation): string[] {
    const command = this.ipvsadm.apply(operation);
    return [command.file, ...command.args];
  }

  readProcTable(): Promise<string> {
    return readFile('/proc/net/ip_vs', 'utf8');
  }

  async readStatsListing(): Promise<string> {
    return (await runHostCommand(this.ipvsadm.list({ stats: true }))).stdout;
  }

  readConnections(): Promise<string> {
    return readFile('/proc/net/ip_vs_conn', 'utf8');
  }

  async readListing(): Promise<string> {
    const command = this.ipvsadm.list();
    // the UI's kernel view is the familiar "ipvsadm -Ln": without --exact
    return (await runHostCommand({ ...command, args: command.args.filter((a) => a !== '--exact') })).stdout;
  }

  async readSyncDaemons(): Promise<SyncDaemon[]> {
    return parseIpvsadmDaemons((await runHostCommand(this.ipvsadm.listDaemons())).stdout);
  }
}
