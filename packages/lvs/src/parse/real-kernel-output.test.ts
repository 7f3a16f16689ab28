import { describe, expect, it } from 'vitest';
import { Ipvsadm } from '../commands/ipvsadm';
import { diffIpvsTables } from '../diff/diff-ipvs-tables';
import { Destination, normalizeTable, ServiceSpec } from '../model/ipvs';
import { parseIpvsadmDaemons } from './parse-ipvsadm-daemon';
import { mergeThresholds, parseIpvsadmList, tableFromListing } from './parse-ipvsadm-list';
import { parseIpvsadmSave } from './parse-ipvsadm-save';
import { parseProcIpVs, parseProcIpVsConn, parseProcIpVsStats } from './parse-proc-ip-vs';

// Verbatim output captured in the UML lab (Debian user-mode-linux 6.1 kernel, ipvsadm 1.31), trailing
// blanks included: the fixtures the hand-written shapes in parsers.test.ts are checked against.

const SAVE = `-A -t 198.18.0.100:80 -s wrr -p 20 -M 255.255.255.0
-a -t 198.18.0.100:80 -r 198.18.0.13:80 -g -w 1
-a -t 198.18.0.100:80 -r 198.18.0.14:80 -i -w 3 --tun-type ipip
-A -u 198.18.0.101:53 -s sh -o -b sh-fallback,sh-port
-a -u 198.18.0.101:53 -r 198.18.0.15:5353 -m -w 2
-A -u 198.18.0.120:53 -s rr -p 100 -M 0.0.0.0
-A -t [2001:db8::100]:443 -s lc -p 100 -M 48
-a -t [2001:db8::100]:443 -r [2001:db8::13]:8443 -m -w 5
-A -u [2001:db8::101]:53 -s rr -p 100
-A -f 7 -s mh -p 30 -b mh-port
-a -f 7 -r 198.18.0.13:0 -g -w 1
-a -f 7 -r 198.18.0.15:8080 -g -w 1
-A -f 8 -6 -s rr -p 60 -M 64
-a -f 8 -6 -r [2001:db8::13]:0 -g -w 1
-a -f 8 -6 -r [2001:db8::16]:8080 -m -w 1
-A -f 10 -6 -s rr -p 100
`;

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  198.18.0.100:80 wrr persistent 20 mask 255.255.255.0
  -> 198.18.0.13:80               Route   1      0          0         
  -> 198.18.0.14:80               Tunnel  3      0          0         
UDP  198.18.0.101:53 sh (sh-fallback,sh-port) ops
  -> 198.18.0.15:5353             Masq    2      0          0         
UDP  198.18.0.120:53 rr persistent 100 mask 0.0.0.0
TCP  [2001:db8::100]:443 lc persistent 100 mask 48
  -> [2001:db8::13]:8443          Masq    5      0          0         
UDP  [2001:db8::101]:53 rr persistent 100
FWM  7 mh (mh-port) persistent 30
  -> 198.18.0.13:0                Route   1      0          0         
  -> 198.18.0.15:8080             Route   1      0          0         
FWM  8 IPv6 rr persistent 60 mask 64
  -> [2001:db8::13]:0             Route   1      0          0         
  -> [2001:db8::16]:8080          Masq    1      0          0         
FWM  10 IPv6 rr persistent 100
`;

// The title line really ends in a blank ("InActConn ").
const THRESHOLDS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn 
  -> RemoteAddress:Port
TCP  198.18.0.100:80 wrr persistent 20 mask 255.255.255.0
  -> 198.18.0.13:80               100        10         0          0         
  -> 198.18.0.14:80               0          0          0          0         
UDP  198.18.0.101:53 sh (sh-fallback,sh-port) ops
  -> 198.18.0.15:5353             0          0          0          0         
UDP  198.18.0.120:53 rr persistent 100 mask 0.0.0.0
TCP  [2001:db8::100]:443 lc persistent 100 mask 48
  -> [2001:db8::13]:8443          7          0          0          0         
UDP  [2001:db8::101]:53 rr persistent 100
FWM  7 mh (mh-port) persistent 30
  -> 198.18.0.13:0                0          0          0          0         
  -> 198.18.0.15:8080             0          0          0          0         
FWM  8 IPv6 rr persistent 60 mask 64
  -> [2001:db8::13]:0             0          0          0          0         
  -> [2001:db8::16]:8080          0          0          0          0         
FWM  10 IPv6 rr persistent 100
`;

