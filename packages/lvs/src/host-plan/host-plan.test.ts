import { describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '../commands/bad-input-corpus';
import { LvsValidationError } from '../model/errors';
import { planDirector, planRealServer } from './host-plan';

describe('planRealServer', () => {
  it('DR: VIPs on lo as host routes, arp_ignore/arp_announce on all and lo', () => {
    const p = planRealServer({ forwarding: 'DR', vips: ['192.168.241.11', '2001:db8::10'] });
    expect(p.addresses).toEqual([{ address: '192.168.241.11', prefix: 32, dev: 'lo' }, { address: '2001:db8::10', prefix: 128, dev: 'lo' }]);
    expect(p.sysctls).toEqual([
      { key: 'net.ipv4.conf.all.arp_ignore', value: 1 },
      { key: 'net.ipv4.conf.lo.arp_ignore', value: 1 },
      { key: 'net.ipv4.conf.all.arp_announce', value: 2 },
      { key: 'net.ipv4.conf.lo.arp_announce', value: 2 },
    ]);
  });
  it('TUN: ipip, tunl0 up with the VIP, rp_filter=0 on tunl0 and all, arp_ignore/arp_announce on all', () => {
    const p = planRealServer({ forwarding: 'TUN', vips: ['192.168.241.11'] });
    expect(p).toMatchObject({ modules: ['ipip'], links: ['tunl0'], addresses: [{ address: '192.168.241.11', prefix: 32, dev: 'tunl0' }] });
    expect(p.sysctls).toEqual([{ key: 'net.ipv4.conf.tunl0.rp_filter', value: 0 }, { key: 'net.ipv4.conf.all.rp_filter', value: 0 }, { key: 'net.ipv4.conf.all.arp_ignore', value: 1 }, { key: 'net.ipv4.conf.all.arp_announce', value: 2 }]);
  });
  it('NAT: only a gateway check, nothing changed', () => {
    const p = planRealServer({ forwarding: 'NAT', vips: [], gateway: '10.0.0.254' });
    expect(p).toMatchObject({ addresses: [], sysctls: [], modules: [], checks: [{ kind: 'default-gateway', expected: '10.0.0.254' }] });
    expect(() => planRealServer({ forwarding: 'NAT', vips: [] })).toThrow(LvsValidationError);
  });
  it('refuses the bad-input corpus', () => {
    for (const bad of BAD_STRINGS) {
      expect(() => planRealServer({ forwarding: 'DR', vips: [bad] })).toThrow(LvsValidationError);
      expect(() => planRealServer({ forwarding: 'DR', vips: ['192.0.2.1'], device: bad })).toThrow(LvsValidationError);
    }
  });
});

describe('planDirector', () => {
  it('loads ip_vs and the schedulers in use, forwards only for NAT, keeps keepalived VRRP-only', () => {
    const p = planDirector({
      table: {
        services: [
          { protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', destinations: [{ address: '10.0.0.1', port: 8080, forwarding: 'NAT', weight: 1 }] },
          { protocol: 'UDP', address: '192.168.241.11', port: 53, scheduler: 'sh', destinations: [] },
        ],
      },
      keepalived: { routerId: 'd1', instances: [{ name: 'VI_1', state: 'BACKUP', interface: 'eth0', virtualRouterId: 1, priority: 100, virtualIpAddresses: [{ address: '192.168.241.11', prefix: 32, dev: 'eth0' }] }] },
    });
    expect(p.modules).toEqual(['ip_vs', 'ip_vs_sh', 'ip_vs_wrr']);
    expect(p.sysctls).toEqual([{ key: 'net.ipv4.ip_forward', value: 1 }]);
    expect(p.keepalived?.virtualServers).toEqual([]);
    expect(p.ipvs?.services).toHaveLength(2);
  });
});
