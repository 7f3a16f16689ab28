import { describe, expect, it } from 'vitest';
import type { AgentFrame } from '@fulcrum/protocol/frames';
import { createFakeHost, type FakeHost } from '../host/fake-host';
import { silentLogger } from '../log/logger';
import { createMemoryStateStore } from '../state/state-store';
import { directorSnapshot, realServerSnapshot, service } from '../testing/snapshots';
import { Reconciler } from './reconciler';
import { checkSnapshotConsistency } from './validate-snapshot';

const VIP = '198.18.0.100';

async function setup(host: FakeHost = createFakeHost(), store = createMemoryStateStore(), down = new Set<string>()) {
  const frames: AgentFrame[] = [];
  const reconciler = new Reconciler({ host, store, log: silentLogger, send: (f) => frames.push(f), batchThreshold: 20, vrrp: null, healthDown: () => down });
  await reconciler.init();
  const apply = async (frame: Parameters<Reconciler['submit']>[0]) => {
    reconciler.submit(frame);
    await reconciler.whenIdle();
    return frames.filter((f) => f.type === 'applied').at(-1);
  };
  return { host, store, reconciler, frames, apply, down };
}

describe('reconciler over a fake host', () => {
  it('applies a director snapshot (modules, sysctl for NAT, VIP, IPVS) and reports applied; a second identical snapshot changes nothing', async () => {
    const { host, apply, frames } = await setup();
    const snapshot = directorSnapshot(3, {
      ipvs: { services: [service(VIP, { '198.18.0.13': 1, '198.18.0.14': 2 }, { forwarding: 'NAT' })] },
      addresses: [{ address: VIP, prefix: 24, dev: 'eth0', label: 'eth0:1' }],
    });
    const applied = await apply(snapshot);
    expect(applied).toMatchObject({ type: 'applied', generation: 3, status: 'applied', changes: 5, errors: [], missing: [] });
    expect(host.calls).toEqual([
      'modprobe ip_vs',
      'modprobe ip_vs_wrr',
      'sysctl -w net.ipv4.ip_forward=1',
      'ip addr add 198.18.0.100/24 dev eth0',
      'ipvsadm -A -t 198.18.0.100:80 -s wrr',
      'ipvsadm -a -t 198.18.0.100:80 -r 198.18.0.13:80 -m -w 1',
      'ipvsadm -a -t 198.18.0.100:80 -r 198.18.0.14:80 -m -w 2',
    ]);
    host.calls.length = 0;
    expect(await apply({ ...snapshot, generation: 4 })).toMatchObject({ generation: 4, status: 'applied', changes: 0 });
    expect(host.calls).toEqual([]);
    expect(frames.filter((f) => f.type === 'drift')).toEqual([]);
  });

  it('goes through one ipvsadm -R batch above the threshold and verifies by read-back', async () => {
    const { host, apply } = await setup();
    const destinations = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`198.18.2.${i + 1}`, 1]));
    expect(await apply(directorSnapshot(1, { ipvs: { services: [service(VIP, destinations)] } }))).toMatchObject({ status: 'applied', changes: 31 });
    expect(host.calls.filter((c) => c.startsWith('ipvsadm'))).toEqual(['ipvsadm -R (31)']);
  });

  it('reports a failing operation per item with its argv, and retries it on the next snapshot', async () => {
    const { host, apply } = await setup();
    host.failWhen = (call) => call.includes('198.18.0.14:80');
    const applied = await apply(directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1, '198.18.0.14': 1 })] } }));
    expect(applied).toMatchObject({ status: 'partial', changes: 2 });
    expect(applied?.type === 'applied' && applied.errors).toEqual([
      { item: 'add destination 198.18.0.14:80 to TCP 198.18.0.100:80', message: 'Memory allocation problem', argv: ['/usr/sbin/ipvsadm', '-a', '-t', '198.18.0.100:80', '-r', '198.18.0.14:80', '-g', '-w', '1'] },
    ]);
    host.failWhen = null;
    expect(await apply(directorSnapshot(2, { ipvs: { services: [service(VIP, { '198.18.0.13': 1, '198.18.0.14': 1 })] } }))).toMatchObject({ status: 'applied', changes: 1 });
  });

  it('reports missing kernel modules instead of failing item by item', async () => {
    const { host, apply, frames } = await setup();
    host.kernel.loadable.delete('ip_vs_wlc');
    const applied = await apply(directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 }), service('198.18.0.101', { '198.18.0.13': 1 }, { scheduler: 'wlc' })] } }));
    expect(applied).toMatchObject({ status: 'partial', missing: ['module ip_vs_wlc'], errors: [], changes: 2 });
    expect(host.kernel.table.services.map((s) => (s.protocol === 'TCP' ? s.address : ''))).toEqual([VIP]);
    expect(frames.find((f) => f.type === 'event')).toMatchObject({ kind: 'kernel-missing', message: 'missing: module ip_vs_wlc' });
    host.kernel.loadable.delete('ip_vs');
    host.kernel.modules.clear();
    expect(await apply(directorSnapshot(2, { ipvs: { services: [] } }))).toMatchObject({ status: 'failed', missing: ['module ip_vs'], changes: 0 });
    expect(host.kernel.table.services).toHaveLength(1); // nothing was touched
  });

  it('never applies an older generation after a newer one; the newest queued snapshot wins', async () => {
    const { host, reconciler, frames } = await setup();
    reconciler.submit(directorSnapshot(5, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }));
    reconciler.submit(directorSnapshot(6, { ipvs: { services: [service(VIP, { '198.18.0.13': 2 })] } }));
    reconciler.submit(directorSnapshot(7, { ipvs: { services: [service(VIP, { '198.18.0.13': 3 })] } }));
    reconciler.submit(directorSnapshot(4, { ipvs: { services: [service(VIP, { '198.18.0.13': 9 })] } }));
    await reconciler.whenIdle();
    expect(frames.filter((f) => f.type === 'applied').map((f) => (f.type === 'applied' ? f.generation : 0))).toEqual([5, 7]);
    expect(host.kernel.table.services[0]?.destinations[0]?.weight).toBe(3);
  });

  it('reports hand-made drift periodically without reverting it; revertDrift undoes it', async () => {
    const { host, reconciler, apply, frames } = await setup();
    const snapshot = directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } });
    await apply(snapshot);
    // someone types ipvsadm -a by hand
    host.kernel.table = { services: [{ ...host.kernel.table.services[0]!, destinations: [...host.kernel.table.services[0]!.destinations, { address: '198.18.0.15', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 }] }] };
    reconciler.requestDriftCheck();
    await reconciler.whenIdle();
    const drift = frames.filter((f) => f.type === 'drift');
    expect(drift).toMatchObject([{ generation: 1, items: [{ kind: 'ipvs-destination', key: 'TCP 198.18.0.100:80 198.18.0.15:80', change: 'unexpected' }] }]);
    reconciler.requestDriftCheck();
    await reconciler.whenIdle();
    expect(frames.filter((f) => f.type === 'drift')).toHaveLength(1); // unchanged drift is not repeated
    // a new snapshot without revertDrift leaves it; with revertDrift removes it and reports drift cleared
    expect(await apply({ ...snapshot, generation: 2 })).toMatchObject({ changes: 0 });
    expect(host.kernel.table.services[0]?.destinations).toHaveLength(2);
    expect(await apply({ ...snapshot, generation: 3, revertDrift: true })).toMatchObject({ changes: 1 });
    expect(host.kernel.table.services[0]?.destinations).toHaveLength(1);
    expect(frames.filter((f) => f.type === 'drift').at(-1)).toMatchObject({ items: [] });
  });

  it('remembers what it applied across a restart: the same snapshot then changes nothing and a leftover service is drift', async () => {
    const first = await setup();
    await first.apply(directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }));
    const second = await setup(first.host, first.store);
    expect(second.reconciler.lastAppliedGeneration).toBe(1);
    expect(await second.apply(directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] } }))).toMatchObject({ changes: 0 });
  });

  it('health DOWN destinations get kernel weight 0 and come back', async () => {
    const down = new Set<string>();
    const { host, reconciler, apply } = await setup(createFakeHost(), createMemoryStateStore(), down);
    await apply(directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 4 })] } }));
    down.add('TCP 198.18.0.100:80 198.18.0.13:80');
    reconciler.requestHealthApply();
    await reconciler.whenIdle();
    expect(host.kernel.table.services[0]?.destinations[0]?.weight).toBe(0);
    down.clear();
    reconciler.requestHealthApply();
    await reconciler.whenIdle();
    expect(host.kernel.table.services[0]?.destinations[0]?.weight).toBe(4);
  });

  it('real server: DR VIP on lo + arp sysctls, TUN on tunl0 with ipip, NAT gateway reported; removes only what it added', async () => {
    const { host, apply, store } = await setup();
    host.kernel.interfaces.get('lo')!.addresses.push({ address: '198.18.0.150', prefix: 32, dev: 'lo' }); // not ours
    host.kernel.sysctls.set('net.ipv4.conf.all.arp_announce', 1);
    host.kernel.sysctls.set('net.ipv4.conf.all.rp_filter', 2);
    const applied = await apply(realServerSnapshot(1, [
      { address: VIP, forwarding: 'DR' },
      { address: '198.18.0.102', forwarding: 'TUN' },
      { address: '198.18.0.101', forwarding: 'NAT', gateway: '198.18.0.11' },
      { address: '198.18.0.150', forwarding: 'DR' },
    ]));
    expect(applied).toMatchObject({ status: 'partial', missing: [] });
    expect(applied?.type === 'applied' && applied.errors).toEqual([
      { item: 'default gateway (ipv4)', message: expect.stringContaining('NAT needs 198.18.0.11 as the default gateway'), argv: ['/usr/sbin/ip', '-j', 'route', 'show', 'default'] },
    ]);
    expect(host.kernel.interfaces.get('lo')!.addresses.map((a) => a.address)).toEqual(['127.0.0.1', '198.18.0.150', VIP]);
    expect(host.kernel.interfaces.get('tunl0')).toEqual({ isUp: true, addresses: [{ address: '198.18.0.102', prefix: 32, dev: 'tunl0' }] });
    expect(Object.fromEntries(host.kernel.sysctls)).toMatchObject({ 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.lo.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2, 'net.ipv4.conf.all.rp_filter': 0 });
    expect(store.current.ownedAddresses.map((a) => a.address)).toEqual([VIP, '198.18.0.102']);
    // every VIP goes away: only what the agent added is removed, sysctls go back to their old values
    expect(await apply(realServerSnapshot(2, []))).toMatchObject({ status: 'applied' });
    expect(host.kernel.interfaces.get('lo')!.addresses.map((a) => a.address)).toEqual(['127.0.0.1', '198.18.0.150']);
    expect(host.kernel.interfaces.get('tunl0')!.addresses).toEqual([]);
    expect(host.kernel.sysctls.get('net.ipv4.conf.all.arp_announce')).toBe(1);
    expect(host.kernel.sysctls.get('net.ipv4.conf.all.arp_ignore')).toBe(0);
    expect(host.kernel.sysctls.get('net.ipv4.conf.all.rp_filter')).toBe(2);
  });

  it('rejects snapshots whose health checks name something the table does not hold, or for the other role', () => {
    const ok = directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] }, healthChecks: [{ serviceKey: 'TCP 198.18.0.100:80', destinationKey: '198.18.0.13:80', address: '198.18.0.13', port: 80, kind: 'TCP' }] });
    expect(checkSnapshotConsistency(ok, 'DIRECTOR')).toBeNull();
    expect(checkSnapshotConsistency(ok, 'REAL_SERVER')).toMatch(/is for a DIRECTOR but this node is a REAL_SERVER/);
    const injected = directorSnapshot(1, { ipvs: { services: [service(VIP, { '198.18.0.13': 1 })] }, healthChecks: [{ serviceKey: '$(touch /tmp/x)', destinationKey: '198.18.0.13:80', address: '198.18.0.13', port: 80, kind: 'TCP' }] });
    expect(checkSnapshotConsistency(injected, 'DIRECTOR')).toMatch(/healthChecks.0: no destination/);
  });
});

describe('table fingerprint for cheap drift checks', () => {
  it('ignores connection counters, sees weight and membership changes', async () => {
    const { tableFingerprint } = await import('./reconciler');
    const proc = (weight: number, active: number) => `IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nTCP  C6120064:0050 wrr\n  -> C612000D:0050      Route   ${weight}      ${active}          3\n`;
    expect(tableFingerprint(proc(1, 0))).toBe(tableFingerprint(proc(1, 9)));
    expect(tableFingerprint(proc(1, 0))).not.toBe(tableFingerprint(proc(2, 0)));
  });
});
