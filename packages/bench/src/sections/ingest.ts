import type { LiveClusterEvent } from '@fulcrum/core/live/live-schemas';
import { destinationAddress } from '../estate-shape';
import { writeBatch, type WriteStats } from '../lab/bulk-table';
import { SimulatedAgent } from '../ingest/simulated-agent';
import type { ApiClient, Subscription } from '../product/api-client';
import { cpuPercent, readGroupUsage, readProcessUsage } from '../product/proc-usage';
import type { RunningProduct } from '../product/product';
import type { FigureBook } from '../report';

// 4. Server ingest, no lab: simulated director agents (real WebSockets, the real protocol, node tokens
// the product issued) each sending a stats frame of D destinations per second, at A × D. The estate
// is real too: clusters of up to 10 directors (5 HA pairs; a pair's 1,000 destinations are 20
// services × 50), created through the API before the agents connect. One live.onCluster
// subscription per cluster (an operator's dashboard per cluster) reads the view over SSE.
//   server CPU / RSS   the product's one node process (the listener on its port), from /proc, per
//                      sub-window; Postgres's processes separately (context)
//   delay              a frame handed to the agent's socket → the SSE event showing its marker (the
//                      kernel weight of the pair's first real server, per director) received by the
//                      subscriber: p50 / p99 over every marker seen in the window. The view is built
//                      ≈ 1 per second by design, so about half a second of it is the view's period.

const DIRECTORS_PER_CLUSTER = 10;
const CLUSTERS_IN_PARALLEL = 3;

type IngestEstate = { clusterId: string; directors: Array<{ name: string; token: string }> };

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates cluster `c` with `directors` directors in pairs, each pair carrying `destinations` destinations; tokens issued. */
async function createIngestCluster(api: ApiClient, c: number, directors: number, destinations: number, stats: WriteStats): Promise<IngestEstate> {
  const clusterId = (await api.mutate<{ id: string }>('cluster.create', { name: `ingest-${c}`, description: 'npm run bench: server ingest' })).id;
  const names = Array.from({ length: directors }, (_, i) => `sim-${c}-${i}`);
  const nodes = await api.mutateBatch<{ id: string; name: string }>('node.create', names.map((name, i) => ({ clusterId, name, role: 'DIRECTOR', managementAddress: `198.19.${200 + (c % 50)}.${i + 1}` })));
  const pairs = chunks(nodes, 2);
  for (const [p, members] of pairs.entries()) {
    const vip = `198.19.${100 + (c % 100)}.${p + 1}`;
    const pair = await api.mutate<{ id: string }>('haPair.create', {
      clusterId, name: `pair-${p}`, interface: 'eth0', virtualRouterId: p + 1,
      primaryNodeId: members[0]!.id, secondaryNodeId: members[1]?.id ?? null, primaryPriority: 150, secondaryPriority: 100, vips: [vip],
    });
    const serviceCount = Math.ceil(destinations / 50);
    const services = await writeBatch<{ id: string; port: number }>(api, 'service.create', Array.from({ length: serviceCount }, (_, s) => ({ clusterId, haPairId: pair.id, protocol: 'TCP', address: vip, port: 1000 + s, scheduler: 'wrr' })), stats);
    const work = services.flatMap((service, s) => {
      const count = Math.min(50, destinations - s * 50);
      return [Array.from({ length: count }, (_, j) => ({ virtualServiceId: service.id, address: destinationAddress(j), port: service.port, weight: 1, forwarding: 'DR' }))];
    });
    // one batch of 50 in flight per cluster (a few clusters at once): more makes the server refuse calls
    for (const batch of work) await writeBatch(api, 'realServer.create', batch, stats);
  }
  const tokens = await api.mutateBatch<{ token: string }>('node.issueToken', nodes.map((n) => ({ id: n.id })));
  return { clusterId, directors: nodes.map((n, i) => ({ name: n.name, token: tokens[i]!.token })) };
}

/** The ingest scales to run: [agents, destinations per agent]. */
export function ingestScales(quick: boolean): Array<[number, number]> {
  return quick ? [[5, 100]] : [[10, 1000], [100, 1000]];
}

