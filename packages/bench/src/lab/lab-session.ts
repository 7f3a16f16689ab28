import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Lab, LabProcess } from '@fulcrum/lab/lab';
import type { LabTopologySpec } from '@fulcrum/lab/topology';
import type { LiveClusterEvent } from '@fulcrum/core/live/live-schemas';
import { ApiClient, type Subscription } from '../product/api-client';
import { startProduct, type RunningProduct } from '../product/product';
import { bundleGuestScript } from '../guest/guest-bundle';
import { startLabWhenFree } from './lab-when-free';
import { REPO_ROOT } from '../paths';

// Everything the lab sections share: one UML boot (client, director-a/-b with the agent, a `ref`
// director namespace where the raw tools run without any agent, rs-1/rs-2 with the agent), the real
// product (`npm start`) on the lab's host address with one cluster and one HA pair, and one open
// live.onCluster subscription — an operator watching the cluster, as the UI would.

const execFileAsync = promisify(execFile);

export const DIRECTORS = ['director-a', 'director-b'] as const;
export const REAL_SERVERS = ['rs-1', 'rs-2'] as const;
/** The namespace where the references (ipvsadm, keepalived) run: a director with no agent. */
export const REFERENCE_HOST = 'ref';
const ADMIN_PASSWORD = 'bench-admin-password-2026';

/** The lab topology of the bench. */
export function benchTopology(): LabTopologySpec {
  return {
    // agents at 10,000 destinations take ≈ 90 MB each; keepalived with 10,000 virtual servers more
    memoryMb: 2048,
    hosts: [
      { name: 'client', role: 'client' },
      { name: 'director-a', role: 'director' },
      { name: 'director-b', role: 'director' },
      { name: REFERENCE_HOST, role: 'director' },
      { name: 'rs-1', role: 'real-server' },
      { name: 'rs-2', role: 'real-server' },
    ],
  };
}

/** What a live.onCluster event is reduced to (a 10,000-destination view is megabytes). */
export type LiveDigest = {
  generation: number;
  nodes: Record<string, { applyState: string; appliedGeneration: number | null }>;
  vrrp: Record<string, string>;
  /** Kernel weights per director of the watched real server (see LabSession.watchRealServer). */
  watchedWeights: Record<string, number> | null;
};

/** The running lab + product + agents. */
export type LabSession = {
  lab: Lab;
  product: RunningProduct;
  api: ApiClient;
  clusterId: string;
  pairId: string;
  nodeIds: Record<string, string>;
  agents: Map<string, LabProcess>;
  /** Guest pid of each director's agent (its /proc/<pid>/net/ip_vs is that director's table). */
  agentPid: Record<(typeof DIRECTORS)[number], number>;
  /** VIPs of the pair: the bulk tables, the failover services. */
  vips: { bulk: string; failover: string };
  live: Subscription<LiveDigest>;
  /** Which real server's kernel weights the digest keeps (null: none). */
  watchRealServer: { id: string | null };
  /** bench-guest.cjs on hostfs. */
  guestScript: string;
  /** Work files on hostfs (rules, keepalived configs). */
  workDir: string;
  /** Runs a bench-guest command in a lab host; returns stdout (throws on failure). */
  guest(host: string, args: string[], options?: { timeoutMs?: number; privateTmp?: boolean }): Promise<string>;
  /** Starts a long-running bench-guest command in a lab host. */
  spawnGuest(host: string, args: string[], name: string): Promise<LabProcess>;
  extraProcesses: LabProcess[];
  say(line: string): void;
  stop(): Promise<void>;
};

/** Builds the agent bundle from the current source into `dir` (the bench never touches apps/agent/dist). */
async function buildAgent(dir: string): Promise<string> {
  await execFileAsync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'apps/agent/build.ts'), '--outdir', dir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  return join(dir, 'agent.cjs');
}

