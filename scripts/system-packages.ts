// Debian packages the test suite needs, installed only when missing (CI starts from a bare machine).
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages for the browser tests; the lab's own list lives in packages/lab/src/prerequisites.ts. */
export const BROWSER_PACKAGES = [{ name: 'chromium', provides: '/usr/bin/chromium' }] as const;

/** Packages for the SSH test host (packages/lab/src/ssh-host): a real sshd, sudo, and password hashing. */
export const SSH_TEST_PACKAGES = [
  { name: 'openssh-server', provides: '/usr/sbin/sshd' },
  { name: 'sudo', provides: '/usr/bin/sudo' },
  { name: 'openssl', provides: '/usr/bin/openssl' },
] as const;

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

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
  // Exit 101 tells invoke-rc.d "do not start services": openssh-server's postinst would otherwise
  // start a system sshd on port 22 of the test machine. An existing policy is the admin's; keep it.
  const ownsPolicy = !existsSync(POLICY_RC_D);
  if (ownsPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# npm test: no service starts while it installs packages\nexit 101\n', { mode: 0o755 });
  try {
    await run('/usr/bin/apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { env, maxBuffer: 64 * 1024 * 1024 });
  } finally {
    if (ownsPolicy) rmSync(POLICY_RC_D, { force: true });
  }
}
