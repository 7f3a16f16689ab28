import { sshTestHostUnavailableReason } from './ssh-test-host';

/**
 * Whether tests that need the SSH test host run here. In CI (`CI` set) an unusable machine is an
 * error: the test file FAILS with the one-line reason; locally the tests are skipped with it printed.
 */
export function sshHostGate(): { skip: boolean; reason: string | null } {
  const reason = sshTestHostUnavailableReason();
  if (reason === null) return { skip: false, reason: null };
  if (process.env.CI) throw new Error(`SSH test host tests cannot run: ${reason}`);
  process.stderr.write(`SKIPPING SSH test host tests: ${reason}\n`);
  return { skip: true, reason };
}