// After three requests from the client through the DR VIP (persistence 30 s, all went to 198.18.0.14).
const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  198.18.0.100:80                     3       15        0     1032        0
  -> 198.18.0.13:80                      0        0        0        0        0
  -> 198.18.0.14:80                      3       15        0     1032        0
FWM  7                                   0        0        0        0        0
  -> 198.18.0.13:0                       0        0        0        0        0
FWM  8 IPv6                              0        0        0        0        0
`;

const RATE = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
  -> RemoteAddress:Port
TCP  198.18.0.100:80                     0        1        0       45        0
  -> 198.18.0.13:80                      0        0        0        0        0
  -> 198.18.0.14:80                      0        1        0       45        0
`;

// Hash order, destinations newest first, "rr  persistent" with two blanks, "ops  " with trailing ones;
// HZ=100 (20 s = 2000 jiffies); IPv6 netmask words are ntohl(prefix length): /64 = 40000000, /128 = 80000000.
// Lines from two reads of one boot; the FWM 10 destination line is added by hand (the capture had none).
const PROC = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
UDP  [2001:0db8:0000:0000:0000:0000:0000:0101]:0035 rr persistent 10000 80000000
UDP  C6120078:0035 rr  persistent 10000 00000000
UDP  C6120065:0035 sh ops  
  -> C612000F:14E9      Masq    2      0          0         
TCP  [2001:0db8:0000:0000:0000:0000:0000:0100]:01BB lc persistent 10000 30000000
TCP  C6120064:0050 wrr  persistent 2000 FFFFFF00
  -> C612000E:0050      Tunnel  3      0          0         
  -> C612000D:0050      Route   1      0          3         
FWM  00000007 mh persistent 3000 FFFFFFFF
  -> C612000F:1F90      Route   1      0          0         
  -> C612000D:0000      Route   1      0          0         
FWM  00000008 rr persistent 6000 40000000
  -> [2001:0db8:0000:0000:0000:0000:0000:0016]:1F90      Masq    1      0          0         
  -> [2001:0db8:0000:0000:0000:0000:0000:0013]:0000      Route   1      0          0         
FWM  0000000A rr persistent 10000 80000000
  -> [2001:0db8:0000:0000:0000:0000:0000:0014]:0000      Route   1      0          0         
`;

// The kernel's persistence template is "TCP … 0000 … ASSURED" on this kernel (older ones print "IP … NONE").
const CONN = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C612000A CD78 C6120064 0050 C612000E 0050 FIN_WAIT        118
TCP C612000A 0000 C6120064 0050 C612000E 0050 ASSURED          28
TCP C612000A CD86 C6120064 0050 C612000E 0050 FIN_WAIT        118
TCP C612000A CD72 C6120064 0050 C612000E 0050 FIN_WAIT        118
`;

const PROC_STATS = `   Total Incoming Outgoing         Incoming         Outgoing
   Conns  Packets  Packets            Bytes            Bytes
       3        F        0              408                0

 Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
       0        1        0               51                0
`;

// ipvsadm -L --daemon after `ipvsadm --start-daemon master --mcast-interface eth0 --syncid 51` (director-a),
// after `--start-daemon backup … --syncid 51` then `--start-daemon master … --syncid 7` (director-b: both
// roles at once, master listed first), and after a backup started with every optional parameter
// (--sync-maxlen 1000 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 3: the kernel rounds maxlen).
// With no daemon running it prints nothing and exits 0.
const DAEMON_MASTER = `master sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
`;
const DAEMON_BOTH = `master sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
backup sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
`;
const DAEMON_BACKUP_PARAMS = `backup sync daemon (mcast=eth0, syncid=0, maxlen=1024, group=239.1.2.3, port=9000, ttl=3)
`;

