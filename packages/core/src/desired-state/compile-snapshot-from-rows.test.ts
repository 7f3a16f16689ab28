// The pure compiler on literal rows: what each director and real server is told to be.
import { describe, expect, it } from 'vitest';
import type { DirectorSnapshot, RealServerSnapshot } from '@fulcrum/protocol/snapshot';
import { compileValidatedSnapshot, SnapshotCompileError } from './compile-node-snapshot';
import {
  compileSnapshotFromRows,
  effectiveWeight,
  keepalivedName,
  UnknownNodeError,
  type ClusterRows,
  type PairRow,
  type RealServerRow,
  type ServiceRow,
} from './compile-snapshot-from-rows';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'aaaaaaaa-0000-4000-8000-000000000002';
const C = 'aaaaaaaa-0000-4000-8000-000000000003';
const RS1 = 'bbbbbbbb-0000-4000-8000-000000000001';
const RS2 = 'bbbbbbbb-0000-4000-8000-000000000002';

function pair(overrides: Partial<PairRow> = {}): PairRow {
  return {
    id: 'pair-1-id',
    name: 'pair-1',
    interface: 'eth0',
    virtualRouterId: 51,
    advertInterval: 1,
    authSecret: 's3cret',
    primaryNodeId: A,
    primaryPriority: 150,
    secondaryNodeId: B,
    secondaryPriority: 100,
    primaryUnicastIp: null,
    secondaryUnicastIp: null,
    vips: ['192.168.241.11'],
    natGatewayIp: null,
    ...overrides,
  };
}

function rs(overrides: Partial<RealServerRow> = {}): RealServerRow {
  return { id: 'rs-a', nodeId: null, address: '192.168.241.15', port: 80, weight: 1, forwarding: 'DR', adminState: 'READY', upperThreshold: null, lowerThreshold: null, ...overrides };
}

function service(overrides: Partial<ServiceRow> = {}): ServiceRow {
  return {
    id: 'svc-1',
    haPairId: 'pair-1-id',
    protocol: 'TCP',
    address: '192.168.241.11',
    port: 80,
    fwmark: null,
    serviceKey: 'TCP 192.168.241.11:80',
    scheduler: 'wrr',
    schedulerFlags: [],
    persistenceTimeout: 20,
    persistenceNetmask: null,
    healthCheckKind: 'NONE',
    healthCheckHttpPath: '/',
    healthCheckHttpExpectStatus: 200,
    healthCheckIntervalMs: 2000,
    healthCheckTimeoutMs: 1000,
    healthCheckRise: 2,
    healthCheckFall: 2,
    realServers: [rs({ id: 'rs-1', nodeId: RS1, address: '192.168.241.15' }), rs({ id: 'rs-2', nodeId: RS2, address: '192.168.241.16' })],
    ...overrides,
  };
}

function cluster(overrides: Partial<ClusterRows> = {}): ClusterRows {
  return {
    clusterId: 'cccccccc-0000-4000-8000-000000000001',
    generation: 7,
    nodes: [
      { id: A, name: 'director-a', role: 'DIRECTOR' },
      { id: B, name: 'director-b', role: 'DIRECTOR' },
      { id: C, name: 'director c', role: 'DIRECTOR' },
      { id: RS1, name: 'rs-1', role: 'REAL_SERVER' },
      { id: RS2, name: 'rs-2', role: 'REAL_SERVER' },
    ],
    pairs: [pair()],
    services: [service()],
    ...overrides,
  };
}

function director(rows: ClusterRows, nodeId: string) {
  const compiled = compileValidatedSnapshot(rows, nodeId);
  return { ...compiled, node: compiled.node as DirectorSnapshot };
}

function realServer(rows: ClusterRows, nodeId: string) {
  const compiled = compileValidatedSnapshot(rows, nodeId);
  return { ...compiled, node: compiled.node as RealServerSnapshot };
}

