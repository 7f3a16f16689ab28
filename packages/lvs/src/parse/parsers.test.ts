import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderRestoreBatch } from '../commands/ipvsadm';
import { diffIpvsTables } from '../diff/diff-ipvs-tables';
import { ipvsTableArbitrary } from '../model/arbitraries';
import { LvsParseError } from '../model/errors';
import { normalizeTable } from '../model/ipvs';
import { parseIpAddrJson } from './parse-ip-addr-json';
import { parseIpvsadmDaemons } from './parse-ipvsadm-daemon';
import { mergeThresholds, parseIpvsadmList, tableFromListing } from './parse-ipvsadm-list';
import { parseIpvsadmSave } from './parse-ipvsadm-save';
import { parseProcIpVs, parseProcIpVsConn, parseProcIpVsStats } from './parse-proc-ip-vs';

// Shapes follow ipvsadm 1.31's print_service_entry and the kernel's seq_show functions.
const SAVE = `-A -t 192.168.241.11:80 -s wrr -p 20 -M 255.255.255.0
-a -t 192.168.241.11:80 -r 192.168.241.15:80 -g -w 1
-a -t 192.168.241.11:80 -r 192.168.241.16:80 -g -w 3
-A -u [2001:db8::1]:53 -s sh -o -b sh-fallback,sh-port
-a -u [2001:db8::1]:53 -r [2001:db8:1::5]:53 -i -w 1 --tun-type ipip
-A -f 1 -s rr
-a -f 1 -r 10.0.0.2:0 -g -w 0
-A -f 2 -6 -s mh -p 300 -M 64 -b mh-port
-A -t 198.51.100.7:443 -s wlc
-a -t 198.51.100.7:443 -r 10.0.0.9:8443 -m -w 65535
`;

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.241.11:80 wrr persistent 20 mask 255.255.255.0
  -> 192.168.241.15:80            Route   1      3          120
  -> 192.168.241.16:80            Route   3      0          0
UDP  [2001:db8::1]:53 sh (sh-fallback,sh-port) ops
  -> [2001:db8:1::5]:53           Tunnel  1      0          0
FWM  1 rr
  -> 10.0.0.2:0                   Route   0      0          0
FWM  2 IPv6 mh (mh-port) persistent 300 mask 64
TCP  198.51.100.7:443 wlc
  -> 10.0.0.9:8443                Masq    65535  1          0
`;

const THRESHOLDS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
  -> RemoteAddress:Port
TCP  192.168.241.11:80 wrr persistent 20 mask 255.255.255.0
  -> 192.168.241.15:80            100        10         3          120
  -> 192.168.241.16:80            0          0          0          0
TCP  198.51.100.7:443 wlc
  -> 10.0.0.9:8443                0          0          1          0
`;

const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  192.168.241.11:80                 1234     9876        0   123456        0
  -> 192.168.241.15:80                  600     4938        0    61728        0
FWM  2 IPv6                               0        0        0        0        0
TCP  198.51.100.7:443              5000000000 12345678901 0 99999999999999 0
`;

const RATE = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
  -> RemoteAddress:Port
UDP  [2001:db8::1]:53                    12       24        0     2048        0
  -> [2001:db8:1::5]:53                  12       24        0     2048        0
`;

