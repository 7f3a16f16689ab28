import type { ApiClient } from '../product/api-client';
import { tableShape } from '../estate-shape';

// The N-destination table through the product's API: services on the pair's bulk VIP, then their
// real servers, in HTTP batches (one request per service's 50 real servers, two requests in flight,
// as a script or a bulk import would send them). Each call is still its own transaction, audit record
// and generation: that is how the product commits. Measured: one call at a time is ≈ 10× slower at
// 10,000 (every commit recompiles and pushes the whole 1 MB snapshot, and the next call waits behind
// that push), while 200 at once make the server refuse some (Prisma P2028, no pooled connection in
// time: a 500, or RATE_LIMITED since the server queues changes up to 10 s). A refused call is sent
// again and counted (`retried`).

/** A service created through the API with its real servers. */
export type CreatedService = { id: string; version: number; port: number; realServers: Array<{ id: string; version: number; address: string }> };

const IN_FLIGHT = 2;
const CALLS_PER_REQUEST = 50;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Calls the server refused as transient (500 P2028, or 429 RATE_LIMITED) and that were sent again. */
export type WriteStats = { retried: number };

/** One batch; calls refused as transient (too many changes to one cluster at once) are sent again, up to 10 times. */
export async function writeBatch<T>(api: ApiClient, procedure: string, inputs: unknown[], stats: WriteStats): Promise<T[]> {
  const results: Array<T | undefined> = new Array(inputs.length);
  let pending = inputs.map((_, i) => i);
  for (let attempt = 0; pending.length > 0; attempt++) {
    const settled = await api.mutateBatchSettled<T>(procedure, pending.map((i) => inputs[i]));
    const again: number[] = [];
    settled.forEach((r, k) => {
      if (r.ok) results[pending[k]!] = r.data;
      // P2028 surfaced as a 500 by older servers, RATE_LIMITED (429) by newer ones: "send it again"
      else if ((r.error.code === 'INTERNAL_SERVER_ERROR' || r.error.code === 'TOO_MANY_REQUESTS') && attempt < 10) again.push(pending[k]!);
      else throw r.error;
    });
    stats.retried += again.length;
    pending = again;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return results as T[];
}

/** Creates N destinations on `vip` in the cluster's pair; resolves when the last write committed. */
export async function createBulkTable(api: ApiClient, options: { clusterId: string; pairId: string; vip: string; n: number; stats?: WriteStats }): Promise<CreatedService[]> {
  const stats = options.stats ?? { retried: 0 };
  const shape = tableShape(options.n, options.vip);
  const created: CreatedService[] = [];
  await inParallel(chunks(shape, CALLS_PER_REQUEST), IN_FLIGHT, async (batch) => {
    const services = await writeBatch<{ id: string; version: number; port: number }>(
      api,
      'service.create',
      batch.map((s) => ({ clusterId: options.clusterId, haPairId: options.pairId, protocol: 'TCP', address: s.address, port: s.port, scheduler: 'wrr' })),
      stats,
    );
    for (const s of services) created.push({ id: s.id, version: s.version, port: s.port, realServers: [] });
  });
  const byPort = new Map(created.map((s) => [s.port, s]));
  await inParallel(shape, IN_FLIGHT, async (s) => {
    const service = byPort.get(s.port)!;
    for (const batch of chunks(s.destinations, CALLS_PER_REQUEST)) {
      const rows = await writeBatch<{ id: string; version: number; address: string }>(
        api,
        'realServer.create',
        batch.map((d) => ({ virtualServiceId: service.id, address: d.address, port: d.port, weight: 1, forwarding: 'DR' })),
        stats,
      );
      service.realServers.push(...rows.map((r) => ({ id: r.id, version: r.version, address: r.address })));
    }
  });
  return created.sort((a, b) => a.port - b.port);
}

/** Deletes the services (and with them their real servers); resolves when the last delete committed. */
export async function deleteBulkTable(api: ApiClient, services: CreatedService[], stats: WriteStats = { retried: 0 }): Promise<void> {
  await inParallel(chunks(services, 10), IN_FLIGHT, async (batch) => {
    await writeBatch(api, 'service.delete', batch.map((s) => ({ id: s.id, version: s.version })), stats);
  });
}

/** Deletes the table and waits until both directors' kernels hold none of it. */
export async function removeBulkTable(session: { api: ApiClient; lab: Parameters<typeof destinationCount>[0]; agentPid: Record<string, number> }, services: CreatedService[], timeoutMs = 15 * 60_000): Promise<void> {
  await deleteBulkTable(session.api, services);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(Object.values(session.agentPid).map((pid) => destinationCount(session.lab, pid)));
    if (counts.every((c) => c === 0)) return;
    if (Date.now() > deadline) throw new Error(`directors still hold ${counts.join(' / ')} destinations after deleting the table`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The cluster's generation now (every committed change bumps it by one). */
export async function clusterGeneration(api: ApiClient, clusterId: string): Promise<number> {
  const clusters = await api.query<Array<{ id: string; generation: number }>>('cluster.list', null);
  const cluster = clusters.find((c) => c.id === clusterId);
  if (!cluster) throw new Error(`cluster ${clusterId} not listed`);
  return cluster.generation;
}

/** Destinations in a lab process's namespace now (read in the guest). */
export async function destinationCount(lab: { execOk(host: string, argv: string[], options?: { timeoutMs?: number }): Promise<string> }, pid: number): Promise<number> {
  const text = await lab.execOk('guest', ['cat', `/proc/${pid}/net/ip_vs`], { timeoutMs: 60_000 });
  return text.split('\n').filter((l) => /^ {2}-> [0-9A-F[]/.test(l)).length;
}
