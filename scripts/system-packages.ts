// Debian packages the test suite needs, installed only when missing (CI starts from a bare machine).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages for the browser tests; the lab's own list lives in packages/lab/src/prerequisites.ts. */
export const BROWSER_PACKAGES = [{ name: 'chromium', provides: '/usr/bin/chromium' }] as const;

/** Installs the Debian packages whose file is missing; explains in one line when it cannot. */
export async function ensureDebianPackages(packages: ReadonlyArray<{ name: string; provides: string }>, log: (line: string) => void): Promise<void> {
  const missing = packages.filter((p) => !existsSync(p.provides));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`missing ${names.join(', ')} and this is not a Debian machine with apt-get: install them by hand`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${names.join(', ')}: run the tests as root once (or: sudo apt-get install -y ${names.join(' ')})`);
  }
  log(`installing ${names.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('/usr/bin/apt-get', ['update', '-q'], { env, maxBuffer: 64 * 1024 * 1024 });
  await run('/usr/bin/apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { env, maxBuffer: 64 * 1024 * 1024 });
}
