import { describe, expect, it } from 'vitest';
import { LvsValidationError } from '../model/errors';
import { BAD_NUMBERS, BAD_STRINGS, MALFORMED_ADDRESSES } from './bad-input-corpus';
import { Ip } from './ip';
import { Ipvsadm, operationArgs, renderRestoreBatch } from './ipvsadm';
import { Keepalived } from './keepalived';
import { Modprobe } from './modprobe';
import { Sysctl } from './sysctl';
import type { IpvsOperation } from '../diff/operations';
import type { Destination, ServiceSpec } from '../model/ipvs';

const svc: ServiceSpec & { protocol: 'TCP' } = { protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', schedulerFlags: [], persistenceTimeout: 20, persistencePrefix: null, onePacket: false };
const dest: Destination = { address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 };

describe('Ipvsadm argv', () => {
  const ipvsadm = new Ipvsadm();
  it('builds the classic commands', () => {
    expect(ipvsadm.apply({ op: 'add-service', service: svc })).toEqual({ file: '/usr/sbin/ipvsadm', args: ['-A', '-t', '192.168.241.11:80', '-s', 'wrr', '-p', '20'] });
    expect(ipvsadm.apply({ op: 'add-destination', service: svc, destination: dest }).args).toEqual(['-a', '-t', '192.168.241.11:80', '-r', '192.168.241.15:80', '-g', '-w', '1']);
    expect(ipvsadm.apply({ op: 'delete-destination', service: svc, destination: dest }).args).toEqual(['-d', '-t', '192.168.241.11:80', '-r', '192.168.241.15:80']);
    expect(ipvsadm.apply({ op: 'delete-service', service: svc }).args).toEqual(['-D', '-t', '192.168.241.11:80']);
  });
  it('writes every attribute on edits, IPv6 brackets, fwmark -6 after -f, masks, flags, ops, thresholds', () => {
    const v6: ServiceSpec = { ...svc, protocol: 'UDP', address: '2001:DB8::1', port: 53, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], persistencePrefix: 64, onePacket: true };
    expect(operationArgs({ op: 'edit-service', service: v6, before: v6 })).toEqual(['-E', '-u', '[2001:db8::1]:53', '-s', 'sh', '-p', '20', '-M', '64', '-o', '-b', 'sh-fallback,sh-port']);
    const fwm: ServiceSpec = { protocol: 'FWMARK', fwmark: 7, family: 'ipv6', scheduler: 'mh', schedulerFlags: ['mh-port'], persistenceTimeout: 0, persistencePrefix: null, onePacket: false };
    expect(operationArgs({ op: 'add-service', service: fwm })).toEqual(['-A', '-f', '7', '-6', '-s', 'mh', '-b', 'mh-port']);
    const v4mask = { ...svc, persistencePrefix: 24 };
    expect(operationArgs({ op: 'add-service', service: v4mask })).toContain('255.255.255.0');
    const d: Destination = { address: '2001:db8::5', port: 0, forwarding: 'TUN', weight: 3, upperThreshold: 100, lowerThreshold: 10 };
    expect(operationArgs({ op: 'edit-destination', service: fwm, destination: d, before: d })).toEqual(['-e', '-f', '7', '-6', '-r', '[2001:db8::5]:0', '-i', '-w', '3', '-x', '100', '-y', '10']);
    expect(operationArgs({ op: 'add-destination', service: svc, destination: { ...dest, port: 8080, forwarding: 'NAT' } })).toContain('-m');
  });
  it('renders one restore batch, one command per line, never a clear', () => {
    const ops: IpvsOperation[] = [
      { op: 'add-service', service: svc },
      { op: 'add-destination', service: svc, destination: dest },
      { op: 'edit-destination', service: svc, destination: { ...dest, weight: 0 }, before: dest },
    ];
    expect(renderRestoreBatch(ops)).toBe(
      '-A -t 192.168.241.11:80 -s wrr -p 20\n-a -t 192.168.241.11:80 -r 192.168.241.15:80 -g -w 1\n-e -t 192.168.241.11:80 -r 192.168.241.15:80 -g -w 0\n',
    );
    expect(renderRestoreBatch(ops)).not.toMatch(/-C|--clear/);
    expect(new Ipvsadm().restore(ops)).toMatchObject({ args: ['-R'] });
  });
  it('lists with --exact and one variant', () => {
    expect(ipvsadm.save().args).toEqual(['-S', '-n']);
    expect(ipvsadm.list({ stats: true }).args).toEqual(['-L', '-n', '--exact', '--stats']);
    expect(() => ipvsadm.list({ stats: true, rate: true })).toThrow();
    expect(ipvsadm.startDaemon('master', 'eth0', 5).args).toEqual(['--start-daemon', 'master', '--mcast-interface', 'eth0', '--syncid', '5']);
    expect(ipvsadm.listDaemons()).toEqual({ file: '/usr/sbin/ipvsadm', args: ['-L', '--daemon'] });
  });
});

