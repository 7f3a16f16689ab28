// `npm test`: every test, the way CI runs it, on a fresh machine.
//   prerequisites  Debian packages for the browser and the lab (installed when missing)
//   checks         schema.prisma agrees with the committed migrations; TypeScript compiles
//   unit           pure code                          (vitest project "unit")
//   integration    a real Postgres                    (vitest project "integration")
//   lab            a real IPVS kernel in a UML lab    (vitest project "lab")
//   e2e            the built product in Chromium      (Playwright)
// `npm test -- unit integration` runs only the named phases. The last line is the total:
// "N passed, N failed".
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLabPrerequisites } from '@fulcrum/lab/prerequisites';
import { BROWSER_PACKAGES, SSH_TEST_PACKAGES, ensureDebianPackages } from './system-packages';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PHASES = ['prerequisites', 'checks', 'unit', 'integration', 'lab', 'e2e'] as const;
type Phase = (typeof PHASES)[number];

// Where the phases run: the checkout itself, or (lab and e2e from a checkout under /tmp) a bind mount of it.
let runRoot = repoRoot;
const bin = (name: string) => path.join(runRoot, 'node_modules/.bin', name);

/**
 * The lab's guest mounts its own /tmp, so it cannot see a checkout under /tmp (where a CI may clone).
 * As root, such a checkout is bind-mounted under /var/lib/fulcrum/checkouts for the phases that boot
 * the lab; the returned function unmounts it.
 */
function useLabVisibleRoot(): () => void {
  if (repoRoot !== '/tmp' && !repoRoot.startsWith('/tmp/')) return () => undefined;
  if (process.getuid?.() !== 0) return () => undefined;
  const target = path.join('/var/lib/fulcrum/checkouts', createHash('sha256').update(repoRoot).digest('hex').slice(0, 12));
  mkdirSync(target, { recursive: true });
  try {
    execFileSync('/usr/bin/umount', ['-l', target], { stdio: 'ignore' });
  } catch {
    // Nothing was mounted there: the usual case.
  }
  execFileSync('/usr/bin/mount', ['--bind', repoRoot, target]);
  console.log(`the lab cannot see ${repoRoot} (under /tmp): running from a bind mount at ${target}`);
  runRoot = target;
  return () => {
    runRoot = repoRoot;
    execFileSync('/usr/bin/umount', ['-l', target]);
  };
}
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.CI ? '0' : '1' };

function log(line: string): void {
  console.log(`\n== ${line}`);
}

function runCommand(file: string, args: string[], cwd = runRoot): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (error) => {
      console.error(`cannot run ${file}: ${error.message}`);
      resolve(1);
    });
  });
}

type Tally = { passed: number; failed: number; skipped: number };

/** Runs one vitest project and reads its counts from the JSON report. */
async function runVitest(project: string): Promise<Tally & { exitCode: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-vitest-'));
  const report = path.join(dir, 'report.json');
  const exitCode = await runCommand(bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    return { passed: json.numPassedTests, failed: json.numFailedTests + (exitCode !== 0 && json.numFailedTests === 0 ? 1 : 0), skipped: json.numPendingTests + json.numTodoTests, exitCode };
  } catch {
    // No report: vitest itself failed (config, syntax): count the phase as one failure.
    return { passed: 0, failed: 1, skipped: 0, exitCode: exitCode || 1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the Playwright suite and reads its counts from the JSON report. */
async function runPlaywright(): Promise<Tally & { exitCode: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-pw-'));
  const report = path.join(dir, 'report.json');
  const previous = env.PLAYWRIGHT_JSON_OUTPUT_NAME;
  env.PLAYWRIGHT_JSON_OUTPUT_NAME = report;
  const exitCode = await runCommand(bin('playwright'), ['test', '-c', 'playwright.config.ts', '--reporter=list,json'], path.join(runRoot, 'apps/web'));
  env.PLAYWRIGHT_JSON_OUTPUT_NAME = previous;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
    return { passed: json.stats.expected + json.stats.flaky, failed: json.stats.unexpected + (exitCode !== 0 && json.stats.unexpected === 0 ? 1 : 0), skipped: json.stats.skipped, exitCode };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, exitCode: exitCode || 1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = requested.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    console.error(`npm test: unknown phase ${unknown.join(', ')}; phases are ${PHASES.join(', ')}`);
    process.exit(2);
  }
  const phases: Phase[] = requested.length > 0 ? (requested as Phase[]) : [...PHASES];
  const total: Tally = { passed: 0, failed: 0, skipped: 0 };
  const timings: string[] = [];
  const failedPhases: string[] = [];

  for (const phase of phases) {
    const started = Date.now();
    log(`${phase}`);
    let tally: Tally = { passed: 0, failed: 0, skipped: 0 };
    if (phase === 'prerequisites') {
      try {
        await ensureDebianPackages(BROWSER_PACKAGES, (line) => console.log(line));
        await ensureDebianPackages(SSH_TEST_PACKAGES, (line) => console.log(line));
        await ensureLabPrerequisites({ log: (line) => console.log(line) });
        tally = { passed: 0, failed: 0, skipped: 0 };
      } catch (error) {
        console.error(`prerequisites: ${(error as Error).message}`);
        tally = { passed: 0, failed: 1, skipped: 0 };
      }
    } else if (phase === 'checks') {
      const schema = await runCommand('npm', ['run', '--silent', 'db:check']);
      const types = await runCommand(bin('turbo'), ['run', 'typecheck', '--continue', '--output-logs=errors-only']);
      tally = { passed: (schema === 0 ? 1 : 0) + (types === 0 ? 1 : 0), failed: (schema === 0 ? 0 : 1) + (types === 0 ? 0 : 1), skipped: 0 };
    } else if (phase === 'e2e' || phase === 'lab') {
      const release = useLabVisibleRoot();
      try {
        tally = phase === 'e2e' ? await runPlaywright() : await runVitest(phase);
      } finally {
        release();
      }
    } else {
      tally = await runVitest(phase);
    }
    total.passed += tally.passed;
    total.failed += tally.failed;
    total.skipped += tally.skipped;
    if (tally.failed > 0) failedPhases.push(phase);
    timings.push(`${phase} ${((Date.now() - started) / 1000).toFixed(0)} s (${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ''})`);
  }

  console.log(`\n== summary\n${timings.join('\n')}`);
  if (failedPhases.length > 0) console.log(`failed phases: ${failedPhases.join(', ')}`);
  console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  process.exit(total.failed > 0 ? 1 : 0);
}

void main();
