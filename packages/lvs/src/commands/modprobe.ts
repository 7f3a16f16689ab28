import { z } from 'zod';
import { validate } from '../model/errors';
import { SCHEDULERS } from '../model/primitives';
import { BinaryPath } from './binaries';
import type { Command } from './run-command';

/** The kernel modules Fulcrum may load: IPVS, its schedulers, IP-in-IP for TUN real servers, conntrack. */
export const KERNEL_MODULES = ['ip_vs', ...SCHEDULERS.map((s) => `ip_vs_${s}` as const), 'ipip', 'nf_conntrack'] as const;
/** An allowed kernel module name. */
export const KernelModule = z.enum(KERNEL_MODULES as unknown as [string, ...string[]], { error: () => 'Not a module Fulcrum loads' });

/** argv builder for modprobe(8). */
export class Modprobe {
  /** Absolute path of modprobe. */
  readonly file: string;
  constructor(file = '/usr/sbin/modprobe') {
    this.file = validate(BinaryPath, file, 'modprobe path');
  }
  /** `modprobe -- name` (the "--" is belt and braces: names are from an allowlist). */
  load(module: string): Command {
    return { file: this.file, args: ['--', validate(KernelModule, module, 'kernel module')] };
  }
}
