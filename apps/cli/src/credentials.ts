import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { SshAuth } from '@fulcrum/installer/install-target';
import type { AuthSource, Env } from './args';
import { UsageError } from './cli-error';
import { canPrompt, promptHidden, quoteForMessage, type Io } from './terminal';

// Secrets are read here, locally and before any network call, so a missing file or variable is an
// argument error (exit 2) rather than a failed operation. None of them is ever printed: messages
// name the flag, the file path or the variable, never the content.

const KEY_FILE_MAX = 16 * 1024;

/** Which flag each SshAuth field came from, to name it in a validation message. */
const AUTH_FIELD_FLAG: Record<string, string> = { privateKey: '--key-file', passphrase: '--passphrase-env', password: '--password-env' };

function readSecretEnv(env: Env, name: string, flag: string, what: string): string {
  const value = env[name];
  // The name is not echoed either: it is what was typed after the flag, and that may be the secret.
  if (value === undefined || value === '') throw new UsageError(`${flag}: the environment variable it names is not set or empty (it should hold ${what}; export it first)`);
  return value;
}

/**
 * Reads at most 16 KB + 1 of the key file through one descriptor (no stat-then-read race), so a
 * wrong path to a large file is refused without loading it.
 */
function readKeyFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message);
    throw new UsageError(`--key-file: cannot read ${quoteForMessage(path)}: ${why}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`--key-file: ${quoteForMessage(path)} is not a regular file`);
    const buffer = Buffer.alloc(KEY_FILE_MAX + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > KEY_FILE_MAX) throw new UsageError(`--key-file: ${quoteForMessage(path)} is larger than 16 KB, too large for a private key (is it the right file?)`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--key-file: cannot read ${quoteForMessage(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** The SSH credentials for one operation, validated with the installer's own schema. */
export function readSshAuth(source: AuthSource, env: Env): SshAuth {
  const candidate =
    source.method === 'key'
      ? {
          method: 'key' as const,
          privateKey: readKeyFile(source.keyFile),
          ...(source.passphraseEnv !== undefined ? { passphrase: readSecretEnv(env, source.passphraseEnv, '--passphrase-env', "the private key's passphrase") } : {}),
        }
      : { method: 'password' as const, password: readSecretEnv(env, source.passwordEnv, '--password-env', 'the SSH password') };
  const result = SshAuth.safeParse(candidate);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  throw new UsageError(`${AUTH_FIELD_FLAG[field] ?? '--key-file'}: ${issue.message}`);
}

/** Fulcrum's password for `login`: FULCRUM_PASSWORD, else asked for on the terminal, else an argument error. */
export async function resolveLoginPassword(env: Env, io: Io, login: string): Promise<string> {
  const fromEnv = env.FULCRUM_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!canPrompt(io)) throw new UsageError(`FULCRUM_PASSWORD is not set and stdin is not a terminal to ask for the password of ${quoteForMessage(login)}: set FULCRUM_PASSWORD`);
  const password = await promptHidden(io, `Fulcrum password for ${login}: `);
  if (password === '') throw new UsageError('no password given');
  return password;
}
