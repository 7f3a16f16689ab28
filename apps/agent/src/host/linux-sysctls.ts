import { readFile } from 'node:fs/promises';
import { Sysctl, SysctlKey, type SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import { validate } from '@fulcrum/lvs/model/errors';
import type { SysctlHost } from './host';
import { runHostCommand } from './run-host-command';

/** /proc/sys path of a validated key, the way sysctl(8) maps it ("." separates, "/" stands for a "." in a device name). */
export function sysctlProcPath(key: string): string {
  const valid = validate(SysctlKey, key, 'sysctl key');
  return `/proc/sys/${valid.split('.').map((part) => part.replaceAll('/', '.')).join('/')}`;
}

/**
 * Kernel parameters: written with `sysctl -w` (argv from @fulcrum/lvs), read from /proc/sys in-process —
 * exactly what `sysctl -n` prints, without a process per key (real servers re-read six keys every
 * reconcile; in the lab a process start costs 20–90 ms of a shared vCPU).
 */
export class LinuxSysctlHost implements SysctlHost {
  private readonly sysctl: Sysctl;
  constructor(sysctlPath: string) {
    this.sysctl = new Sysctl(sysctlPath);
  }

  async read(key: string): Promise<number | null> {
    try {
      const text = (await readFile(sysctlProcPath(key), 'utf8')).trim();
      return /^-?\d+$/.test(text) ? Number(text) : null;
    } catch (e) {
      // a key this kernel does not have (e.g. a device not created yet)
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(setting: SysctlSetting): Promise<void> {
    await runHostCommand(this.sysctl.set(setting));
  }
}
