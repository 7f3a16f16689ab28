import { describe, expect, it } from 'vitest';
import { defaultTopology, findLabHost, intToIpv4, ipv4ToInt, parseCidr, resolveTopology } from './topology';

describe('IPv4 helpers', () => {
  it('round-trips addresses and rejects malformed ones', () => {
    expect(intToIpv4(ipv4ToInt('198.18.0.100'))).toBe('198.18.0.100');
    expect(ipv4ToInt('255.255.255.255')).toBe(2 ** 32 - 1);
    for (const bad of ['198.18.0', '198.18.0.256', '1.2.3.04', '1.2.3.-1', 'a.b.c.d', '1.2.3.4 ', '']) {
      expect(() => ipv4ToInt(bad)).toThrow();
    }
  });

  it('parses CIDRs and refuses host bits', () => {
    expect(parseCidr('198.18.0.0/24')).toEqual({ network: ipv4ToInt('198.18.0.0'), prefix: 24, size: 256 });
    expect(() => parseCidr('198.18.0.1/24')).toThrow(/host bits/);
    expect(() => parseCidr('198.18.0.0/33')).toThrow();
    expect(() => parseCidr('198.18.0.0')).toThrow();
  });
});

describe('resolveTopology', () => {
  it('allocates the default lab: client, two directors, three real servers, VIPs from .100', () => {
    const topology = resolveTopology(defaultTopology());
    expect(topology.hosts.map((h) => [h.name, h.role, h.address])).toEqual([
      ['client', 'client', '198.18.0.10'],
      ['director-a', 'director', '198.18.0.11'],
      ['director-b', 'director', '198.18.0.12'],
      ['rs-1', 'real-server', '198.18.0.13'],
      ['rs-2', 'real-server', '198.18.0.14'],
      ['rs-3', 'real-server', '198.18.0.15'],
    ]);
    expect(topology.segment).toEqual({ cidr: '198.18.0.0/24', prefix: 24, gateway: '198.18.0.1' });
    expect(topology.hostLink).toMatchObject({ hostAddress: '198.18.1.1', guestAddress: '198.18.1.2', prefix: 30 });
    expect(topology.freeAddresses[0]).toBe('198.18.0.100');
    expect(topology.freeAddresses.at(-1)).toBe('198.18.0.254');
    expect(new Set(topology.hosts.map((h) => h.bridgePort)).size).toBe(6);
    expect(topology.tapName).toBe('fulcrum-tap0');
  });

  it('sizes the real-server pool from the spec', () => {
    const topology = resolveTopology(defaultTopology({ realServers: 10 }));
    expect(topology.hosts.filter((h) => h.role === 'real-server')).toHaveLength(10);
    expect(findLabHost(topology, 'rs-10').address).toBe('198.18.0.22');
    expect(() => findLabHost(topology, 'rs-11')).toThrow(/unknown lab host "rs-11"/);
  });

  it('keeps fixed addresses and allocates around them', () => {
    const topology = resolveTopology({
      hosts: [
        { name: 'client', role: 'client', address: '198.18.0.11' },
        { name: 'director-a', role: 'director' },
      ],
    });
    expect(findLabHost(topology, 'client').address).toBe('198.18.0.11');
    expect(findLabHost(topology, 'director-a').address).toBe('198.18.0.10');
    expect(topology.freeAddresses).not.toContain('198.18.0.11');
  });

  it('packs small segments and reports when they are too small', () => {
    const small = resolveTopology({ segment: '198.18.2.0/28', hosts: defaultTopology({ realServers: 2 }).hosts });
    expect(small.hosts.map((h) => h.address)).toEqual(['198.18.2.2', '198.18.2.3', '198.18.2.4', '198.18.2.5', '198.18.2.6']);
    expect(small.freeAddresses).toEqual(['198.18.2.8', '198.18.2.9', '198.18.2.10', '198.18.2.11', '198.18.2.12', '198.18.2.13', '198.18.2.14']);
    expect(() => resolveTopology({ segment: '198.18.2.0/29', hosts: defaultTopology({ realServers: 4 }).hosts })).toThrow(/too small/);
  });

  it('rejects addresses outside 198.18.0.0/15 and other bad specs', () => {
    const hosts = defaultTopology().hosts;
    expect(() => resolveTopology({ segment: '10.0.0.0/24', hosts })).toThrow(/198\.18\.0\.0\/15/);
    expect(() => resolveTopology({ segment: '198.20.0.0/24', hosts })).toThrow(/198\.18\.0\.0\/15/);
    expect(() => resolveTopology({ hostLink: '192.168.1.0/30', hosts })).toThrow(/198\.18\.0\.0\/15/);
    expect(() => resolveTopology({ hostLink: '198.18.0.0/30', hosts })).toThrow(/overlap/);
    expect(() => resolveTopology({ hosts: [...hosts, { name: 'client', role: 'client' }] })).toThrow(/duplicate/);
    expect(() => resolveTopology({ hosts: [{ name: 'guest', role: 'client' }] })).toThrow(/reserved/);
    expect(() => resolveTopology({ hosts: [{ name: 'rs;rm -rf /', role: 'real-server' }] })).toThrow();
    expect(() => resolveTopology({ hosts: [{ name: 'a', role: 'client', address: '198.18.0.1' }] })).toThrow(/taken/);
    expect(() => resolveTopology({ hosts: [{ name: 'a', role: 'client', address: '198.18.5.1' }] })).toThrow(/not a usable/);
    expect(() => resolveTopology({ tapName: 'eth0; reboot', hosts })).toThrow();
    expect(() => resolveTopology({ hosts: [{ name: 'a', role: 'client', sysctls: { 'net.x': '1; reboot' } }] })).toThrow();
  });
});
