// The validators behind every form and tRPC input: good values pass, and every bad one is refused
// with a message naming what is wrong, on the field the operator has to fix.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BAD_NUMBERS, BAD_STRINGS, MALFORMED_ADDRESSES } from '../commands/bad-input-corpus';
import { AdvertInterval, InterfaceName, IpAddress, ManagementAddress, ObjectName, Port, PersistenceTimeout, Scheduler, VirtualRouterId, VrrpAuthSecret, VrrpPriority, Weight } from '../model/primitives';
import { CreateClusterInput } from './cluster';
import { canonicalAddress, CreateHaPairInput } from './ha-pair';
import { CreateNodeInput } from './node';
import { checkRealServerAgainstService, CreateRealServerInput, SetRealServerWeightInput } from './real-server';
import { CreateVirtualServiceInput, formatServiceKey } from './virtual-service';

const ID_A = '11111111-1111-4111-8111-111111111111';
const ID_B = '22222222-2222-4222-8222-222222222222';

function fieldMessages(schema: z.ZodType, value: unknown): Record<string, string[]> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  return z.flattenError(result.error).fieldErrors as Record<string, string[]>;
}

describe('primitives', () => {
  it.each(['192.168.241.11', '198.18.0.1', '2001:db8::10', '::1', 'fe80::1'])('accepts address %s', (a) => {
    expect(IpAddress.safeParse(a).success).toBe(true);
  });
  it.each([...MALFORMED_ADDRESSES, ...BAD_STRINGS])('refuses address %j with a clear message', (a) => {
    const result = IpAddress.safeParse(a);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/IP address|Address is required/);
  });
  it.each([1, 80, 65535])('accepts port %d', (p) => expect(Port.parse(p)).toBe(p));
  it.each([0, ...BAD_NUMBERS])('refuses port %d', (p) => {
    expect(Port.safeParse(p).error?.issues[0]?.message).toMatch(/Port must be/);
  });
  it.each(['80', null, undefined, '', {}])('refuses non-number port %j without coercing it', (p) => {
    expect(Port.safeParse(p).success).toBe(false);
  });
  it.each([0, 1, 65535])('accepts weight %d', (w) => expect(Weight.parse(w)).toBe(w));
  it.each([-1, 1.5, 65536, Number.NaN])('refuses weight %d', (w) => {
    expect(Weight.safeParse(w).error?.issues[0]?.message).toMatch(/Weight must be/);
  });
  it('knows every kernel scheduler and refuses others', () => {
    for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']) expect(Scheduler.parse(s)).toBe(s);
    expect(Scheduler.safeParse('wrr; reboot').error?.issues[0]?.message).toMatch(/Scheduler must be one of rr, wrr/);
  });
  it('bounds persistence, VRID, priority and advert interval', () => {
    expect(PersistenceTimeout.safeParse(86401).success).toBe(false);
    expect(PersistenceTimeout.parse(0)).toBe(0);
    expect(VirtualRouterId.safeParse(256).error?.issues[0]?.message).toBe('Virtual router id must be between 1 and 255');
    expect(VirtualRouterId.safeParse(0).success).toBe(false);
    expect(VrrpPriority.safeParse(255).error?.issues[0]?.message).toBe('Priority must be between 1 and 254');
    expect(AdvertInterval.parse(0.01)).toBe(0.01);
    expect(AdvertInterval.safeParse(0.001).success).toBe(false);
  });
  it.each(BAD_STRINGS.filter((s) => s.trim() !== '' && !/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/.test(s.trim())))('refuses name %j', (name) => {
    expect(ObjectName.safeParse(name).success).toBe(false);
  });
  it('refuses empty and oversized names with their own message', () => {
    expect(ObjectName.safeParse('').error?.issues[0]?.message).toBe('Name is required');
    expect(ObjectName.safeParse('a'.repeat(64)).error?.issues[0]?.message).toBe('Name must be at most 63 characters');
  });
  it.each(['eth0', 'bond0.100', 'ens3f1', 'veth-a_1'])('accepts interface %s', (i) => expect(InterfaceName.parse(i)).toBe(i));
  it.each([...BAD_STRINGS, 'eth0:1', 'a'.repeat(16), 'eth 0'])('refuses interface %j', (i) => {
    expect(InterfaceName.safeParse(i).success).toBe(false);
  });
  it.each(['198.18.0.11', 'lb-a.example.net', '2001:db8::1'])('accepts management address %s', (m) => expect(ManagementAddress.parse(m)).toBe(m));
  it.each(BAD_STRINGS.filter((s) => s.trim() !== ''))('refuses management address %j', (m) => {
    expect(ManagementAddress.safeParse(m).success).toBe(false);
  });
  it('keeps VRRP secrets to 8 printable characters without quotes', () => {
    expect(VrrpAuthSecret.parse('s3cret!x'.replace('!', 'x'))).toBe('s3cretxx');
    expect(VrrpAuthSecret.safeParse('123456789').error?.issues[0]?.message).toMatch(/at most 8/);
    for (const bad of ['a b', 'a"b', "a'b", 'a\nb', 'a{b', 'a#b']) expect(VrrpAuthSecret.safeParse(bad).success).toBe(false);
  });
});