/** Runs every scale on the given product, windows of `windowMs` in sub-windows of `subWindowMs`. */
export async function measureIngest(book: FigureBook, options: { product: RunningProduct; api: ApiClient; scales: Array<[number, number]>; windowMs: number; subWindowMs: number; say: (line: string) => void }): Promise<void> {
  const { product, api, say } = options;
  const estates: IngestEstate[] = [];
  let perAgent = 0;
  for (const [agentCount, destinations] of options.scales) {
    if (perAgent !== 0 && destinations !== perAgent) throw new Error('ingest scales must share one destination count per agent');
    perAgent = destinations;
    const size = `${agentCount} × ${destinations.toLocaleString('en-US')}`;
    // grow the estate to agentCount directors (clusters of 10), created in parallel per cluster
    const have = estates.reduce((n, e) => n + e.directors.length, 0);
    const t0 = Date.now();
    const missing: Array<[number, number]> = [];
    for (let made = have, c = estates.length; made < agentCount; c++) {
      const count = Math.min(DIRECTORS_PER_CLUSTER, agentCount - made);
      missing.push([c, count]);
      made += count;
    }
    const writes: WriteStats = { retried: 0 };
    for (const group of chunks(missing, CLUSTERS_IN_PARALLEL)) estates.push(...(await Promise.all(group.map(([c, count]) => createIngestCluster(api, c, count, destinations, writes)))));
    say(`ingest ${size}: estate created through the API in ${Date.now() - t0} ms (${writes.retried} calls refused and sent again)`);

    const agents: SimulatedAgent[] = [];
    const subscriptions: Array<Subscription<Record<string, number>>> = [];
    try {
      for (const estate of estates) {
        for (const d of estate.directors.slice(0, agentCount - agents.length)) {
          const agent = new SimulatedAgent(product.url, d.token);
          await agent.connect();
          agents.push(agent);
        }
        // per director, the kernel weight of its pair's first real server (the stats marker)
        subscriptions.push(
          await api.subscribe<LiveClusterEvent, Record<string, number>>('live.onCluster', { clusterId: estate.clusterId }, (e) => {
            const seen: Record<string, number> = {};
            for (const s of e.services) for (const [name, weight] of Object.entries(s.realServers[0]?.kernelWeights ?? {})) seen[name] ??= weight;
            return seen;
          }),
        );
        if (agents.length >= agentCount) break;
      }
      const byName = new Map(agents.map((a) => [a.nodeName, a]));
      agents.forEach((a, i) => a.startStats(1000, Math.floor((i * 1000) / agents.length)));
      // warm-up: connections settle, the live windows fill
      await new Promise((r) => setTimeout(r, 5000));
      const windowStart = Date.now();
      const server0 = readProcessUsage(product.serverPid);
      const pg0 = readGroupUsage(product.postgresPids());
      const own0 = process.cpuUsage();
      const serverCpu: number[] = [];
      const serverRss: number[] = [];
      let last = { at: windowStart, ticks: server0?.ticks ?? NaN };
      while (Date.now() - windowStart < options.windowMs) {
        await new Promise((r) => setTimeout(r, options.subWindowMs));
        const u = readProcessUsage(product.serverPid);
        const at = Date.now();
        if (u) {
          serverCpu.push(cpuPercent(last.ticks, u.ticks, at - last.at));
          serverRss.push(u.rssKb / 1024);
          last = { at, ticks: u.ticks };
        }
      }
      const windowEnd = Date.now();
      const pg1 = readGroupUsage(product.postgresPids());
      const own = process.cpuUsage(own0);
      // every marker change a subscriber saw in the window, against when its frame left the agent
      const delays: number[] = [];
      for (const sub of subscriptions) {
        const lastSeen = new Map<string, number>();
        for (const event of sub.events) {
          for (const [name, marker] of Object.entries(event.data)) {
            if (lastSeen.get(name) === marker) continue;
            lastSeen.set(name, marker);
            const sentAt = byName.get(name)?.sentAt.get(marker);
            if (sentAt !== undefined && event.receivedAt >= windowStart && event.receivedAt <= windowEnd) delays.push(event.receivedAt - sentAt);
          }
        }
      }
      // the same load with nobody watching: what ingest alone costs, apart from building live views
      for (const sub of subscriptions) await sub.close();
      await new Promise((r) => setTimeout(r, 2000));
      const quietMs = Math.max(2000, Math.min(20_000, Math.floor(options.windowMs / 3)));
      const quiet0 = readProcessUsage(product.serverPid);
      const quietStart = Date.now();
      await new Promise((r) => setTimeout(r, quietMs));
      const quiet1 = readProcessUsage(product.serverPid);
      const quietCpu = quiet0 && quiet1 ? cpuPercent(quiet0.ticks, quiet1.ticks, Date.now() - quietStart) : NaN;
      const frames = agents.reduce((n, a) => n + a.framesSent, 0);
      const sentFor = (Date.now() - windowStart + 5000) / 1000;
      const bytes = agents.reduce((n, a) => n + a.bytesSent, 0);
      say(`ingest ${size}: ${frames} frames (${(bytes / 1e6).toFixed(1)} MB) sent, ${delays.length} markers seen by the subscribers; server CPU ${serverCpu.map((c) => c.toFixed(0)).join(' ')} %`);
      const big = agentCount === 100 && destinations === 1000;
      const cpu = book.add({ section: 'ingest', size, id: 'cpu', kind: 'fulcrum', label: 'server node process CPU', unit: '% core', samples: serverCpu, target: big ? { text: '≤ 1 core (100 %) at 100 × 1,000', met: null } : null });
      book.add({ section: 'ingest', size, id: 'rss', kind: 'fulcrum', label: 'server node process RSS', unit: 'MiB', samples: serverRss });
      const delay = book.add({ section: 'ingest', size, id: 'delay', kind: 'fulcrum', label: 'frame leaves agent → SSE subscriber sees it (median = p50)', unit: 'ms', samples: delays, target: big ? { text: 'p99 ≤ 1.5 s at 100 × 1,000', met: null } : null });
      book.add({ section: 'ingest', size, id: 'cpu-unwatched', kind: 'context', label: `server CPU with no live view subscribed (${quietMs / 1000} s after closing them)`, unit: '% core', samples: [quietCpu] });
      book.add({ section: 'ingest', size, id: 'postgres', kind: 'context', label: 'embedded Postgres CPU over the window', unit: '% core', samples: [cpuPercent(pg0.ticks, pg1.ticks, windowEnd - windowStart)] });
      book.add({ section: 'ingest', size, id: 'generator', kind: 'context', label: 'this bench process (agents + subscribers) CPU over the window', unit: '% core', samples: [((own.user + own.system) / 1000 / (windowEnd - windowStart)) * 100] });
      book.add({ section: 'ingest', size, id: 'frames', kind: 'context', label: 'stats frames per second sent (all agents)', unit: 'count', samples: [frames / sentFor] });
      if (cpu.target) cpu.target.met = cpu.summary.p99 <= 100;
      if (delay.target) delay.target.met = delay.summary.p99 <= 1500;
    } finally {
      for (const sub of subscriptions) await sub.close();
      await Promise.all(agents.map((a) => a.close()));
    }
  }
}