describe('parseIpvsadmSave', () => {
  it('reads services, flags, persistence masks, ops, fwmark -6, TUN, NAT port maps', () => {
    const t = parseIpvsadmSave(SAVE);
    expect(t.services).toHaveLength(5);
    expect(t.services[0]).toMatchObject({ protocol: 'TCP', address: '192.168.241.11', port: 80, scheduler: 'wrr', persistenceTimeout: 20, persistencePrefix: 24 });
    expect(t.services[0]?.destinations.map((d) => d.weight)).toEqual([1, 3]);
    expect(t.services[1]).toMatchObject({ protocol: 'UDP', address: '2001:db8::1', scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], onePacket: true });
    expect(t.services[1]?.destinations[0]).toMatchObject({ address: '2001:db8:1::5', forwarding: 'TUN' });
    expect(t.services[2]).toMatchObject({ protocol: 'FWMARK', fwmark: 1, family: 'ipv4' });
    expect(t.services[2]?.destinations[0]).toMatchObject({ address: '10.0.0.2', port: 0 });
    expect(t.services[3]).toMatchObject({ protocol: 'FWMARK', fwmark: 2, family: 'ipv6', persistencePrefix: 64, schedulerFlags: ['mh-port'] });
    expect(t.services[4]?.destinations[0]).toMatchObject({ port: 8443, forwarding: 'NAT', weight: 65535 });
  });
  it('reads an empty table', () => {
    expect(parseIpvsadmSave('')).toEqual({ services: [] });
  });
  it('agrees with the listing of the same table', () => {
    expect(normalizeTable(tableFromListing(parseIpvsadmList(LIST)))).toEqual(normalizeTable(parseIpvsadmSave(SAVE)));
  });
  it('reads back what the batch renderer writes (property)', () => {
    fc.assert(
      fc.property(ipvsTableArbitrary, (t) => {
        const text = renderRestoreBatch(diffIpvsTables({ services: [] }, t));
        const stripped = normalizeTable({ services: t.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) })) });
        const noX = text.replace(/ -[xy] \d+/g, ''); // -S never prints thresholds
        expect(normalizeTable(parseIpvsadmSave(noX))).toEqual(stripped);
      }),
      { numRuns: 300 },
    );
  });
  const bad: Array<[string, number, RegExp]> = [
    ['-A -t 192.0.2.1:80 -s wrr\n-X -t 1.2.3.4:80\n', 2, /Unexpected command/],
    ['-a -t 192.0.2.1:80 -r 10.0.0.1:80 -g -w 1\n', 1, /unknown service/],
    ['-A -t 192.0.2.1:80 -s wrr --pe sip\n', 1, /--pe/],
    ['-A --sctp-service 192.0.2.1:80 -s wrr\n', 1, /SCTP/],
    ['-A -t 192.0.2.1:80 -s bogus\n', 1, /scheduler/],
    ['-A -t 192.0.2.1:80 -s wrr -p 20 -M 255.0.255.0\n', 1, /contiguous/],
    ['-A -t 192.0.2.1:80 -s wrr -b sh-port\n', 1, /sh-port/],
    ['-A -t 192.0.2.1:80 -s wrr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -g -w 70000\n', 2, /weight/],
    ['-A -t 192.0.2.1:80 -s wrr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -i -w 1 --tun-type gue --tun-port 6080\n', 2, /gue/],
    ['-A -t 192.0.2.1:80 -s wrr\n-A -t 192.0.2.1:80 -s rr\n', 2, /Duplicate/],
    ['-A -t 1.2.3.4.5:80 -s wrr\n', 1, /address:port/],
    ['-A -t 2001:db8::1:80 -s wrr\n', 1, /address:port/],
    ['-A -t 192.0.2.1:80 -s wrr $(touch /tmp/x)\n', 1, /Unknown service option/],
  ];
  for (const [text, line, message] of bad) {
    it(`refuses ${JSON.stringify(text.trim().split('\n').pop())} with line ${line}`, () => {
      const e = (() => {
        try {
          parseIpvsadmSave(text);
        } catch (x) {
          return x;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(LvsParseError);
      expect((e as LvsParseError).line).toBe(line);
      expect((e as LvsParseError).code).toBe('PARSE_ERROR');
      expect((e as LvsParseError).message).toMatch(message);
    });
  }
});

describe('parseIpvsadmList', () => {
  it('reads the default listing with counts', () => {
    const l = parseIpvsadmList(LIST);
    expect(l).toMatchObject({ variant: 'default', version: '1.2.1', tableSize: 4096 });
    expect(l.services[0]?.destinations[0]).toEqual({ address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 1, activeConns: 3, inactConns: 120 });
    expect(l.services[3]).toMatchObject({ key: 'FWM 2 IPv6', persistenceTimeout: 300, persistencePrefix: 64 });
  });
  it('merges thresholds into a saved table', () => {
    const t = mergeThresholds(parseIpvsadmSave(SAVE), parseIpvsadmList(THRESHOLDS));
    expect(t.services[0]?.destinations[0]).toMatchObject({ upperThreshold: 100, lowerThreshold: 10 });
    expect(t.services[0]?.destinations[1]).toMatchObject({ upperThreshold: 0, lowerThreshold: 0 });
  });
  it('reads --stats --exact including 64-bit-ish counters', () => {
    const l = parseIpvsadmList(STATS);
    expect(l.variant).toBe('stats');
    expect(l.exact).toBe(true);
    expect(l.services[0]?.counters).toEqual({ conns: 1234, inPackets: 9876, outPackets: 0, inBytes: 123456, outBytes: 0 });
    expect(l.services[1]?.key).toBe('FWM 2 IPv6');
    expect(l.services[2]?.counters?.inBytes).toBe(99999999999999);
  });
  it('reads --rate and flags abbreviated counters', () => {
    expect(parseIpvsadmList(RATE).services[0]?.destinations[0]?.counters).toEqual({ conns: 12, inPackets: 24, outPackets: 0, inBytes: 2048, outBytes: 0 });
    const abbreviated = RATE.replace('2048        0\n  ->', '  123456K        0\n  ->');
    expect(parseIpvsadmList(abbreviated).exact).toBe(false);
  });
  it('reads an empty table', () => {
    expect(parseIpvsadmList(LIST.split('\n').slice(0, 3).join('\n')).services).toEqual([]);
  });
  it('refuses unknown columns, forwarding names and truncated rows with the line', () => {
    expect(() => parseIpvsadmList(LIST.replace('Scheduler Flags', 'Scheduler Bogus'))).toThrow(LvsParseError);
    const e = (() => {
      try {
        parseIpvsadmList(LIST.replace('Route   3', 'Bridge  3'));
      } catch (x) {
        return x as LvsParseError;
      }
      return null;
    })();
    expect(e?.line).toBe(6);
    expect(() => parseIpvsadmList(LIST.replace('120', ''))).toThrow(/ActiveConn InActConn/);
    expect(() => parseIpvsadmList('garbage')).toThrow(LvsParseError);
  });
});

const PROC = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C0A8F10B:0050 wrr persistent 20000 FFFFFF00
  -> C0A8F10F:0050      Route   1      3          120
  -> C0A8F110:0050      Route   3      0          0
UDP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0035 sh ops 
  -> [2001:0db8:0001:0000:0000:0000:0000:0005]:0035      Tunnel  1      0          0
FWM  00000001 rr 
  -> 0A000002:0000      Masq    0      0          0
FWM  00000002 mh 
  -> [2001:0db8:0001:0000:0000:0000:0000:0006]:0000      Route   2      0          0
`;

describe('/proc parsers', () => {
  it('parses /proc/net/ip_vs with hex addresses, IPv6, ops, jiffies persistence', () => {
    const s = parseProcIpVs(PROC);
    expect(s.map((x) => x.key)).toEqual(['TCP 192.168.241.11:80', 'UDP [2001:db8::1]:53', 'FWM 1 IPv4', 'FWM 2 IPv6']);
    expect(s[0]?.persistence).toEqual({ timeoutJiffies: 20000, netmaskRaw: 0xffffff00, ipv4Prefix: 24 });
    expect(s[0]?.destinations[0]).toEqual({ address: '192.168.241.15', port: 80, forwarding: 'DR', weight: 1, activeConns: 3, inactConns: 120 });
    expect(s[1]).toMatchObject({ onePacket: true, scheduler: 'sh' });
    expect(s[1]?.destinations[0]?.address).toBe('2001:db8:1::5');
    expect(s[2]?.destinations[0]?.forwarding).toBe('NAT');
  });
  it('refuses malformed /proc/net/ip_vs lines', () => {
    expect(() => parseProcIpVs(PROC.replace('C0A8F10F:0050', 'C0A8F10:0050'))).toThrow(/HEXADDR/);
    expect(() => parseProcIpVs(PROC.replace('wrr persistent', 'wrr sometimes'))).toThrow(LvsParseError);
    expect(() => parseProcIpVs('')).toThrow(LvsParseError);
  });
  it('parses /proc/net/ip_vs_stats (hex)', () => {
    const text = `   Total Incoming Outgoing         Incoming         Outgoing
   Conns  Packets  Packets            Bytes            Bytes
     4D2     2694        0            1E240                0

 Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
       C       18        0              800                0
`;
    expect(parseProcIpVsStats(text)).toEqual({
      totals: { conns: 1234, inPackets: 9876, outPackets: 0, inBytes: 123456, outBytes: 0 },
      rates: { connsPerSecond: 12, inPacketsPerSecond: 24, outPacketsPerSecond: 0, inBytesPerSecond: 2048, outBytesPerSecond: 0 },
    });
    expect(() => parseProcIpVsStats(text.replace('1E240', 'XYZ'))).toThrow(LvsParseError);
  });
  it('parses /proc/net/ip_vs_conn with IPv4 hex, IPv6 full form and templates', () => {
    const text = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C0A80001 D431 C0A8F10B 0050 C0A8F10F 0050 ESTABLISHED     897
IP  C0A80001 0000 C0A8F10B 0050 C0A8F10F 0050 NONE             18
UDP 2001:0db8:0002:0000:0000:0000:0000:0010 9C40 2001:0db8:0000:0000:0000:0000:0000:0001 0035 2001:0db8:0001:0000:0000:0000:0000:0005 0035 UDP              299
TCP C0A80001 D432 C0A8F10B 13C4 C0A8F10F 13C4 ESTABLISHED     60 sip 1234@host
`;
    const c = parseProcIpVsConn(text);
    expect(c[0]).toEqual({ protocol: 'TCP', client: { address: '192.168.0.1', port: 54321 }, virtual: { address: '192.168.241.11', port: 80 }, destination: { address: '192.168.241.15', port: 80 }, state: 'ESTABLISHED', expiresSeconds: 897, persistenceEngine: null, persistenceData: null });
    expect(c[1]).toMatchObject({ protocol: 'IP', client: { port: 0 }, state: 'NONE' });
    expect(c[2]?.client.address).toBe('2001:db8:2::10');
    expect(c[3]).toMatchObject({ persistenceEngine: 'sip', persistenceData: '1234@host' });
    expect(() => parseProcIpVsConn(text.replace('D431', 'Z431'))).toThrow(LvsParseError);
  });
});

