import { z } from 'zod';
import { validate } from '../model/errors';
import { BinaryPath } from './binaries';
import type { Command } from './run-command';

/**
 * A sysctl key under net.ipv4 / net.ipv6 (all Fulcrum touches): dotted segments of letters, digits, "_" and "-";
 * an interface name with a dot is written with "/" as sysctl(8) expects (net.ipv4.conf.eth0/10.rp_filter).
 */
export const SysctlKey = z
  .string()
  .max(128)
  .regex(/^net\.ipv[46](\.[A-Za-z0-9_/-]+){1,4}$/, 'Sysctl key must be net.ipv4.… or net.ipv6.… made of letters, digits, "_", "-", "/"');

/** A sysctl value: Fulcrum only writes small integers. */
export const SysctlValue = z.number().int().min(-1).max(2147483647);

/** One sysctl setting. */
export const SysctlSetting = z.object({ key: SysctlKey, value: SysctlValue });
export type SysctlSetting = z.infer<typeof SysctlSetting>;

/** argv builder for sysctl(8). */
export class Sysctl {
  /** Absolute path of sysctl. */
  readonly file: string;
  constructor(file = '/usr/sbin/sysctl') {
    this.file = validate(BinaryPath, file, 'sysctl path');
  }
  /** `sysctl -w key=value`. */
  set(setting: SysctlSetting): Command {
    const s = validate(SysctlSetting, setting, 'sysctl setting');
    return { file: this.file, args: ['-w', `${s.key}=${s.value}`] };
  }
  /** `sysctl -n key`: prints just the value. */
  read(key: string): Command {
    return { file: this.file, args: ['-n', validate(SysctlKey, key, 'sysctl key')] };
  }
}