describe('real kernel output (lab: UML 6.1, ipvsadm 1.31)', () => {
  it('ipvsadm -Sn and -Ln describe the same table; thresholds merge; the diff between them is empty', () => {
    const saved = mergeThresholds(parseIpvsadmSave(SAVE), parseIpvsadmList(THRESHOLDS));
    expect(saved.services).toHaveLength(8);
    const listed = mergeThresholds(tableFromListing(parseIpvsadmList(LIST)), parseIpvsadmList(THRESHOLDS));
    expect(normalizeTable(saved)).toEqual(normalizeTable(listed));
    expect(diffIpvsTables(saved, listed)).toEqual([]);
    const byKey = new Map(saved.services.map((s) => [s.protocol === 'FWMARK' ? `FWM ${s.fwmark} ${s.family}` : `${s.protocol} ${s.address}:${s.port}`, s]));
    expect(byKey.get('UDP 198.18.0.120:53')?.persistencePrefix).toBe(0);
    expect(byKey.get('TCP 2001:db8::100:443')).toMatchObject({ persistencePrefix: 48 });
    expect(byKey.get('TCP 2001:db8::100:443')?.destinations[0]).toMatchObject({ port: 8443, forwarding: 'NAT', upperThreshold: 7 });
    expect(byKey.get('FWM 8 ipv6')?.destinations.map((d) => [d.address, d.port])).toEqual([['2001:db8::13', 0], ['2001:db8::16', 8080]]);
    expect(byKey.get('TCP 198.18.0.100:80')?.destinations[0]).toMatchObject({ upperThreshold: 100, lowerThreshold: 10 });
  });
  it('a port-less IPv6 fwmark destination is written the way ipvsadm accepts and saves it', () => {
    const fwm = parseIpvsadmSave(SAVE).services.find((s) => s.protocol === 'FWMARK' && s.fwmark === 8);
    const d = fwm?.destinations[0];
    if (!fwm || !d) throw new Error('fixture');
    expect(new Ipvsadm().apply({ op: 'add-destination', service: fwm, destination: d }).args).toEqual(['-a', '-f', '8', '-6', '-r', '[2001:db8::13]:0', '-g', '-w', '1']);
  });
  it('--stats and --rate', () => {
    const stats = parseIpvsadmList(STATS);
    expect(stats).toMatchObject({ variant: 'stats', exact: true });
    expect(stats.services.map((s) => s.key)).toEqual(['TCP 198.18.0.100:80', 'FWM 7 IPv4', 'FWM 8 IPv6']);
    expect(stats.services[0]?.counters).toEqual({ conns: 3, inPackets: 15, outPackets: 0, inBytes: 1032, outBytes: 0 });
    expect(stats.services[1]?.destinations[0]).toMatchObject({ address: '198.18.0.13', port: 0 });
    expect(parseIpvsadmList(RATE).services[0]?.destinations[1]?.counters).toEqual({ conns: 0, inPackets: 1, outPackets: 0, inBytes: 45, outBytes: 0 });
  });
  it('/proc/net/ip_vs: IPv6 netmask words are not IPv4 masks', () => {
    const proc = parseProcIpVs(PROC);
    const by = new Map(proc.map((s) => [s.key, s]));
    expect(by.get('TCP 198.18.0.100:80')?.persistence).toEqual({ timeoutJiffies: 2000, netmaskRaw: 0xffffff00, ipv4Prefix: 24 });
    expect(by.get('UDP 198.18.0.120:53')?.persistence?.ipv4Prefix).toBe(0);
    expect(by.get('UDP [2001:db8::101]:53')?.persistence).toEqual({ timeoutJiffies: 10000, netmaskRaw: 0x80000000, ipv4Prefix: null });
    expect(by.get('UDP 198.18.0.101:53')).toMatchObject({ onePacket: true, scheduler: 'sh', persistence: null });
    expect(by.get('FWM 8 IPv6')?.persistence).toEqual({ timeoutJiffies: 6000, netmaskRaw: 0x40000000, ipv4Prefix: null });
    // /128 reads 80000000: before the fix an IPv6 fwmark service reported an IPv4 /1 here
    expect(by.get('FWM 10 IPv6')?.persistence?.ipv4Prefix).toBeNull();
    expect(by.get('FWM 7 IPv4')?.persistence?.ipv4Prefix).toBe(32);
    expect(by.get('FWM 7 IPv4')?.destinations.map((d) => d.port)).toEqual([8080, 0]);
    expect(by.get('TCP 198.18.0.100:80')?.destinations[1]).toEqual({ address: '198.18.0.13', port: 80, forwarding: 'DR', weight: 1, activeConns: 0, inactConns: 3 });
  });
  it('/proc/net/ip_vs_conn and /proc/net/ip_vs_stats', () => {
    const conns = parseProcIpVsConn(CONN);
    expect(conns).toHaveLength(4);
    expect(conns[1]).toMatchObject({ protocol: 'TCP', client: { address: '198.18.0.10', port: 0 }, state: 'ASSURED', expiresSeconds: 28 });
    expect(conns[0]).toMatchObject({ client: { port: 0xcd78 }, virtual: { address: '198.18.0.100', port: 80 }, destination: { address: '198.18.0.14', port: 80 }, state: 'FIN_WAIT' });
    expect(parseProcIpVsStats(PROC_STATS)).toEqual({
      totals: { conns: 3, inPackets: 15, outPackets: 0, inBytes: 1032, outBytes: 0 },
      rates: { connsPerSecond: 0, inPacketsPerSecond: 1, outPacketsPerSecond: 0, inBytesPerSecond: 81, outBytesPerSecond: 0 },
    });
  });
  it('ipvsadm -L --daemon: none, master, both roles at once, every optional parameter', () => {
    expect(parseIpvsadmDaemons('')).toEqual([]);
    expect(parseIpvsadmDaemons(DAEMON_MASTER)).toEqual([{ role: 'master', interface: 'eth0', syncId: 51 }]);
    expect(parseIpvsadmDaemons(DAEMON_BOTH)).toEqual([
      { role: 'master', interface: 'eth0', syncId: 7 },
      { role: 'backup', interface: 'eth0', syncId: 51 },
    ]);
    expect(parseIpvsadmDaemons(DAEMON_BACKUP_PARAMS)).toEqual([{ role: 'backup', interface: 'eth0', syncId: 0 }]);
  });
  it('firewall marks above 2^31-1: ipvsadm prints them signed (%d), read back unsigned', () => {
    // captured for fwmark 4294967295
    expect(parseIpvsadmSave('-A -f -1 -s rr\n-a -f -1 -r 198.18.0.13:0 -g -w 1\n').services[0]).toMatchObject({ protocol: 'FWMARK', fwmark: 4294967295, family: 'ipv4' });
    const listed = parseIpvsadmList('IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nFWM  -1 rr\nFWM  -2147483648 IPv6 rr\n');
    expect(listed.services.map((s) => s.key)).toEqual(['FWM 4294967295 IPv4', 'FWM 2147483648 IPv6']);
    expect(() => parseIpvsadmSave('-A -f -2147483649 -s rr\n')).toThrow(/out of range/);
    expect(() => parseIpvsadmSave('-A -f 0 -s rr\n')).toThrow(/out of range/);
  });
  it('the model refuses what ipvsadm or the kernel refuse (lab): -y above -x, -y without -x, one-packet TCP', () => {
    const d = { address: '198.18.0.13', port: 80, forwarding: 'DR', weight: 1 };
    expect(Destination.safeParse({ ...d, lowerThreshold: 3 }).error?.issues[0]?.message).toBe('A lower threshold needs an upper threshold at least as large');
    expect(Destination.safeParse({ ...d, upperThreshold: 5, lowerThreshold: 6 }).error?.issues[0]?.message).toBe('Lower threshold must not exceed the upper threshold');
    expect(Destination.safeParse({ ...d, upperThreshold: 6, lowerThreshold: 6 }).success).toBe(true);
    expect(ServiceSpec.safeParse({ protocol: 'TCP', address: '198.18.0.100', port: 80, scheduler: 'rr', onePacket: true }).error?.issues[0]?.message).toMatch(/only for UDP/);
    expect(ServiceSpec.safeParse({ protocol: 'UDP', address: '198.18.0.100', port: 53, scheduler: 'rr', onePacket: true }).success).toBe(true);
    expect(ServiceSpec.safeParse({ protocol: 'FWMARK', fwmark: 60, family: 'ipv4', scheduler: 'rr', onePacket: true }).success).toBe(true);
  });
});
