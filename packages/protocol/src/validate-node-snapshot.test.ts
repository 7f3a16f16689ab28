// The cached wire-contract check must say exactly what NodeSnapshot.safeParse says: the same output
// (transforms, defaults, key order) for a valid snapshot, a refusal for an invalid one, every time.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { NodeSnapshot } from './snapshot';
import { validateNodeSnapshot } from './validate-node-snapshot';

type DirectorInput = Extract<z.input<typeof NodeSnapshot>, { role: 'DIRECTOR' }>;

const destination = (address: string, port: number, weight: number) => ({ address, port, forwarding: 'DR' as const, weight, upperThreshold: 0, lowerThreshold: 0 });

/** A fresh director snapshot each call (new objects, same content unless changed). */
function director(overrides: Partial<DirectorInput> = {}): DirectorInput {
  return {
    role: 'DIRECTOR',
    ipvs: {
      services: [
        { protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', schedulerFlags: [], persistenceTimeout: 0, persistencePrefix: null, onePacket: false, destinations: [destination('192.168.241.15', 80, 3), destination('192.168.241.16', 80, 0)] },
        { protocol: 'FWMARK', fwmark: 7, family: 'ipv6', scheduler: 'sh', schedulerFlags: ['sh-port'], persistenceTimeout: 300, persistencePrefix: 64, onePacket: false, destinations: [{ ...destination('2001:DB8::5', 0, 1), forwarding: 'TUN' }] },
      ],
    },
    keepalived: null,
    addresses: [{ address: '192.168.241.11', prefix: 32, dev: 'eth0', label: 'eth0:0' }],
    sysctls: [{ key: 'net.ipv4.vs.conn_reuse_mode', value: 3 }],
    healthChecks: [
      { serviceKey: 'TCP 192.168.241.11:80', destinationKey: '192.168.241.15:80', address: '192.168.241.15', port: 80, kind: 'HTTP', httpPath: '/health', httpExpectStatus: 200, intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3 },
    ],
    ...overrides,
  };
}

function refusal(node: z.input<typeof NodeSnapshot>) {
  const result = validateNodeSnapshot(node);
  if (result.ok) throw new Error('expected a refusal');
  return `${result.issue.message} at ${result.issue.path.map(String).join('.')}`;
}

describe('validateNodeSnapshot', () => {
  it('returns what NodeSnapshot.parse returns, canonical addresses included, on first sight and from the cache', () => {
    const expected = NodeSnapshot.parse(director());
    for (let i = 0; i < 3; i++) {
      const result = validateNodeSnapshot(director());
      if (!result.ok) throw new Error(result.issue.message);
      expect(result.data).toEqual(expected);
      // Same key order too: the frame on the wire is byte for byte the one a full parse gives.
      expect(JSON.stringify(result.data)).toBe(JSON.stringify(expected));
    }
    const result = validateNodeSnapshot(director());
    expect(result.ok && result.data.role === 'DIRECTOR' && result.data.ipvs.services[1]?.destinations[0]?.address).toBe('2001:db8::5');
  });

  it('sees a changed service as new', () => {
    const node = director();
    node.ipvs.services[0]!.destinations![0]!.weight = 9;
    const result = validateNodeSnapshot(node);
    expect(result.ok && result.data.role === 'DIRECTOR' && result.data.ipvs.services[0]?.destinations[0]?.weight).toBe(9);
  });

  it('refuses an invalid service every time, with the path NodeSnapshot would give', () => {
    const node = director();
    node.ipvs.services[0]!.destinations![0]!.port = 8080;
    const full = NodeSnapshot.safeParse(node);
    expect(full.success).toBe(false);
    for (let i = 0; i < 2; i++) expect(refusal(node)).toBe(`DR destinations must use the service port 80 (only NAT can map ports) at ipvs.services.0.destinations.0.port`);
  });

  it('keeps the table-wide rule: no duplicate service', () => {
    const node = director();
    node.ipvs.services.push({ ...node.ipvs.services[0]!, scheduler: 'rr' });
    expect(refusal(node)).toMatch(/^Duplicate service TCP 192\.168\.241\.11:80 at ipvs\.services\.2$/);
  });

  it('refuses an invalid health check, and more health checks than a snapshot may carry', () => {
    const node = director();
    node.healthChecks![0]!.httpPath = '/a b';
    expect(refusal(node)).toMatch(/at healthChecks\.0\.httpPath$/);
    const check = director().healthChecks![0]!;
    expect(refusal(director({ healthChecks: Array.from({ length: 20_001 }, () => check) }))).toMatch(/at healthChecks$/);
  });

  it('refuses what the rest of the snapshot gets wrong', () => {
    expect(refusal(director({ sysctls: [{ key: 'net.ipv4.vs.conn_reuse_mode; rm -rf /', value: 3 }] }))).toMatch(/at sysctls\.0\.key$/);
  });

  it('checks a real server snapshot with NodeSnapshot itself', () => {
    const node = { role: 'REAL_SERVER' as const, vips: [{ address: '2001:DB8::1', forwarding: 'DR' as const }] };
    expect(validateNodeSnapshot(node)).toEqual({ ok: true, data: NodeSnapshot.parse(node) });
    expect(refusal({ role: 'REAL_SERVER', vips: [{ address: 'not-an-ip', forwarding: 'DR' }] })).toMatch(/at vips\.0\.address$/);
  });
});