describe('parseIpAddrJson', () => {
  const text = JSON.stringify([
    { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo' }, { family: 'inet', local: '192.168.241.11', prefixlen: 32, scope: 'global', label: 'lo:0' }, { family: 'inet6', local: '::1', prefixlen: 128, scope: 'host' }] },
    { ifindex: 4, ifname: 'tunl0', flags: ['NOARP'], operstate: 'DOWN', addr_info: [] },
    { ifindex: 5, ifname: 'eth0', flags: ['BROADCAST', 'UP'], operstate: 'UP', addr_info: [{ family: 'inet6', local: '2001:DB8::0:1', prefixlen: 64, scope: 'global' }] },
  ]);
  it('reads interfaces, flags, labels, canonical IPv6', () => {
    const r = parseIpAddrJson(text);
    expect(r[0]?.addresses[1]).toEqual({ family: 'ipv4', address: '192.168.241.11', prefix: 32, scope: 'global', label: 'lo:0' });
    expect(r[1]).toMatchObject({ name: 'tunl0', isUp: false });
    expect(r[2]?.addresses[0]?.address).toBe('2001:db8::1');
  });
  it('refuses non-JSON and wrong shapes', () => {
    expect(() => parseIpAddrJson('not json')).toThrow(LvsParseError);
    expect(() => parseIpAddrJson('{"a":1}')).toThrow(LvsParseError);
    expect(() => parseIpAddrJson(JSON.stringify([{ ifindex: 1, ifname: 'x', addr_info: [{ family: 'inet', local: '999.1.1.1', prefixlen: 8 }] }]))).toThrow(LvsParseError);
  });
});

describe('parseIpvsadmDaemons', () => {
  it('reads the short form of older ipvsadm and ignores blank lines and CRLF', () => {
    expect(parseIpvsadmDaemons('master sync daemon (mcast=bond0.12, syncid=255)\r\n\n')).toEqual([{ role: 'master', interface: 'bond0.12', syncId: 255 }]);
    expect(parseIpvsadmDaemons('backup sync daemon (mcast=eth1, syncid=3, group=ff02::81, port=8848)\n')).toEqual([{ role: 'backup', interface: 'eth1', syncId: 3 }]);
  });
  const ok = 'master sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)';
  const bad: Array<[string, number, RegExp]> = [
    ['IP Virtual Server version 1.2.1 (size=4096)', 1, /master\|backup sync daemon/],
    ['slave sync daemon (mcast=eth0, syncid=51)', 1, /master\|backup/],
    ['master sync daemon mcast=eth0, syncid=51', 1, /master\|backup/],
    ['master sync daemon ()', 1, /key=value/],
    ['master sync daemon (syncid=51, mcast=eth0)', 1, /mcast=INTERFACE first/],
    ['master sync daemon (mcast=eth0)', 1, /syncid=N/],
    ['master sync daemon (mcast=eth0, syncid=256)', 1, /syncid 256 out of range/],
    ['master sync daemon (mcast=eth0, syncid=-1)', 1, /Expected syncid/],
    ['master sync daemon (mcast=eth0,syncid=51)', 1, /Bad interface/],
    ['master sync daemon (mcast=$(touch /tmp/x), syncid=51)', 1, /key=value/],
    ['master sync daemon (mcast=`id`, syncid=51)', 1, /Bad interface/],
    ['master sync daemon (mcast=averyveryverylongname, syncid=51)', 1, /Bad interface/],
    ['master sync daemon (mcast=eth0, syncid=51, group=224.0.0.300)', 1, /multicast group/],
    ['master sync daemon (mcast=eth0, syncid=51, port=70000)', 1, /port 70000 out of range/],
    ['master sync daemon (mcast=eth0, syncid=51, weight=1)', 1, /Unknown sync daemon parameter/],
    ['master sync daemon (mcast=eth0, syncid=51, ttl=1, ttl=2)', 1, /Duplicate/],
    [`${ok}\nmaster sync daemon (mcast=eth1, syncid=52)`, 2, /second master/],
    [`${ok}\nbackup sync daemon (mcast=eth0, syncid=51) trailing`, 2, /master\|backup/],
  ];
  for (const [text, line, message] of bad) {
    it(`refuses ${JSON.stringify(text.split('\n').pop())} with line ${line}`, () => {
      let e: unknown = null;
      try {
        parseIpvsadmDaemons(text);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(LvsParseError);
      expect((e as LvsParseError).line).toBe(line);
      expect((e as LvsParseError).text).toBe(text.split('\n')[line - 1]);
      expect((e as LvsParseError).message).toMatch(message);
    });
  }
});
