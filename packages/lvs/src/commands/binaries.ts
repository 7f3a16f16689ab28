import { z } from 'zod';
import { validate } from '../model/errors';

/** An absolute path to an executable: no shell metacharacters, no relative segments. */
export const BinaryPath = z
  .string()
  .max(255)
  .regex(/^\/(?:[A-Za-z0-9_.+-]+\/)*[A-Za-z0-9_.+-]+$/, 'Binary path must be absolute and plain')
  .refine((p) => !p.split('/').includes('..'), { error: 'Binary path must not contain ".."' });

/** Where each host binary lives (Debian 12 defaults; overridable per host). */
export const BinaryPaths = z.object({
  ipvsadm: BinaryPath.default('/usr/sbin/ipvsadm'),
  ip: BinaryPath.default('/usr/sbin/ip'),
  sysctl: BinaryPath.default('/usr/sbin/sysctl'),
  modprobe: BinaryPath.default('/usr/sbin/modprobe'),
  keepalived: BinaryPath.default('/usr/sbin/keepalived'),
});
export type BinaryPaths = z.infer<typeof BinaryPaths>;

/** Binary paths with defaults filled in and every override validated. */
export function resolveBinaryPaths(overrides: Partial<BinaryPaths> = {}): BinaryPaths {
  return validate(BinaryPaths, overrides, 'binary paths');
}
