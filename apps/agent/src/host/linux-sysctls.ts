import { Sysctl, type SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import { HostCommandError, type SysctlHost } from './host';
import { runHostCommand } from './run-host-command';

/** Kernel parameters through sysctl(8). */
export class LinuxSysctlHost implements SysctlHost {
  private readonly sysctl: Sysctl;
  constructor(sysctlPath: string) {
    this.sysctl = new Sysctl(sysctlPath);
  }

  async read(key: string): Promise<number | null> {
    try {
      const text = (await runHostCommand(this.sysctl.read(key))).stdout.trim();
      return /^-?\d+$/.test(text) ? Number(text) : null;
    } catch (e) {
      // sysctl exits non-zero for a key this kernel does not have (e.g. a device not created yet)
      if (e instanceof HostCommandError && /cannot stat|No such file/i.test(e.message)) return null;
      throw e;
    }
  }

  async write(setting: SysctlSetting): Promise<void> {
    await runHostCommand(this.sysctl.set(setting));
  }
}
