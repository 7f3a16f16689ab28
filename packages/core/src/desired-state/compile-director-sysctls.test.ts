// The sysctls the compiler adds for live operations: conn_reuse_mode=3 for pairs that prevent
// port-reuse leaks, expire_quiescent_template=1 while a drain that asked for it is in effect.
import { describe, expect, it } from 'vitest';
import type { DirectorSnapshot } from '@fulcrum/protocol/snapshot';
import { compileValidatedSnapshot } from './compile-node-snapshot';
import type { ClusterRows, PairRow, RealServerRow, ServiceRow } from './compile-snapshot-from-rows';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'aaaaaaaa-0000-4000-8000-000000000002';
const C = 'aaaaaaaa-0000-4000-8000-000000000003';

const pair = (id: string, primaryNodeId: string, secondaryNodeId: string | null, vip: string, extra: Partial<PairRow> = {}): PairRow => ({
  id, name: id, interface: 'eth0', virtualRouterId: id === 'p1' ? 51 : 52, advertInterval: 1, authSecret: null, primaryNodeId, primaryPriority: 150, secondaryNodeId, secondaryPriority: 100,
  primaryUnicastIp: null, secondaryUnicastIp: null, vips: [vip], natGatewayIp: null, ...extra,
});
const rs = (extra: Partial<RealServerRow> = {}): RealServerRow => ({ id: 'rs-1', nodeId: null, address: '192.168.241.15', port: 80, weight: 2, forwarding: 'DR', adminState: 'READY', upperThreshold: null, lowerThreshold: null, ...extra });
const service = (haPairId: string, address: string, realServers: RealServerRow[]): ServiceRow => ({
  id: `svc-${haPairId}`, haPairId, protocol: 'TCP', address, port: 80, fwmark: null, serviceKey: `TCP ${address}:80`, scheduler: 'wrr', schedulerFlags: [], persistenceTimeout: 300, persistenceNetmask: null,
  healthCheckKind: 'NONE', healthCheckHttpPath: '/', healthCheckHttpExpectStatus: 200, healthCheckIntervalMs: 2000, healthCheckTimeoutMs: 1000, healthCheckRise: 2, healthCheckFall: 2, realServers,
});
const rows = (p1: Partial<PairRow>, rs1: Partial<RealServerRow>): ClusterRows => ({
  clusterId: 'cccccccc-0000-4000-8000-000000000001',
  generation: 3,
  nodes: [{ id: A, name: 'a', role: 'DIRECTOR' }, { id: B, name: 'b', role: 'DIRECTOR' }, { id: C, name: 'c', role: 'DIRECTOR' }],
  pairs: [pair('p1', A, B, '192.168.241.11', p1), pair('p2', C, null, '192.168.241.50')],
  services: [service('p1', '192.168.241.11', [rs(rs1)]), service('p2', '192.168.241.50', [rs({ id: 'rs-2' })])],
});
const sysctls = (r: ClusterRows, nodeId: string) => (compileValidatedSnapshot(r, nodeId).node as DirectorSnapshot).sysctls;

describe('director sysctls for live operations', () => {
  it('adds none by default', () => {
    expect(sysctls(rows({}, {}), A)).toEqual([]);
  });
  it('sets conn_reuse_mode=3 on both directors of a pair that prevents port-reuse leaks, not on other pairs', () => {
    const r = rows({ preventPortReuseLeaks: true }, {});
    expect(sysctls(r, A)).toEqual([{ key: 'net.ipv4.vs.conn_reuse_mode', value: 3 }]);
    expect(sysctls(r, B)).toEqual([{ key: 'net.ipv4.vs.conn_reuse_mode', value: 3 }]);
    expect(sysctls(r, C)).toEqual([]);
  });
  it('expires quiescent persistence templates on the pair while a drain asking for it is in effect', () => {
    const r = rows({}, { adminState: 'DRAINING', expirePersistence: true });
    expect(sysctls(r, A)).toEqual([{ key: 'net.ipv4.vs.expire_quiescent_template', value: 1 }]);
    expect(sysctls(r, C)).toEqual([]);
    const ipvs = (compileValidatedSnapshot(r, B).node as DirectorSnapshot).ipvs;
    expect(ipvs.services[0]?.destinations[0]?.weight).toBe(0);
  });
});