describe('cluster and node inputs', () => {
  it('requires a clean name and bounds the description', () => {
    expect(CreateClusterInput.parse({ name: 'prod-eu', description: '' })).toEqual({ name: 'prod-eu', description: '', preventPortReuseLeaks: false });
    expect(CreateClusterInput.parse({ name: 'prod-eu', description: '', preventPortReuseLeaks: true }).preventPortReuseLeaks).toBe(true);
    expect(fieldMessages(CreateClusterInput, { name: 'prod-eu', preventPortReuseLeaks: 'yes' }).preventPortReuseLeaks).toEqual(['Prevent port-reuse leaks must be true or false']);
    expect(fieldMessages(CreateClusterInput, { name: '$(id)', description: 'x'.repeat(501) })).toEqual({
      name: [expect.stringMatching(/Name may contain only/)],
      description: ['Description must be at most 500 characters'],
    });
    expect(fieldMessages(CreateClusterInput, { name: 'ok', description: 'bell\u0007' }).description).toEqual(['Description must not contain control characters']);
  });
  it('requires a role and a management address', () => {
    expect(fieldMessages(CreateNodeInput, { clusterId: ID_A, name: 'director-a', role: 'ROUTER', managementAddress: 'a b' })).toEqual({
      role: ['Role must be DIRECTOR or REAL_SERVER'],
      managementAddress: ['Management address must be an IP address or a DNS host name'],
    });
  });
});

describe('HA pair input', () => {
  const pair = { clusterId: ID_A, name: 'pair-1', interface: 'eth0', virtualRouterId: 51, primaryNodeId: ID_A, secondaryNodeId: ID_B, vips: ['192.168.241.11'] };
  it('fills keepalived-like defaults', () => {
    expect(CreateHaPairInput.parse(pair)).toMatchObject({ advertInterval: 1, primaryPriority: 150, secondaryPriority: 100, authSecret: null, primaryUnicastIp: null });
  });
  it('allows a single director without VRRP peer', () => {
    expect(CreateHaPairInput.safeParse({ ...pair, secondaryNodeId: null }).success).toBe(true);
  });
  it('puts each cross-field problem on the field to fix', () => {
    expect(fieldMessages(CreateHaPairInput, { ...pair, secondaryNodeId: ID_A })).toEqual({ secondaryNodeId: ['The secondary director must differ from the primary'] });
    expect(fieldMessages(CreateHaPairInput, { ...pair, primaryPriority: 100 })).toEqual({ secondaryPriority: ['Priorities must differ so one director is clearly preferred'] });
    expect(fieldMessages(CreateHaPairInput, { ...pair, primaryUnicastIp: '198.18.0.11' }).secondaryUnicastIp?.[0]).toMatch(/needs both/);
    expect(fieldMessages(CreateHaPairInput, { ...pair, vips: ['192.168.241.11', '192.168.241.11'] }).vips).toEqual(['VIP 192.168.241.11 is listed twice']);
    expect(fieldMessages(CreateHaPairInput, { ...pair, vips: ['2001:db8::1', '2001:DB8:0::1'] }).vips).toEqual(['VIP 2001:DB8:0::1 is listed twice']);
    expect(fieldMessages(CreateHaPairInput, { ...pair, vips: ['192.168.241.300'] }).vips?.[0]).toMatch(/Not a valid IP address/);
    expect(fieldMessages(CreateHaPairInput, { ...pair, virtualRouterId: 300 }).virtualRouterId).toEqual(['Virtual router id must be between 1 and 255']);
  });
  it('canonicalises IPv6 spellings', () => {
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('192.168.241.11')).toBe('192.168.241.11');
  });
});

