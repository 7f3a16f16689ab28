import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab, type LabProcess } from '@fulcrum/lab/lab';
import type { LabTopologySpec } from '@fulcrum/lab/topology';
import { normalizeTable, type IpvsTable } from '@fulcrum/lvs/model/ipvs';
import { parseIpvsadmSave } from '@fulcrum/lvs/parse/parse-ipvsadm-save';
import type { TestGateway } from './test-gateway';

// Shared by the agent's lab test files: build the bundle, boot the lab (waiting while another
// engineer's lab runs), and run the built dist/agent.cjs in lab hosts against a test gateway.

/** apps/agent on the host (the guest sees the same path through hostfs). */
export const AGENT_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** The bundle every lab host runs. */
export const AGENT_BUNDLE = join(AGENT_DIR, 'dist', 'agent.cjs');

/** Builds dist/agent.cjs with the package's build script. */
export function buildAgentBundle(): void {
  execFileSync('npm', ['run', 'build', '-w', '@fulcrum/agent'], { cwd: join(AGENT_DIR, '..', '..'), stdio: 'ignore' });
}

/** startLab, waiting (up to 10 min) while another lab is running on this machine. */
export async function startLabWhenFree(spec: LabTopologySpec): Promise<Lab> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      return await startLab(spec, { log: (line) => console.log(line) });
    } catch (e) {
      if (!/already running/i.test((e as Error).message) || Date.now() > deadline) throw e;
      console.log('another lab is running: waiting 15 s');
      await new Promise((r) => setTimeout(r, 15_000));
    }
  }
}

/** A token per lab host (valid token characters, ≥ 20). */
export function tokenFor(host: string): string {
  return `lab-agent-token-${host}-0123456789`;
}

/** Per-test-file agent files on hostfs: token files (0600), state dirs, keepalived configs. */
export class AgentFiles {
  readonly root: string;
  constructor() {
    const base = join(AGENT_DIR, '..', '..', '.fulcrum');
    mkdirSync(base, { recursive: true });
    this.root = mkdtempSync(join(base, 'agent-lab-'));
    writeFileSync(join(this.root, 'none.json'), '{}');
  }
  /** Agent argv for a lab host. */
  argv(host: string, server: string, extra: string[] = []): string[] {
    const dir = join(this.root, host);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const token = join(dir, 'token');
    writeFileSync(token, `${tokenFor(host)}\n`);
    chmodSync(token, 0o600);
    return [
      process.execPath,
      AGENT_BUNDLE,
      '--server', server,
      '--token-file', token,
      '--config', join(this.root, 'none.json'),
      '--hostname', host,
      '--state-dir', join(dir, 'state'),
      // the FIFO and pid files live on the guest's own tmpfs (/run is shared by every namespace, and
      // survives an agent restart so the next agent re-adopts keepalived)
      '--run-dir', `/run/fulcrum-agent-${host}`,
      '--keepalived-config', join(dir, 'keepalived.conf'),
      '--rate-interval-ms', '2000',
      ...extra,
    ];
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Spawns the agent bundle in a lab host. */
export function spawnAgent(lab: Lab, files: AgentFiles, host: string, gateway: TestGateway, extra: string[] = []): Promise<LabProcess> {
  return lab.spawn(host, files.argv(host, gateway.url, extra), { name: 'agent' });
}

/** The kernel table of a lab host, read with ipvsadm -Sn, normalized. */
export async function readLabTable(lab: Lab, host: string): Promise<IpvsTable> {
  return normalizeTable(parseIpvsadmSave(await lab.execOk(host, ['ipvsadm', '-S', '-n'])));
}

/** p-th percentile (0..100) of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** CPU (percent of one core over the window) and RSS (MiB) of a lab process, sampled over `windowMs`. */
export async function measureProcess(lab: Lab, host: string, pid: number, windowMs: number): Promise<{ cpuPercent: number; rssMiB: number }> {
  const ticks = async () => {
    const fields = (await lab.execOk(host, ['cat', `/proc/${pid}/stat`])).split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15 of stat)
  };
  const hz = 100;
  const t0 = await ticks();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const t1 = await ticks();
  const elapsed = (performance.now() - started) / 1000;
  const status = await lab.execOk(host, ['cat', `/proc/${pid}/status`]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuPercent: Math.round(((t1 - t0) / hz / elapsed) * 1000) / 10, rssMiB: Math.round(rssKb / 102.4) / 10 };
}
