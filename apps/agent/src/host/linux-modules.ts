import { access } from 'node:fs/promises';
import { Modprobe } from '@fulcrum/lvs/commands/modprobe';
import type { ModuleHost } from './host';
import { runHostCommand } from './run-host-command';

/** Kernel modules through modprobe(8); /sys/module tells loaded and built-in ones apart from missing ones without a fork. */
export class LinuxModuleHost implements ModuleHost {
  private readonly modprobe: Modprobe;
  private readonly present = new Set<string>();
  constructor(modprobePath: string) {
    this.modprobe = new Modprobe(modprobePath);
  }

  async ensure(name: string): Promise<void> {
    const command = this.modprobe.load(name); // validates the name against the allowlist first
    if (this.present.has(name)) return;
    if (await exists(`/sys/module/${name}`)) {
      this.present.add(name);
      return;
    }
    await runHostCommand(command);
    this.present.add(name);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