/** Agent argv for a lab host: token file 0600, own state dir and keepalived config; agent defaults otherwise. */
function agentArgv(bundle: string, dir: string, host: string, server: string, token: string): string[] {
  const own = join(dir, host);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  const tokenFile = join(own, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  const configFile = join(own, 'agent.json');
  writeFileSync(configFile, '{}');
  return [process.execPath, bundle, '--server', server, '--token-file', tokenFile, '--config', configFile, '--hostname', host, '--state-dir', join(own, 'state'), '--run-dir', `/run/fulcrum-agent-${host}`, '--keepalived-config', join(own, 'keepalived.conf')];
}

/** Boots the lab, starts the product on its host address, creates the cluster and starts the agents. */
export async function startLabSession(options: { workDir: string; say: (line: string) => void }): Promise<LabSession> {
  const { workDir, say } = options;
  mkdirSync(workDir, { recursive: true });
  const agentBundle = await buildAgent(join(workDir, 'agent-bundle'));
  const guestScript = await bundleGuestScript(join(workDir, 'guest'));
  const lab = await startLabWhenFree(benchTopology(), { say });
  say(`lab: booted in ${lab.timings.bootSeconds} s`);
  const extraProcesses: LabProcess[] = [];
  const agents = new Map<string, LabProcess>();
  let product: RunningProduct | null = null;
  let live: Subscription<LiveDigest> | null = null;
  const stop = async () => {
    await live?.close().catch(() => undefined);
    for (const p of [...agents.values(), ...extraProcesses]) await p.stop({ timeoutMs: 3000 }).catch(() => undefined);
    // keepalived outlives its agent by design (fail static): stop it before the lab goes
    for (const d of DIRECTORS) {
      for (const file of ['keepalived.pid', 'keepalived-vrrp.pid', 'keepalived-checkers.pid']) {
        const pid = (await lab.exec(d, ['cat', `/run/fulcrum-agent-${d}/${file}`]).catch(() => null))?.stdout.trim();
        if (pid && /^\d+$/.test(pid)) await lab.exec(d, ['kill', '-TERM', pid]).catch(() => undefined);
      }
    }
    await product?.remove().catch((e: Error) => say(`product stop failed: ${e.message}`));
    await lab.stop().catch((e: Error) => say(`lab stop failed: ${e.message}`));
  };
  try {
    product = await startProduct({ host: lab.hostAddress, say });
    const api = new ApiClient(product.url);
    await api.logInReplacingOneTimePassword(product.admin, ADMIN_PASSWORD);
    const [bulkVip, failoverVip] = lab.topology.freeAddresses as [string, string];
    const clusterId = (await api.mutate<{ id: string }>('cluster.create', { name: 'bench', description: 'npm run bench' })).id;
    const nodeIds: Record<string, string> = {};
    for (const d of DIRECTORS) nodeIds[d] = (await api.mutate<{ id: string }>('node.create', { clusterId, name: d, role: 'DIRECTOR', managementAddress: lab.addressOf(d) })).id;
    for (const r of REAL_SERVERS) nodeIds[r] = (await api.mutate<{ id: string }>('node.create', { clusterId, name: r, role: 'REAL_SERVER', managementAddress: lab.addressOf(r) })).id;
    // the lab names every namespace's segment interface eth0; advert 1 s is the product's default
    const pairId = (
      await api.mutate<{ id: string }>('haPair.create', {
        clusterId, name: 'bench-pair', interface: 'eth0', virtualRouterId: 61, advertInterval: 1,
        primaryNodeId: nodeIds['director-a'], secondaryNodeId: nodeIds['director-b'], primaryPriority: 150, secondaryPriority: 100,
        vips: [bulkVip, failoverVip],
      })
    ).id;
    const watchRealServer: { id: string | null } = { id: null };
    const names = new Map(Object.entries(nodeIds).map(([name, id]) => [id, name]));
    live = await api.subscribe<LiveClusterEvent, LiveDigest>('live.onCluster', { clusterId }, (e) => {
      const digest: LiveDigest = { generation: e.generation, nodes: {}, vrrp: {}, watchedWeights: null };
      for (const n of e.nodes) digest.nodes[n.name] = { applyState: n.applyState, appliedGeneration: n.appliedGeneration };
      for (const p of e.pairs) for (const d of p.directors) digest.vrrp[d.name] = d.vrrpState;
      if (watchRealServer.id !== null) {
        for (const s of e.services) for (const r of s.realServers) if (r.realServerId === watchRealServer.id) digest.watchedWeights = r.kernelWeights;
      }
      return digest;
    });
    const server = `ws://${lab.hostAddress}:${product.port}/ws/agent`;
    const agentDir = join(workDir, 'agents');
    for (const host of [...DIRECTORS, ...REAL_SERVERS]) {
      const token = (await api.mutate<{ token: string }>('node.issueToken', { id: nodeIds[host] })).token;
      agents.set(host, await lab.spawn(host, agentArgv(agentBundle, agentDir, host, server, token), { name: 'agent' }));
    }
    const t0 = Date.now();
    await live.waitFor((d) => [...DIRECTORS, ...REAL_SERVERS].every((n) => d.nodes[n]?.applyState === 'applied'), 120_000);
    say(`lab: 4 agents connected and applied ${Date.now() - t0} ms after spawn`);
    await live.waitFor((d) => d.vrrp['director-a'] === 'MASTER' && d.vrrp['director-b'] === 'BACKUP', 120_000);
    say(`lab: director-a MASTER, director-b BACKUP ${Date.now() - t0} ms after spawn`);
    const session: LabSession = {
      lab,
      product,
      api,
      clusterId,
      pairId,
      nodeIds,
      agents,
      agentPid: { 'director-a': agents.get('director-a')!.pid, 'director-b': agents.get('director-b')!.pid },
      vips: { bulk: bulkVip, failover: failoverVip },
      live,
      watchRealServer,
      guestScript,
      workDir,
      async guest(host, args, opts = {}) {
        return lab.execOk(host, [process.execPath, guestScript, ...args], { timeoutMs: opts.timeoutMs ?? 600_000, ...(opts.privateTmp ? { privateTmp: true } : {}) });
      },
      async spawnGuest(host, args, name) {
        const p = await lab.spawn(host, [process.execPath, guestScript, ...args], { name });
        extraProcesses.push(p);
        return p;
      },
      extraProcesses,
      say,
      stop,
    };
    return session;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Lines of a long-running guest process's log, parsed as "<ms> <key> <value>". */
export async function readStampedLog(process: { readLog(): Promise<string> }): Promise<Array<{ at: number; key: string; value: string }>> {
  return (await process.readLog())
    .split('\n')
    .map((line) => /^(\d+) (\S+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Number(m[1]), key: m[2]!, value: m[3]! }));
}

/** One snapshot as an agent's log tells it: when it arrived, when it was applied, how long the apply took. */
export type AgentApply = { generation: number; receivedAt: number | null; appliedAt: number; durationMs: number; changes: number };

/** The snapshots an agent received and applied (from its JSON log lines), oldest first. */
export async function readAgentApplies(agent: LabProcess): Promise<AgentApply[]> {
  const received = new Map<number, number>();
  const applies: AgentApply[] = [];
  for (const line of (await agent.readLog()).split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { ts?: string; event?: string; generation?: number; durationMs?: number; changes?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.generation === undefined || entry.ts === undefined) continue;
    if (entry.event === 'snapshot-received') received.set(entry.generation, Date.parse(entry.ts));
    else if (entry.event === 'snapshot-applied') applies.push({ generation: entry.generation, receivedAt: received.get(entry.generation) ?? null, appliedAt: Date.parse(entry.ts), durationMs: entry.durationMs ?? NaN, changes: entry.changes ?? NaN });
  }
  return applies;
}
