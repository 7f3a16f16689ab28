import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from './lab';
import { labGate } from './lab-gate';
import { findRepoRoot, findUmlProcesses, hasNetDevice, readLabRecord, umidFor } from './lab-state';
import { defaultTopology } from './topology';

const gate = labGate();
const repo = findRepoRoot();
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
const cli = join(repo, 'packages', 'lab', 'src', 'cli.ts');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [cli, ...args], { cwd: repo, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// A lab whose owner died by SIGKILL (no handler ran) must be cleaned up by the next startLab.
describe.skipIf(gate.skip)('lab CLI and crash recovery', () => {
  let child: ChildProcess | null = null;
  let lab: Lab | null = null;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await lab?.stop();
  });

  it('npm run lab boots a lab, exec goes through the control channel, and a SIGKILLed owner is cleaned at the next start', async () => {
    // A smaller lab: the CLI path is what is under test here.
    child = spawn(tsx, [cli, '--real-servers', '1'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Ctrl-C stops the lab')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`lab CLI did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain('exec director-a -- ipvsadm -Ln');

    const exec = await runCli(['exec', 'director-a', '--', 'ipvsadm', '-Ln']);
    expect(exec.code).toBe(0);
    expect(exec.stdout).toContain('IP Virtual Server version');
    expect((await runCli(['exec', 'client', '--', 'sh', '-c', 'exit 5'])).code).toBe(5);
    expect((await runCli(['exec', 'nowhere', '--', 'true'])).stderr).toContain('no lab host "nowhere"');

    const record = readLabRecord('default');
    expect(record).not.toBeNull();
    process.kill(record!.ownerPid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The crash left the guest and the tap behind...
    expect(findUmlProcesses(umidFor('default')).length).toBeGreaterThan(0);
    expect(hasNetDevice('fulcrum-tap0')).toBe(true);

    // ...and the next start cleans them up and boots normally.
    const lines: string[] = [];
    lab = await startLab(defaultTopology({ realServers: 1 }), { log: (line) => lines.push(line) });
    expect(lines.join('\n')).toContain('cleaning stale lab "default"');
    expect(findUmlProcesses(umidFor('default')).filter((pid) => pid === record!.umlPid)).toEqual([]);
    expect(await lab.execOk('rs-1', ['hostname'])).toBeTruthy();
    const timings = await lab.stop();
    console.log(`lab timing (1 real server): boot-to-ready ${timings.bootSeconds} s, teardown ${timings.teardownSeconds} s`);
    expect(hasNetDevice('fulcrum-tap0')).toBe(false);
  });
});