describe('virtual service input', () => {
  const tcp = { clusterId: ID_A, haPairId: ID_B, protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', persistenceTimeout: 20 };
  it('accepts the seed service and names it', () => {
    const parsed = CreateVirtualServiceInput.parse(tcp);
    expect(formatServiceKey(parsed)).toBe('TCP 192.168.241.11:80');
    expect(formatServiceKey({ protocol: 'UDP', address: '2001:DB8::1', port: 53, fwmark: null })).toBe('UDP [2001:db8::1]:53');
    expect(formatServiceKey({ protocol: 'FWMARK', address: null, port: null, fwmark: 7 })).toBe('FWMARK 7');
  });
  it('requires address+port for TCP/UDP and only a mark for FWMARK', () => {
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, address: null, port: null })).toEqual({ address: ['A TCP service needs a VIP address'], port: ['A TCP service needs a port'] });
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, protocol: 'FWMARK' })).toEqual({
      fwmark: ['A firewall-mark service needs a mark'],
      address: ['A firewall-mark service has no VIP address'],
      port: ['A firewall-mark service has no port'],
    });
    expect(CreateVirtualServiceInput.safeParse({ ...tcp, protocol: 'FWMARK', address: null, port: null, fwmark: 7 }).success).toBe(true);
  });
  it('ties scheduler flags to their scheduler and the netmask to persistence', () => {
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, schedulerFlags: ['sh-port'] }).schedulerFlags).toEqual(['Flag sh-port applies only to the sh scheduler']);
    expect(CreateVirtualServiceInput.safeParse({ ...tcp, scheduler: 'sh', schedulerFlags: ['sh-port', 'sh-fallback'] }).success).toBe(true);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, persistenceTimeout: 0, persistenceNetmask: 24 }).persistenceNetmask).toEqual(['A persistence netmask needs a persistence timeout']);
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, persistenceNetmask: 64 }).persistenceNetmask).toEqual(['Persistence netmask must be a prefix length from 0 to 32']);
    expect(CreateVirtualServiceInput.safeParse({ ...tcp, address: '2001:db8::1', persistenceNetmask: 64 }).success).toBe(true);
  });
  it.each(BAD_STRINGS)('refuses %j as a VIP', (address) => {
    expect(fieldMessages(CreateVirtualServiceInput, { ...tcp, address }).address?.length).toBeGreaterThan(0);
  });
});

describe('real server input', () => {
  const rs = { virtualServiceId: ID_A, address: '192.168.241.15', port: 80 };
  it('defaults to DR weight 1', () => {
    expect(CreateRealServerInput.parse(rs)).toMatchObject({ forwarding: 'DR', weight: 1, nodeId: null });
  });
  it('refuses bad weights and thresholds on their fields', () => {
    expect(fieldMessages(CreateRealServerInput, { ...rs, weight: 65536 }).weight).toEqual(['Weight must be between 0 and 65535']);
    expect(fieldMessages(CreateRealServerInput, { ...rs, upperThreshold: 10, lowerThreshold: 20 }).lowerThreshold).toEqual(['Lower threshold must not exceed the upper threshold']);
    expect(fieldMessages(CreateRealServerInput, { ...rs, lowerThreshold: 5 }).lowerThreshold).toEqual(['A lower threshold needs an upper threshold at least as high']);
    expect(CreateRealServerInput.safeParse({ ...rs, upperThreshold: 10, lowerThreshold: 5 }).success).toBe(true);
    expect(fieldMessages(SetRealServerWeightInput, { id: ID_A, version: 1, weight: -1 }).weight).toEqual(['Weight must be between 0 and 65535']);
    expect(fieldMessages(CreateRealServerInput, { ...rs, forwarding: 'GRE' }).forwarding).toEqual(['Forwarding must be DR, TUN or NAT']);
  });
  it('lets only NAT remap ports, and keeps the VIP family', () => {
    const service = { protocol: 'TCP' as const, address: '192.168.241.11', port: 80 };
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 80, forwarding: 'DR' }, service)).toEqual([]);
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 8080, forwarding: 'DR' }, service)).toEqual([
      { field: 'port', message: 'DR cannot remap ports: the real server port must equal the service port 80 (only NAT may differ)' },
    ]);
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 8080, forwarding: 'TUN' }, service)[0]?.message).toMatch(/^TUN cannot remap/);
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 8080, forwarding: 'NAT' }, service)).toEqual([]);
    expect(checkRealServerAgainstService({ address: '2001:db8::15', port: 80, forwarding: 'DR' }, service)).toEqual([{ field: 'address', message: 'The real server must be IPv4 like the VIP 192.168.241.11' }]);
    const fwmark = { protocol: 'FWMARK' as const, address: null, port: null };
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 0, forwarding: 'DR' }, fwmark)).toEqual([]);
    expect(checkRealServerAgainstService({ address: '192.168.241.15', port: 0, forwarding: 'NAT' }, fwmark)[0]?.message).toMatch(/NAT to a firewall-mark service needs a real server port/);
  });
});
