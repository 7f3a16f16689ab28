import { labUnavailableReason } from './prerequisites';

/**
 * Decides whether lab tests run here. In CI (`CI` set) an unusable machine is an error, so the test
 * file FAILS with the one-line reason; locally the tests are skipped and the reason is printed.
 * Usage: `const gate = labGate(); describe.skipIf(gate.skip)(...)`.
 */
export function labGate(): { skip: boolean; reason: string | null } {
  const reason = labUnavailableReason();
  if (reason === null) return { skip: false, reason: null };
  if (process.env.CI) throw new Error(`lab tests cannot run: ${reason}`);
  process.stderr.write(`SKIPPING lab tests: ${reason}\n`);
  return { skip: true, reason };
}