describe('bad-input corpus never reaches argv', () => {
  const ipvsadm = new Ipvsadm();
  const ip = new Ip();
  const attempts: Array<[string, (bad: string) => unknown]> = [
    ['service address', (bad) => ipvsadm.apply({ op: 'add-service', service: { ...svc, address: bad } })],
    ['destination address', (bad) => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, address: bad } })],
    ['scheduler', (bad) => ipvsadm.apply({ op: 'add-service', service: { ...svc, scheduler: bad as 'rr' } })],
    ['scheduler flag', (bad) => ipvsadm.apply({ op: 'add-service', service: { ...svc, scheduler: 'sh', schedulerFlags: [bad as 'sh-port'] } })],
    ['forwarding', (bad) => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, forwarding: bad as 'DR' } })],
    ['sync interface', (bad) => ipvsadm.startDaemon('master', bad, 1)],
    ['sync state', (bad) => ipvsadm.startDaemon(bad as 'master', 'eth0', 1)],
    ['ip address', (bad) => ip.addAddress({ address: bad, prefix: 32, dev: 'lo' })],
    ['ip dev', (bad) => ip.addAddress({ address: '192.0.2.1', prefix: 32, dev: bad })],
    ['ip label', (bad) => ip.addAddress({ address: '192.0.2.1', prefix: 32, dev: 'lo', label: bad })],
    ['link', (bad) => ip.setLinkUp(bad)],
    ['sysctl key', (bad) => new Sysctl().set({ key: bad, value: 1 })],
    ['sysctl read', (bad) => new Sysctl().read(bad)],
    ['module', (bad) => new Modprobe().load(bad)],
    ['keepalived config', (bad) => new Keepalived().configTest(bad)],
    ['binary path', (bad) => new Ipvsadm(bad)],
  ];
  for (const [what, attempt] of attempts) {
    it(`refuses every corpus string as ${what}`, () => {
      for (const bad of BAD_STRINGS) {
        let result: unknown;
        try {
          result = attempt(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(LvsValidationError);
          continue;
        }
        throw new Error(`${what} accepted ${JSON.stringify(bad)} → ${JSON.stringify(result)}`);
      }
    });
  }
  it('refuses malformed addresses', () => {
    for (const bad of MALFORMED_ADDRESSES) {
      expect(() => ipvsadm.apply({ op: 'add-service', service: { ...svc, address: bad } }), bad).toThrow(LvsValidationError);
      expect(() => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, address: bad } }), bad).toThrow(LvsValidationError);
      expect(() => ip.addAddress({ address: bad, prefix: 32, dev: 'lo' }), bad).toThrow(LvsValidationError);
    }
  });
  it('refuses out-of-range numbers everywhere', () => {
    const numeric: Array<(n: number) => unknown> = [
      (n) => ipvsadm.apply({ op: 'add-service', service: { ...svc, port: n } }),
      (n) => ipvsadm.apply({ op: 'add-service', service: { ...svc, persistenceTimeout: n === 65536 ? 86401 : n } }),
      (n) => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, weight: n } }),
      (n) => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, port: n, forwarding: 'NAT' } }),
      (n) => ipvsadm.apply({ op: 'add-destination', service: svc, destination: { ...dest, upperThreshold: n === 65536 ? 2 ** 31 : n } }),
      (n) => ipvsadm.apply({ op: 'delete-service', service: { protocol: 'FWMARK', fwmark: n === 65536 ? 0 : n, family: 'ipv4' } }),
      (n) => ip.addAddress({ address: '192.0.2.1', prefix: n === 65536 ? 33 : n, dev: 'lo' }),
      (n) => new Sysctl().set({ key: 'net.ipv4.ip_forward', value: n === -1 ? -2 : n === 65536 ? 2 ** 31 : n }),
      (n) => ipvsadm.startDaemon('master', 'eth0', n === -1 ? 256 : n),
    ];
    for (const build of numeric) {
      for (const n of BAD_NUMBERS) expect(() => build(n), String(n)).toThrow(LvsValidationError);
    }
  });
  it('refuses inconsistent services and destinations', () => {
    expect(() => operationArgs({ op: 'add-service', service: { ...svc, scheduler: 'wrr', schedulerFlags: ['sh-port'] } })).toThrow(LvsValidationError);
    expect(() => operationArgs({ op: 'add-service', service: { ...svc, persistenceTimeout: 0, persistencePrefix: 24 } })).toThrow(LvsValidationError);
    expect(() => operationArgs({ op: 'add-service', service: { ...svc, persistencePrefix: 33 } })).toThrow(LvsValidationError);
  });
});

describe('other binaries', () => {
  it('builds ip, sysctl, modprobe, keepalived argv', () => {
    const ip = new Ip();
    expect(ip.addAddress({ address: '192.168.241.11', prefix: 32, dev: 'lo', label: 'lo:0' }).args).toEqual(['addr', 'add', '192.168.241.11/32', 'dev', 'lo', 'label', 'lo:0']);
    expect(ip.deleteAddress({ address: '2001:db8::a', prefix: 128, dev: 'tunl0' }).args).toEqual(['addr', 'del', '2001:db8::a/128', 'dev', 'tunl0']);
    expect(() => ip.addAddress({ address: '192.0.2.1', prefix: 32, dev: 'eth0', label: 'lo:0' })).toThrow(LvsValidationError);
    expect(new Sysctl().set({ key: 'net.ipv4.conf.all.arp_ignore', value: 1 }).args).toEqual(['-w', 'net.ipv4.conf.all.arp_ignore=1']);
    expect(new Modprobe().load('ip_vs_wrr').args).toEqual(['--', 'ip_vs_wrr']);
    expect(new Keepalived().configTest('/etc/keepalived/keepalived.conf').args).toEqual(['--config-test', '--use-file', '/etc/keepalived/keepalived.conf']);
  });
});
