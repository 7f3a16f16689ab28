import { z } from 'zod';
import { validate } from '../model/errors';
import { BinaryPath } from './binaries';
import type { Command } from './run-command';

/** An absolute file path for keepalived's config or pid files: plain characters only. */
export const ConfigPath = z
  .string()
  .max(255)
  .regex(/^\/(?:[A-Za-z0-9_.+-]+\/)*[A-Za-z0-9_.+-]+$/, 'Path must be absolute and plain')
  .refine((p) => !p.split('/').includes('..'), { error: 'Path must not contain ".."' });

/** argv builder for keepalived; reloads are SIGHUP to its pid, not a command. */
export class Keepalived {
  /** Absolute path of keepalived. */
  readonly file: string;
  constructor(file = '/usr/sbin/keepalived') {
    this.file = validate(BinaryPath, file, 'keepalived path');
  }
  /** `keepalived -t -f FILE`: config test; exit 0 when the file is usable (works without IPVS in the kernel). */
  configTest(configPath: string): Command {
    return { file: this.file, args: ['--config-test', '--use-file', validate(ConfigPath, configPath, 'config path')] };
  }
  /** keepalived in the foreground, VRRP only (the agent owns IPVS), logging to the console for the supervisor. */
  runVrrp(options: { configPath: string; pidFile: string; vrrpPidFile: string }): Command {
    return {
      file: this.file,
      args: [
        '--vrrp',
        '--dont-fork',
        '--log-console',
        '--log-detail',
        '--use-file',
        validate(ConfigPath, options.configPath, 'config path'),
        '--pid',
        validate(ConfigPath, options.pidFile, 'pid file'),
        '--vrrp_pid',
        validate(ConfigPath, options.vrrpPidFile, 'pid file'),
      ],
    };
  }
}
