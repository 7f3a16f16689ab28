import { describe, expect, it } from 'vitest';
import { CommandError, runCommand } from './run-command';

describe('runCommand', () => {
  it('runs without a shell: metacharacters stay literal', async () => {
    const r = await runCommand({ file: '/bin/echo', args: ['$(touch /tmp/fulcrum-x)', '`id`', ';', 'rm'] });
    expect(r.stdout).toBe('$(touch /tmp/fulcrum-x) `id` ; rm\n');
  });
  it('feeds stdin', async () => {
    const r = await runCommand({ file: '/bin/cat', args: [], stdin: '-A -t 1.2.3.4:80 -s rr\n' });
    expect(r.stdout).toBe('-A -t 1.2.3.4:80 -s rr\n');
  });
  it('reports exit code, stderr and duration', async () => {
    const e = await runCommand({ file: '/bin/ls', args: ['/nonexistent-fulcrum'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    const err = e as CommandError;
    expect(err.exitCode).not.toBe(0);
    expect(err.stderr).toMatch(/nonexistent-fulcrum/);
    expect(err.argv).toEqual(['/bin/ls', '/nonexistent-fulcrum']);
    expect(err.durationMs).toBeGreaterThanOrEqual(0);
  });
  it('times out with SIGKILL', async () => {
    const err = (await runCommand({ file: '/bin/sleep', args: ['5'] }, { timeoutMs: 100 }).catch((x: unknown) => x)) as CommandError;
    expect(err.timedOut).toBe(true);
    expect(err.signal).toBe('SIGKILL');
  });
  it('refuses relative paths and NUL bytes, and reports a missing binary', async () => {
    await expect(runCommand({ file: 'ipvsadm', args: [] })).rejects.toBeInstanceOf(CommandError);
    await expect(runCommand({ file: '/bin/echo', args: ['a\0b'] })).rejects.toBeInstanceOf(CommandError);
    const e = (await runCommand({ file: '/nonexistent/bin', args: [] }).catch((x: unknown) => x)) as CommandError;
    expect(e.message).toMatch(/could not start/);
  });
  it('serializes calls to the same binary', async () => {
    const t0 = Date.now();
    await Promise.all([runCommand({ file: '/bin/sleep', args: ['0.2'] }), runCommand({ file: '/bin/sleep', args: ['0.2'] })]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });
});
