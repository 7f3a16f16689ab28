import { expect, type APIRequestContext } from '@playwright/test';
import { trpcMutation } from './helpers';

export type BuiltEstate = {
  clusterId: string;
  directors: Array<{ id: string; name: string }>;
  realServerNodes: Array<{ id: string; name: string }>;
  pairId: string;
  serviceId: string;
  serviceKey: string;
  realServers: Array<{ id: string; address: string }>;
};

type EstateSpec = {
  cluster: string;
  directors: Array<{ name: string; address: string }>;
  /** Real-server hosts that run an agent (their nodes are linked to the real servers by address). */
  realServerNodes?: Array<{ name: string; address: string }>;
  pair: { name: string; interface: string; virtualRouterId: number; vips: string[] };
  service: { address: string; port: number; scheduler?: string; persistenceTimeout?: number };
  realServers: Array<{ address: string; weight: number; forwarding?: 'DR' | 'TUN' | 'NAT' }>;
  preventPortReuseLeaks?: boolean;
};

async function ok<T>(response: Promise<import('@playwright/test').APIResponse>): Promise<T> {
  const r = await response;
  const body = (await r.json()) as { result?: { data?: { json?: T } }; error?: unknown };
  expect(r.ok(), JSON.stringify(body.error ?? body)).toBe(true);
  return body.result!.data!.json!;
}

/**
 * Builds an estate through the API as the logged-in admin (the UI for building it is covered by
 * estate.spec.ts; these specs are about live operations on top of it).
 */
export async function buildEstate(request: APIRequestContext, spec: EstateSpec): Promise<BuiltEstate> {
  const cluster = await ok<{ id: string }>(trpcMutation(request, 'cluster.create', { name: spec.cluster, description: 'live operations e2e', preventPortReuseLeaks: spec.preventPortReuseLeaks ?? false }));
  const directors: BuiltEstate['directors'] = [];
  for (const d of spec.directors) {
    const node = await ok<{ id: string }>(trpcMutation(request, 'node.create', { clusterId: cluster.id, name: d.name, role: 'DIRECTOR', managementAddress: d.address }));
    directors.push({ id: node.id, name: d.name });
  }
  const realServerNodes: BuiltEstate['realServerNodes'] = [];
  const nodeByAddress = new Map<string, string>();
  for (const n of spec.realServerNodes ?? []) {
    const node = await ok<{ id: string }>(trpcMutation(request, 'node.create', { clusterId: cluster.id, name: n.name, role: 'REAL_SERVER', managementAddress: n.address }));
    realServerNodes.push({ id: node.id, name: n.name });
    nodeByAddress.set(n.address, node.id);
  }
  const pair = await ok<{ id: string }>(
    trpcMutation(request, 'haPair.create', {
      clusterId: cluster.id,
      name: spec.pair.name,
      interface: spec.pair.interface,
      virtualRouterId: spec.pair.virtualRouterId,
      primaryNodeId: directors[0]!.id,
      secondaryNodeId: directors[1]?.id ?? null,
      vips: spec.pair.vips,
    }),
  );
  const service = await ok<{ id: string; serviceKey: string }>(
    trpcMutation(request, 'service.create', {
      clusterId: cluster.id,
      haPairId: pair.id,
      protocol: 'TCP',
      address: spec.service.address,
      port: spec.service.port,
      scheduler: spec.service.scheduler ?? 'wrr',
      persistenceTimeout: spec.service.persistenceTimeout ?? 0,
    }),
  );
  const realServers: BuiltEstate['realServers'] = [];
  for (const rs of spec.realServers) {
    const created = await ok<{ id: string }>(
      trpcMutation(request, 'realServer.create', { virtualServiceId: service.id, address: rs.address, port: spec.service.port, weight: rs.weight, forwarding: rs.forwarding ?? 'DR', nodeId: nodeByAddress.get(rs.address) ?? null }),
    );
    realServers.push({ id: created.id, address: rs.address });
  }
  return { clusterId: cluster.id, directors, realServerNodes, pairId: pair.id, serviceId: service.id, serviceKey: service.serviceKey ?? `TCP ${spec.service.address}:${spec.service.port}`, realServers };
}
