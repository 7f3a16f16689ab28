import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from './agent-config';

const TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

/**
 * Reads the node token from a file only root can read: refuses a file that is group/world accessible,
 * not a regular file, or owned by another user, because anyone who reads it can impersonate the node.
 */
export function readTokenFile(path: string, options: { uid?: number } = {}): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`Token file ${path} cannot be opened (${code ?? 'error'}): create it with the node's enrollment token, mode 0600`);
  }
  try {
    // fstat on the opened descriptor: the checked file is the one read (no swap between check and read)
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`Token file ${path} is not a regular file`);
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new ConfigError(`Token file ${path} is readable or writable by group/others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${path}`);
    const uid = options.uid ?? process.getuid?.() ?? 0;
    if (stat.uid !== uid) throw new ConfigError(`Token file ${path} is owned by uid ${stat.uid}, not by the agent's uid ${uid}: run chown root:root ${path}`);
    if (stat.size > 4096) throw new ConfigError(`Token file ${path} is too large to be a token`);
    const buffer = Buffer.alloc(stat.size);
    readSync(fd, buffer, 0, stat.size, 0);
    const token = buffer.toString('utf8').trim();
    if (!TOKEN.test(token)) throw new ConfigError(`Token file ${path} does not hold a token (20–200 characters of A–Z a–z 0–9 _ -)`);
    return token;
  } finally {
    closeSync(fd);
  }
}