describe('directors of an HA pair', () => {
  it('gives both directors the same IPVS table and the walkthrough VRRP instance, MASTER on the primary', () => {
    const a = director(cluster(), A);
    const b = director(cluster(), B);
    expect(a.generation).toBe(7);
    expect(a.node.ipvs).toEqual({
      services: [
        {
          protocol: 'TCP',
          address: '192.168.241.11',
          port: 80,
          scheduler: 'wrr',
          schedulerFlags: [],
          persistenceTimeout: 20,
          persistencePrefix: null,
          onePacket: false,
          destinations: [
            { address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
            { address: '192.168.241.16', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
          ],
        },
      ],
    });
    expect(b.node.ipvs).toEqual(a.node.ipvs);
    expect(a.node.keepalived).toEqual({
      routerId: 'director-a',
      notifyFifo: null,
      vrrpNotifyFifo: null,
      syncDaemon: { interface: 'eth0', instance: 'pair-1', syncId: null },
      instances: [
        {
          name: 'pair-1',
          state: 'MASTER',
          interface: 'eth0',
          virtualRouterId: 51,
          priority: 150,
          advertInterval: 1,
          vrrpVersion: 2,
          authPass: 's3cret',
          virtualIpAddresses: [{ address: '192.168.241.11', prefix: 32, dev: 'eth0' }],
          unicastSourceIp: null,
          unicastPeers: [],
          noPreempt: false,
        },
      ],
      virtualServers: [],
    });
    expect(b.node.keepalived?.instances[0]).toMatchObject({ state: 'BACKUP', priority: 100, authPass: 's3cret' });
    expect(a.node.addresses).toEqual([]);
    expect(a.node.sysctls).toEqual([]);
    expect(a.node.healthChecks).toEqual([]);
    expect(a.issues).toEqual([]);
    expect(a.reportable).toEqual({ services: { 'TCP 192.168.241.11:80': { serviceId: 'svc-1', destinations: { '192.168.241.15:80': ['rs-1'], '192.168.241.16:80': ['rs-2'] } } }, vrrpInstances: ['pair-1'] });
  });

  it.each([
    ['READY', 5],
    ['DRAINING', 0],
    ['DRAINED', 0],
    ['MAINT', 0],
  ] as const)('sends weight %s → %d while the configured weight stays 5', (adminState, weight) => {
    expect(effectiveWeight({ weight: 5, adminState })).toBe(weight);
    const rows = cluster({ services: [service({ realServers: [rs({ weight: 5, adminState })] })] });
    expect(director(rows, A).node.ipvs.services[0]?.destinations[0]?.weight).toBe(weight);
  });

  it('carries thresholds, persistence netmask and scheduler flags', () => {
    const rows = cluster({
      services: [
        service({
          scheduler: 'sh',
          schedulerFlags: ['sh-port'],
          persistenceTimeout: 300,
          persistenceNetmask: 24,
          realServers: [rs({ upperThreshold: 100, lowerThreshold: 50 })],
        }),
      ],
    });
    const svc = director(rows, A).node.ipvs.services[0];
    expect(svc).toMatchObject({ scheduler: 'sh', schedulerFlags: ['sh-port'], persistenceTimeout: 300, persistencePrefix: 24 });
    expect(svc?.destinations[0]).toMatchObject({ upperThreshold: 100, lowerThreshold: 50 });
  });

  it('drops a netmask without persistence rather than sending an invalid service', () => {
    const rows = cluster({ services: [service({ persistenceTimeout: 0, persistenceNetmask: 24 })] });
    expect(director(rows, A).node.ipvs.services[0]?.persistencePrefix).toBeNull();
  });

  it('uses VRRPv3 without auth for sub-second adverts, and says the secret is unused', () => {
    const compiled = director(cluster({ pairs: [pair({ advertInterval: 0.5 })] }), A);
    expect(compiled.node.keepalived?.instances[0]).toMatchObject({ vrrpVersion: 3, advertInterval: 0.5, authPass: null });
    expect(compiled.issues).toEqual([expect.objectContaining({ severity: 'warning', objectType: 'HaPair', message: expect.stringMatching(/no authentication/) })]);
  });

  it('uses VRRPv3 with /128 for IPv6 VIPs and splits a mixed pair into one instance per family', () => {
    const v6 = director(cluster({ pairs: [pair({ vips: ['2001:db8::10'] })], services: [] }), A);
    expect(v6.node.keepalived?.instances).toEqual([
      expect.objectContaining({ name: 'pair-1', vrrpVersion: 3, authPass: null, virtualIpAddresses: [{ address: '2001:db8::10', prefix: 128, dev: 'eth0' }] }),
    ]);
    const mixed = director(cluster({ pairs: [pair({ vips: ['192.168.241.11', '2001:db8::10'] })] }), B);
    expect(mixed.node.keepalived?.instances.map((i) => [i.name, i.vrrpVersion, i.state, i.authPass])).toEqual([
      ['pair-1', 2, 'BACKUP', 's3cret'],
      ['pair-1-v6', 3, 'BACKUP', null],
    ]);
    expect(mixed.reportable.vrrpInstances).toEqual(['pair-1', 'pair-1-v6']);
  });

  it('sets unicast source and peer from this director’s side', () => {
    const rows = cluster({ pairs: [pair({ primaryUnicastIp: '198.18.0.11', secondaryUnicastIp: '198.18.0.12' })] });
    expect(director(rows, A).node.keepalived?.instances[0]).toMatchObject({ unicastSourceIp: '198.18.0.11', unicastPeers: ['198.18.0.12'] });
    expect(director(rows, B).node.keepalived?.instances[0]).toMatchObject({ unicastSourceIp: '198.18.0.12', unicastPeers: ['198.18.0.11'] });
  });

  it('makes names keepalived-safe and puts the sync daemon on the first pair (by name)', () => {
    expect(keepalivedName('web pair 1')).toBe('web_pair_1');
    expect(keepalivedName('-x')).toBe('x');
    const rows = cluster({
      nodes: [...cluster().nodes],
      pairs: [pair({ id: 'p2', name: 'z pair', interface: 'eth1', virtualRouterId: 52 }), pair({ id: 'p1', name: 'a pair', vips: ['192.168.241.12'] })],
      services: [],
    });
    const keepalived = director(rows, A).node.keepalived;
    expect(keepalived?.instances.map((i) => i.name)).toEqual(['a_pair', 'z_pair']);
    expect(keepalived?.syncDaemon).toEqual({ interface: 'eth0', instance: 'a_pair', syncId: null });
    expect(director(rows, C).node.keepalived).toBeNull();
  });
});

describe('a lone director', () => {
  it('holds the VIPs itself, labelled on the pair interface, with no VRRP at all', () => {
    const rows = cluster({ pairs: [pair({ secondaryNodeId: null, vips: ['192.168.241.11', '192.168.241.12', '2001:db8::10'] })] });
    const a = director(rows, A);
    expect(a.node.keepalived).toBeNull();
    expect(a.node.addresses).toEqual([
      { address: '192.168.241.11', prefix: 32, dev: 'eth0', label: 'eth0:0' },
      { address: '192.168.241.12', prefix: 32, dev: 'eth0', label: 'eth0:1' },
      { address: '2001:db8::10', prefix: 128, dev: 'eth0' },
    ]);
    expect(a.node.ipvs.services).toHaveLength(1);
    expect(a.reportable.vrrpInstances).toEqual([]);
  });

  it('drops a label that would be longer than ip allows', () => {
    const rows = cluster({ pairs: [pair({ secondaryNodeId: null, interface: 'enp0s31f6.1000' })] });
    expect(director(rows, A).node.addresses).toEqual([{ address: '192.168.241.11', prefix: 32, dev: 'enp0s31f6.1000' }]);
  });
});

describe('services and health checks', () => {
  it('gives a director only the services of its own pairs', () => {
    const rows = cluster({
      pairs: [pair(), pair({ id: 'p2', name: 'pair-2', primaryNodeId: C, secondaryNodeId: null, vips: ['192.168.241.50'], virtualRouterId: 52 })],
      services: [service(), service({ id: 'svc-2', haPairId: 'p2', address: '192.168.241.50', serviceKey: 'TCP 192.168.241.50:80' })],
    });
    expect(director(rows, A).node.ipvs.services.map((s) => s.protocol !== 'FWMARK' && s.address)).toEqual(['192.168.241.11']);
    expect(director(rows, C).node.ipvs.services.map((s) => s.protocol !== 'FWMARK' && s.address)).toEqual(['192.168.241.50']);
    expect(Object.keys(director(rows, C).reportable.services)).toEqual(['TCP 192.168.241.50:80']);
  });

  it('compiles one check per real server, with the service’s settings', () => {
    const rows = cluster({ services: [service({ healthCheckKind: 'HTTP', healthCheckHttpPath: '/healthz', healthCheckHttpExpectStatus: 204, healthCheckIntervalMs: 1000, healthCheckTimeoutMs: 300, healthCheckRise: 3, healthCheckFall: 1 })] });
    expect(director(rows, A).node.healthChecks).toEqual([
      { serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.15:80', address: '192.168.241.15', port: 80, kind: 'HTTP', httpPath: '/healthz', httpExpectStatus: 204, intervalMs: 1000, timeoutMs: 300, rise: 3, fall: 1 },
      { serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.16:80', address: '192.168.241.16', port: 80, kind: 'HTTP', httpPath: '/healthz', httpExpectStatus: 204, intervalMs: 1000, timeoutMs: 300, rise: 3, fall: 1 },
    ]);
  });

  it('keys firewall-mark services by family, and skips checks on port-less destinations with a warning', () => {
    const rows = cluster({
      services: [service({ protocol: 'FWMARK', address: null, port: null, fwmark: 7, serviceKey: 'FWMARK 7', healthCheckKind: 'TCP', realServers: [rs({ id: 'rs-f', port: 0 })] })],
    });
    const a = director(rows, A);
    expect(a.node.ipvs.services[0]).toMatchObject({ protocol: 'FWMARK', fwmark: 7, family: 'ipv4' });
    expect(Object.keys(a.reportable.services)).toEqual(['FWM 7 IPv4']);
    expect(a.node.healthChecks).toEqual([]);
    expect(a.issues).toEqual([expect.objectContaining({ severity: 'warning', objectId: 'rs-f' })]);
  });
});

describe('real servers', () => {
  it('lists the VIPs of every service it serves, by forwarding method', () => {
    const rows = cluster({
      pairs: [pair({ natGatewayIp: '10.0.0.1' })],
      services: [
        service(),
        service({ id: 'svc-tun', port: 443, serviceKey: 'TCP 192.168.241.11:443', realServers: [rs({ id: 'rs-t', nodeId: RS1, port: 443, forwarding: 'TUN' })] }),
        service({ id: 'svc-nat', port: 8080, serviceKey: 'TCP 192.168.241.11:8080', realServers: [rs({ id: 'rs-n', nodeId: RS1, port: 80, forwarding: 'NAT' })] }),
        service({ id: 'svc-dup', port: 81, serviceKey: 'TCP 192.168.241.11:81', realServers: [rs({ id: 'rs-d', nodeId: RS1, port: 81 })] }),
      ],
    });
    const compiled = realServer(rows, RS1);
    expect(compiled.node).toEqual({
      role: 'REAL_SERVER',
      vips: [
        { address: '192.168.241.11', forwarding: 'DR', gateway: null },
        { address: '192.168.241.11', forwarding: 'NAT', gateway: '10.0.0.1' },
        { address: '192.168.241.11', forwarding: 'TUN', gateway: null },
      ],
    });
    expect(compiled.issues).toEqual([]);
    expect(realServer(rows, RS2).node.vips).toEqual([{ address: '192.168.241.11', forwarding: 'DR', gateway: null }]);
  });

  it('reports a NAT real server whose pair has no gateway instead of inventing one', () => {
    const rows = cluster({ services: [service({ realServers: [rs({ id: 'rs-n', nodeId: RS1, port: 8080, forwarding: 'NAT' })] })] });
    const compiled = realServer(rows, RS1);
    expect(compiled.node.vips).toEqual([{ address: '192.168.241.11', forwarding: 'NAT', gateway: null }]);
    expect(compiled.issues).toEqual([{ severity: 'error', objectType: 'RealServer', objectId: 'rs-n', message: expect.stringMatching(/no NAT gateway address/) }]);
  });

  it('accepts every VIP of the pair for a firewall-mark service', () => {
    const rows = cluster({
      pairs: [pair({ vips: ['192.168.241.11', '192.168.241.12', '2001:db8::1'] })],
      services: [service({ protocol: 'FWMARK', address: null, port: null, fwmark: 3, serviceKey: 'FWMARK 3', realServers: [rs({ nodeId: RS1, port: 0 })] })],
    });
    expect(realServer(rows, RS1).node.vips.map((v) => v.address)).toEqual(['192.168.241.11', '192.168.241.12']);
  });

  it('sends an empty list to a real server nothing points at', () => {
    expect(realServer(cluster({ services: [] }), RS1).node).toEqual({ role: 'REAL_SERVER', vips: [] });
  });
});

describe('failures', () => {
  it('refuses a node that is not in the rows', () => {
    expect(() => compileSnapshotFromRows(cluster(), 'nope')).toThrow(UnknownNodeError);
  });

  it('surfaces rows the wire contract refuses as an error, never as a frame', () => {
    // DR cannot remap ports; the estate refuses this, so only a bug (or a hand-edited row) gets here.
    const rows = cluster({ services: [service({ realServers: [rs({ port: 8080 })] })] });
    expect(() => compileValidatedSnapshot(rows, A)).toThrow(SnapshotCompileError);
    expect(() => compileValidatedSnapshot(rows, A)).toThrow(/DR destinations must use the service port/);
  });
});
