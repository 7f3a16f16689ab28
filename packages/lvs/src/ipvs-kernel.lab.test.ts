// Issue #4, "against the real kernel": the diff → plan → ipvsadm loop converges on a real IPVS table (UML lab),
// the read-back parses to exactly the desired state, and the kernel's own formats parse with this package.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGate } from '@fulcrum/lab/lab-gate';
import { startLab, type Lab } from '@fulcrum/lab/lab';
import { findLabKernel } from '@fulcrum/lab/uml-kernel';
import { defaultTopology, resolveTopology } from '@fulcrum/lab/topology';
import { diffIpvsTables } from './diff/diff-ipvs-tables';
import { convergeLabIpvs, labIpvsadm, readLabIpvsTable, runLabCommand, type ConvergeReport } from './lab-testing/ipvs-lab';
import { Destination, IpvsTable, normalizeTable, ServiceSpec, serviceFamily, serviceKey, type VirtualService } from './model/ipvs';
import { SCHEDULERS } from './model/primitives';
import { parseIpvsadmList } from './parse/parse-ipvsadm-list';
import { parseProcIpVs, parseProcIpVsConn, parseProcIpVsStats } from './parse/parse-proc-ip-vs';

const DIRECTOR = 'director-a';
const RS = ['198.18.0.13', '198.18.0.14', '198.18.0.15'] as const; // rs-1..rs-3 of the default topology
const V6 = (suffix: string) => `2001:db8::${suffix}`; // documentation space, only inside the guest

// Which scheduler modules the lab's kernel build ships: the guest's /lib/modules/<release> is a link to this.
const TWOS_AVAILABLE = (() => {
  const modulesDir = findLabKernel()?.modulesDir;
  return modulesDir !== undefined && ['.ko', '.ko.xz', '.ko.zst', '.ko.gz'].some((ext) => existsSync(`${modulesDir}/kernel/net/netfilter/ipvs/ip_vs_twos${ext}`));
})();
const USABLE_SCHEDULERS = SCHEDULERS.filter((s) => s !== 'twos' || TWOS_AVAILABLE);

type Input = Record<string, unknown>;
const dest = (address: string, port: number, forwarding: 'DR' | 'TUN' | 'NAT', weight = 1, extra: Input = {}): Input => ({ address, port, forwarding, weight, ...extra });
const table = (services: Input[]): IpvsTable => IpvsTable.parse({ services });

interface Scenario {
  name: string;
  desired: IpvsTable;
  /** A different non-empty table over mostly the same keys: every kind of attribute changes, some keys come and go. */
  other: IpvsTable;
}

/** The spread of desired states; `vip(i)` is the i-th free lab address. Keys never collide across scenarios. */
function buildScenarios(vip: (i: number) => string): Scenario[] {
  const schedulers = USABLE_SCHEDULERS;
  return [
    {
      name: `every usable scheduler (${schedulers.join(' ')})`,
      desired: table(schedulers.map((s, i) => ({ protocol: 'TCP', address: vip(10 + i), port: 80, scheduler: s, destinations: [dest(RS[0], 80, 'DR', 1), dest(RS[1], 80, 'DR', 2)] }))),
      other: table([
        ...schedulers.slice(1).map((s, i) => ({
          protocol: 'TCP', address: vip(10 + i), port: 80, scheduler: schedulers[(i + 1) % schedulers.length],
          destinations: [dest(RS[1], 80, 'DR', 5), dest(RS[2], 80, 'DR', 1)],
        })),
        { protocol: 'TCP', address: vip(29), port: 80, scheduler: 'wlc', destinations: [dest(RS[0], 80, 'DR')] },
      ]),
    },
    {
      name: 'sh/mh scheduler flags and generic flags',
      desired: table([
        { protocol: 'TCP', address: vip(30), port: 80, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'UDP', address: vip(31), port: 53, scheduler: 'sh', schedulerFlags: ['sh-port'], destinations: [dest(RS[0], 53, 'DR')] },
        { protocol: 'TCP', address: vip(32), port: 80, scheduler: 'sh', destinations: [dest(RS[1], 80, 'DR')] },
        { protocol: 'TCP', address: vip(33), port: 80, scheduler: 'mh', schedulerFlags: ['mh-fallback'], destinations: [dest(RS[1], 80, 'DR')] },
        { protocol: 'TCP', address: vip(34), port: 443, scheduler: 'mh', schedulerFlags: ['mh-port', 'mh-fallback'], destinations: [dest(RS[2], 443, 'DR')] },
        { protocol: 'TCP', address: vip(35), port: 80, scheduler: 'rr', schedulerFlags: ['flag-1'] },
        { protocol: 'TCP', address: vip(36), port: 80, scheduler: 'wlc', schedulerFlags: ['flag-2', 'flag-3'] },
      ]),
      other: table([
        { protocol: 'TCP', address: vip(30), port: 80, scheduler: 'sh', destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'UDP', address: vip(31), port: 53, scheduler: 'sh', schedulerFlags: ['sh-fallback'], destinations: [dest(RS[0], 53, 'DR')] },
        { protocol: 'TCP', address: vip(32), port: 80, scheduler: 'mh', schedulerFlags: ['mh-fallback', 'mh-port'], destinations: [dest(RS[1], 80, 'DR')] },
        { protocol: 'TCP', address: vip(33), port: 80, scheduler: 'mh', schedulerFlags: ['mh-port'], destinations: [dest(RS[1], 80, 'DR')] },
        { protocol: 'TCP', address: vip(34), port: 443, scheduler: 'mh', destinations: [dest(RS[2], 443, 'DR')] },
        { protocol: 'TCP', address: vip(35), port: 80, scheduler: 'rr' },
        { protocol: 'TCP', address: vip(36), port: 80, scheduler: 'wlc', schedulerFlags: ['flag-3'] },
      ]),
    },
    {
      name: 'DR, TUN and NAT destinations (NAT port maps, weight 0)',
      desired: table([
        {
          protocol: 'TCP', address: vip(40), port: 80, scheduler: 'wrr',
          destinations: [dest(RS[0], 80, 'DR', 1), dest(RS[1], 80, 'TUN', 2), dest(RS[2], 8080, 'NAT', 3), dest('198.18.0.200', 80, 'NAT', 0)],
        },
        { protocol: 'UDP', address: vip(41), port: 53, scheduler: 'rr', destinations: [dest(RS[0], 5353, 'NAT', 1), dest(RS[1], 53, 'TUN', 1)] },
      ]),
      other: table([
        {
          protocol: 'TCP', address: vip(40), port: 80, scheduler: 'wrr',
          destinations: [dest(RS[0], 80, 'TUN', 1), dest(RS[1], 80, 'NAT', 2), dest(RS[2], 8080, 'NAT', 7), dest('198.18.0.200', 80, 'DR', 65535), dest('198.18.0.201', 80, 'DR', 1)],
        },
        { protocol: 'UDP', address: vip(41), port: 53, scheduler: 'rr', destinations: [dest(RS[0], 5353, 'NAT', 4)] },
      ]),
    },
    {
      name: 'persistence with and without netmask (IPv4 /0 /16 /24, IPv6 /48 /64 /128)',
      desired: table([
        { protocol: 'TCP', address: vip(50), port: 80, scheduler: 'rr', persistenceTimeout: 300, destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'TCP', address: vip(51), port: 80, scheduler: 'wrr', persistenceTimeout: 60, persistencePrefix: 24, destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'UDP', address: vip(52), port: 53, scheduler: 'rr', persistenceTimeout: 30, persistencePrefix: 0, destinations: [dest(RS[1], 53, 'DR')] },
        { protocol: 'TCP', address: vip(53), port: 443, scheduler: 'lc', persistenceTimeout: 86400, persistencePrefix: 16 },
        { protocol: 'TCP', address: V6('150'), port: 443, scheduler: 'rr', persistenceTimeout: 120, persistencePrefix: 48, destinations: [dest(V6('13'), 443, 'DR')] },
        { protocol: 'TCP', address: V6('151'), port: 443, scheduler: 'rr', persistenceTimeout: 120, persistencePrefix: 128 },
        { protocol: 'UDP', address: V6('152'), port: 53, scheduler: 'sh', schedulerFlags: ['sh-port'], persistenceTimeout: 10, persistencePrefix: 64 },
        { protocol: 'FWMARK', fwmark: 50, family: 'ipv6', scheduler: 'rr', persistenceTimeout: 100, persistencePrefix: 56, destinations: [dest(V6('14'), 0, 'DR')] },
      ]),
      other: table([
        { protocol: 'TCP', address: vip(50), port: 80, scheduler: 'rr', destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'TCP', address: vip(51), port: 80, scheduler: 'wrr', persistenceTimeout: 61, persistencePrefix: 28, destinations: [dest(RS[0], 80, 'DR')] },
        { protocol: 'UDP', address: vip(52), port: 53, scheduler: 'rr', persistenceTimeout: 3600, destinations: [dest(RS[1], 53, 'DR')] },
        { protocol: 'TCP', address: vip(54), port: 443, scheduler: 'lc', persistenceTimeout: 5, persistencePrefix: 8 },
        { protocol: 'TCP', address: V6('150'), port: 443, scheduler: 'rr', persistenceTimeout: 120, persistencePrefix: 64, destinations: [dest(V6('13'), 443, 'DR')] },
        { protocol: 'TCP', address: V6('151'), port: 443, scheduler: 'rr', persistenceTimeout: 120, persistencePrefix: 1 },
        { protocol: 'UDP', address: V6('152'), port: 53, scheduler: 'sh', schedulerFlags: ['sh-port'] },
        { protocol: 'FWMARK', fwmark: 50, family: 'ipv6', scheduler: 'rr', persistenceTimeout: 100, destinations: [dest(V6('14'), 0, 'DR')] },
      ]),
    },
    {
      name: 'one-packet scheduling (UDP, and fwmark which ipvsadm also accepts)',
      desired: table([
        { protocol: 'UDP', address: vip(60), port: 53, scheduler: 'rr', onePacket: true, destinations: [dest(RS[0], 5353, 'NAT'), dest(RS[1], 5353, 'NAT')] },
        { protocol: 'UDP', address: vip(61), port: 514, scheduler: 'sh', schedulerFlags: ['sh-port'], onePacket: true, destinations: [dest(RS[0], 514, 'DR')] },
        { protocol: 'UDP', address: V6('160'), port: 53, scheduler: 'wrr', onePacket: true, destinations: [dest(V6('13'), 53, 'DR')] },
        { protocol: 'FWMARK', fwmark: 60, family: 'ipv4', scheduler: 'rr', onePacket: true, destinations: [dest(RS[2], 0, 'DR')] },
      ]),
      other: table([
        { protocol: 'UDP', address: vip(60), port: 53, scheduler: 'rr', destinations: [dest(RS[0], 5353, 'NAT'), dest(RS[1], 5353, 'NAT')] },
        { protocol: 'UDP', address: vip(61), port: 514, scheduler: 'mh', onePacket: true, destinations: [dest(RS[0], 514, 'DR', 3)] },
        { protocol: 'UDP', address: V6('160'), port: 53, scheduler: 'wrr', destinations: [dest(V6('13'), 53, 'DR')] },
        { protocol: 'UDP', address: vip(62), port: 123, scheduler: 'rr', onePacket: true },
        { protocol: 'FWMARK', fwmark: 60, family: 'ipv4', scheduler: 'rr', destinations: [dest(RS[2], 0, 'DR')] },
      ]),
    },
    {
      name: 'fwmark services, IPv4 and IPv6 (same mark in both families, port-less destinations)',
      desired: table([
        { protocol: 'FWMARK', fwmark: 1, family: 'ipv4', scheduler: 'rr', destinations: [dest(RS[0], 0, 'DR'), dest(RS[1], 0, 'DR')] },
        { protocol: 'FWMARK', fwmark: 1, family: 'ipv6', scheduler: 'rr', destinations: [dest(V6('13'), 0, 'DR'), dest(V6('14'), 0, 'TUN')] },
        { protocol: 'FWMARK', fwmark: 2, family: 'ipv4', scheduler: 'wlc', destinations: [dest(RS[2], 8080, 'NAT'), dest('198.18.0.201', 0, 'TUN')] },
        { protocol: 'FWMARK', fwmark: 3, family: 'ipv6', scheduler: 'mh', schedulerFlags: ['mh-port'], persistenceTimeout: 60, persistencePrefix: 64, destinations: [dest(V6('15'), 8080, 'NAT')] },
        { protocol: 'FWMARK', fwmark: 4294967295, family: 'ipv4', scheduler: 'rr' },
        { protocol: 'FWMARK', fwmark: 4, family: 'ipv6', scheduler: 'rr' },
      ]),
      other: table([
        { protocol: 'FWMARK', fwmark: 1, family: 'ipv4', scheduler: 'rr', destinations: [dest(RS[0], 0, 'DR', 3), dest(RS[2], 0, 'TUN')] },
        { protocol: 'FWMARK', fwmark: 1, family: 'ipv6', scheduler: 'wrr', destinations: [dest(V6('13'), 0, 'TUN'), dest(V6('14'), 0, 'TUN', 0)] },
        { protocol: 'FWMARK', fwmark: 3, family: 'ipv6', scheduler: 'mh', persistenceTimeout: 60, destinations: [dest(V6('15'), 8080, 'NAT', 9)] },
        { protocol: 'FWMARK', fwmark: 4294967295, family: 'ipv4', scheduler: 'sed', destinations: [dest(RS[0], 0, 'DR')] },
        { protocol: 'FWMARK', fwmark: 4, family: 'ipv6', scheduler: 'rr', destinations: [dest(V6('16'), 0, 'DR')] },
        { protocol: 'FWMARK', fwmark: 5, family: 'ipv4', scheduler: 'nq' },
      ]),
    },
    {
      name: 'IPv6 address services (non-canonical input forms)',
      desired: table([
        { protocol: 'TCP', address: '2001:DB8:0:0::170', port: 80, scheduler: 'wlc', destinations: [dest(V6('13'), 80, 'DR'), dest(V6('14'), 80, 'TUN'), dest('2001:db8:0::15', 8080, 'NAT')] },
        { protocol: 'UDP', address: V6('171'), port: 53, scheduler: 'rr', destinations: [dest(V6('13'), 5353, 'NAT')] },
        { protocol: 'TCP', address: '2001:db8:0:1:0:0:0:1', port: 443, scheduler: 'lblcr' },
      ]),
      other: table([
        { protocol: 'TCP', address: V6('170'), port: 80, scheduler: 'lc', destinations: [dest(V6('13'), 80, 'TUN', 2), dest(V6('15'), 8080, 'NAT', 0), dest(V6('16'), 80, 'DR')] },
        { protocol: 'UDP', address: V6('171'), port: 53, scheduler: 'rr', destinations: [dest(V6('13'), 5353, 'NAT'), dest(V6('14'), 53, 'DR')] },
      ]),
    },
    {
      name: 'thresholds (-x alone, -x with -y, equal, up to INT_MAX)',
      desired: table([
        {
          protocol: 'TCP', address: vip(80), port: 80, scheduler: 'wlc',
          destinations: [
            dest(RS[0], 80, 'DR', 1, { upperThreshold: 100, lowerThreshold: 10 }),
            dest(RS[1], 80, 'DR', 1, { upperThreshold: 5 }),
            dest(RS[2], 80, 'DR', 1, { upperThreshold: 3, lowerThreshold: 3 }),
            dest('198.18.0.202', 80, 'TUN', 1, { upperThreshold: 2147483647, lowerThreshold: 2147483646 }),
          ],
        },
        { protocol: 'FWMARK', fwmark: 80, family: 'ipv6', scheduler: 'rr', destinations: [dest(V6('13'), 0, 'DR', 1, { upperThreshold: 50, lowerThreshold: 25 })] },
      ]),
      other: table([
        {
          protocol: 'TCP', address: vip(80), port: 80, scheduler: 'wlc',
          destinations: [
            dest(RS[0], 80, 'DR', 1),
            dest(RS[1], 80, 'DR', 1, { upperThreshold: 6, lowerThreshold: 1 }),
            dest(RS[2], 80, 'DR', 1, { upperThreshold: 3 }),
            dest('198.18.0.202', 80, 'TUN', 2, { upperThreshold: 2147483647, lowerThreshold: 2147483646 }),
          ],
        },
        { protocol: 'FWMARK', fwmark: 80, family: 'ipv6', scheduler: 'rr', destinations: [dest(V6('13'), 0, 'DR', 1, { upperThreshold: 25 })] },
      ]),
    },
  ];
}

const union = (tables: IpvsTable[]): IpvsTable => ({ services: tables.flatMap((t) => t.services) });

const TOPOLOGY = defaultTopology({ realServers: 3 });
const FREE = resolveTopology(TOPOLOGY).freeAddresses;
const vip = (i: number): string => {
  const a = FREE[i];
  if (a === undefined) throw new Error(`not enough free lab addresses (${i})`);
  return a;
};
const SCENARIOS = buildScenarios(vip);
const ALL = union(SCENARIOS.map((s) => s.desired)); // IpvsTable.parse: no key collides across scenarios
const ALL_OTHER = union(SCENARIOS.map((s) => s.other));
IpvsTable.parse(ALL);
IpvsTable.parse(ALL_OTHER);
const VIP0 = vip(0); // the DR VIP with real traffic

function expectConverged(report: ConvergeReport, desired: IpvsTable): void {
  expect(normalizeTable(report.readBack)).toEqual(normalizeTable(desired));
  expect(diffIpvsTables(report.readBack, desired)).toEqual([]);
}

/** Kernel %08X of an IPv4 address, as /proc/net/ip_vs prints it. */
const hexIpv4 = (address: string) => address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();

const gate = labGate();
describe.skipIf(gate.skip)('IPVS diff/plan/parsers against the real kernel (UML lab)', () => {
  let lab: Lab;
  const t = { start: 0, booted: 0, bodyEnd: 0, waitedMs: 0 };

  beforeAll(async () => {
    t.start = performance.now();
    // Only one lab per machine: another engineer's lab may be up; wait for it (a stale one startLab cleans itself).
    for (let attempt = 1; ; attempt++) {
      try {
        lab = await startLab(TOPOLOGY);
        break;
      } catch (e) {
        if (!/already running/.test((e as Error).message) || attempt >= 6) throw e;
        console.log(`lab busy (${(e as Error).message.split('\n')[0]}); retrying in 60 s`);
        await new Promise((r) => setTimeout(r, 60_000));
        t.waitedMs += 60_000;
      }
    }
    t.booted = performance.now();
    expect(lab.topology.freeAddresses).toEqual(FREE);
  }, 420_000);

  afterAll(async () => {
    t.bodyEnd = performance.now();
    const timings = await lab?.stop();
    const s = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `lab timing: boot ${timings?.bootSeconds} s (${s(t.booted - t.start)} s with ${s(t.waitedMs)} s waiting for another engineer's lab), test body ${s(t.bodyEnd - t.booted)} s, teardown ${timings?.teardownSeconds} s`,
    );
  });

  const clear = async () => {
    await lab.execOk(DIRECTOR, ['ipvsadm', '-C']);
    expect((await readLabIpvsTable(lab, DIRECTOR)).services).toEqual([]);
  };

  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: converges from an empty table and from a different non-empty table; the second diff is empty`, async () => {
      const started = performance.now();
      await clear();
      const fromEmpty = await convergeLabIpvs(lab, DIRECTOR, scenario.desired);
      expectConverged(fromEmpty, scenario.desired);
      const toOther = await convergeLabIpvs(lab, DIRECTOR, scenario.other);
      expectConverged(toOther, scenario.other);
      const back = await convergeLabIpvs(lab, DIRECTOR, scenario.desired);
      expectConverged(back, scenario.desired);
      // from non-empty: attribute changes are edits, never delete+add of the same key
      for (const report of [toOther, back]) {
        expect(report.operations.some((o) => o.op === 'edit-service' || o.op === 'edit-destination')).toBe(true);
        const added = new Set(report.operations.filter((o) => o.op === 'add-service').map((o) => serviceKey(o.service)));
        expect(report.operations.filter((o) => o.op === 'delete-service' && added.has(serviceKey(o.service)))).toEqual([]);
      }
      console.log(
        `scenario "${scenario.name}": empty→desired ${fromEmpty.operations.length} ops (${fromEmpty.path}), →other ${toOther.operations.length} (${toOther.path}), →desired ${back.operations.length} (${back.path}); ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    });
  }

  it(
    TWOS_AVAILABLE
      ? 'twos: ip_vs_twos is present in this kernel build and converges with the other schedulers'
      : 'twos: ip_vs_twos is ABSENT from this UML kernel build — ipvsadm refuses it with "Scheduler or persistence engine not found" and the table is unchanged',
    async () => {
      if (TWOS_AVAILABLE) {
        expect(USABLE_SCHEDULERS).toContain('twos'); // covered by the every-scheduler scenario
        return;
      }
      await clear();
      expect((await lab.exec(DIRECTOR, ['modprobe', '-n', 'ip_vs_twos'])).exitCode).not.toBe(0);
      const desired = table([{ protocol: 'TCP', address: VIP0, port: 8080, scheduler: 'twos', destinations: [dest(RS[0], 8080, 'DR')] }]);
      const error = await convergeLabIpvs(lab, DIRECTOR, desired).then(() => null, (e: Error) => e);
      expect(error?.message).toMatch(/Scheduler or persistence engine not found/);
      expect((await readLabIpvsTable(lab, DIRECTOR)).services).toEqual([]);
      // Through a batch the failing line does not stop later ones and -R exits 0: only the read-back tells.
      const batch = await runLabCommand(lab, DIRECTOR, labIpvsadm.restore(diffIpvsTables({ services: [] }, union([desired, table([{ protocol: 'TCP', address: VIP0, port: 8081, scheduler: 'rr' }])]))));
      expect(batch.stderr).toMatch(/Scheduler or persistence engine not found/);
      const readBack = await readLabIpvsTable(lab, DIRECTOR);
      expect(readBack.services.map(serviceKey)).toEqual([`TCP ${VIP0}:8081`]);
      expect(diffIpvsTables(readBack, desired).length).toBeGreaterThan(0);
    },
  );

  it('the batch path (ipvsadm -R) and the single-call path both converge the whole spread', async () => {
    // the default threshold sends this many operations through one batch
    expect(diffIpvsTables({ services: [] }, ALL).length).toBeGreaterThan(20);
    await clear();
    const timed = async (label: string, desired: IpvsTable, batchThreshold: number, path: 'batch' | 'single') => {
      const started = performance.now();
      const report = await convergeLabIpvs(lab, DIRECTOR, desired, { batchThreshold });
      expect(report.path).toBe(path);
      expectConverged(report, desired);
      return `${label} ${report.operations.length} ops ${((performance.now() - started) / 1000).toFixed(1)} s`;
    };
    const lines = [
      await timed('batch empty→all', ALL, 0, 'batch'),
      await timed('batch all→other', ALL_OTHER, 0, 'batch'),
      // single calls from empty are what most scenarios above did; here the big non-empty → non-empty change
      await timed('single other→all', ALL, Number.POSITIVE_INFINITY, 'single'),
    ];
    console.log(`batch vs single: ${lines.join('; ')}`);
  });

  it('/proc/net/ip_vs agrees with ipvsadm -Sn: keys, schedulers, ops, weights, forwarding, jiffies, IPv4 masks and IPv6 prefix words', async () => {
    const converged = await convergeLabIpvs(lab, DIRECTOR, ALL);
    expectConverged(converged, ALL);
    const proc = parseProcIpVs(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs']));
    const procByKey = new Map(proc.map((s) => [s.key, s]));
    // /proc cannot tell an IPv6 fwmark service without destinations from an IPv4 one (README): it reads as IPv4
    const expectedKey = (s: VirtualService) => (s.protocol === 'FWMARK' && s.family === 'ipv6' && s.destinations.length === 0 ? `FWM ${s.fwmark} IPv4` : serviceKey(s));
    expect([...procByKey.keys()].sort()).toEqual(ALL.services.map(expectedKey).sort());
    expect(ALL.services.some((s) => s.onePacket && s.protocol !== 'FWMARK' && serviceFamily(s) === 'ipv6')).toBe(true);
    const hz = new Set<number>();
    for (const s of ALL.services) {
      const p = procByKey.get(expectedKey(s));
      if (!p) throw new Error(`missing ${serviceKey(s)}`);
      expect(p.scheduler).toBe(s.scheduler);
      // the kernel prints "ops" for IPv4 and fwmark services only; its IPv6 branch leaves it out
      expect(p.onePacket).toBe(s.onePacket && (s.protocol === 'FWMARK' || serviceFamily(s) === 'ipv4'));
      expect(p.destinations.map((d) => [d.address, d.port, d.forwarding, d.weight]).sort()).toEqual(s.destinations.map((d) => [d.address, d.port, d.forwarding, d.weight]).sort());
      if (s.persistenceTimeout === 0) {
        expect(p.persistence).toBeNull();
        continue;
      }
      const persistence = p.persistence;
      if (!persistence) throw new Error(`${serviceKey(s)}: no persistence in /proc`);
      expect(persistence.timeoutJiffies % s.persistenceTimeout).toBe(0);
      hz.add(persistence.timeoutJiffies / s.persistenceTimeout);
      if (serviceFamily(s) === 'ipv4') {
        expect(persistence.ipv4Prefix).toBe(s.persistencePrefix ?? 32);
      } else {
        // the kernel keeps the IPv6 prefix length as a host-order int and prints ntohl() of it (little-endian here)
        const prefix = s.persistencePrefix ?? 128;
        expect(persistence.netmaskRaw).toBe(((prefix << 24) >>> 0));
        if (s.destinations.length > 0 || s.protocol !== 'FWMARK') expect(persistence.ipv4Prefix).toBeNull();
      }
    }
    expect(hz.size).toBe(1); // one CONFIG_HZ for every service
    console.log(`/proc/net/ip_vs: ${proc.length} services, persistence in jiffies at HZ=${[...hz][0]}`);
    const listing = await lab.execOk(DIRECTOR, ['ipvsadm', '-L', '-n', '--exact']);
    console.log(`fwmark lines of ipvsadm -Ln:\n${listing.split('\n').filter((l) => l.startsWith('FWM')).join('\n')}`);
    expect(parseIpvsadmList(listing).services.map((s) => s.key).sort()).toEqual(ALL.services.map(serviceKey).sort());
  });

  it('ipvsadm -R goes on after a kernel error (exit status of the last line) but stops at a line it cannot parse', async () => {
    await clear();
    const go = await lab.exec(DIRECTOR, ['ipvsadm', '-R'], {
      stdin: [`-A -t ${VIP0}:7001 -s rr`, `-A -t ${VIP0}:7001 -s rr`, `-E -t ${VIP0}:7002 -s rr`, `-A -t ${VIP0}:7003 -s rr`, ''].join('\n'),
    });
    expect(go.exitCode).toBe(0);
    expect(go.stderr).toMatch(/Service already exists/);
    expect(go.stderr).toMatch(/No such service/);
    expect((await readLabIpvsTable(lab, DIRECTOR)).services.map(serviceKey).sort()).toEqual([`TCP ${VIP0}:7001`, `TCP ${VIP0}:7003`]);
    await clear();
    // "[addr]" without ":0" is what the renderer used to write for port-less IPv6 fwmark destinations
    const stop = await lab.exec(DIRECTOR, ['ipvsadm', '-R'], {
      stdin: [`-A -t ${VIP0}:7004 -s rr`, '-A -f 9 -6 -s rr', '-a -f 9 -6 -r [2001:db8::13] -g -w 1', `-A -t ${VIP0}:7005 -s rr`, ''].join('\n'),
    });
    expect(stop.exitCode).not.toBe(0);
    expect(stop.stderr).toMatch(/illegal real server address/);
    expect((await readLabIpvsTable(lab, DIRECTOR)).services.map(serviceKey).sort()).toEqual(['FWM 9 IPv6', `TCP ${VIP0}:7004`]);
    await clear();
  });

  it('what ipvsadm and the kernel refuse, the model refuses too: one-packet TCP services, -y above -x (also -y without -x)', async () => {
    await clear();
    const tcpOps = await lab.exec(DIRECTOR, ['ipvsadm', '-A', '-t', `${VIP0}:7010`, '-s', 'rr', '-o']);
    expect(tcpOps.exitCode).toBe(2);
    expect(tcpOps.stderr).toMatch(/One-Packet Scheduling is only for UDP virtual services/);
    expect(ServiceSpec.safeParse({ protocol: 'TCP', address: VIP0, port: 7010, scheduler: 'rr', onePacket: true }).success).toBe(false);
    expect(ServiceSpec.safeParse({ protocol: 'FWMARK', fwmark: 7010, family: 'ipv4', scheduler: 'rr', onePacket: true }).success).toBe(true);
    await lab.execOk(DIRECTOR, ['ipvsadm', '-A', '-t', `${VIP0}:7011`, '-s', 'rr']);
    for (const [x, y] of [[0, 3], [5, 6]] as const) {
      const r = await lab.exec(DIRECTOR, ['ipvsadm', '-a', '-t', `${VIP0}:7011`, '-r', `${RS[0]}:7011`, '-g', '-w', '1', '-x', String(x), '-y', String(y)]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/Numerical result out of range/);
      expect(Destination.safeParse(dest(RS[0], 7011, 'DR', 1, { upperThreshold: x, lowerThreshold: y })).success).toBe(false);
    }
    expect(Destination.safeParse(dest(RS[0], 7011, 'DR', 1, { upperThreshold: 6, lowerThreshold: 6 })).success).toBe(true);
    await clear();
  });

  describe('with real traffic through a DR VIP', () => {
    let untouched: VirtualService;
    const requests = 6;

    it('real connections: /proc/net/ip_vs_conn, /proc/net/ip_vs, /proc/net/ip_vs_stats and -Ln --stats/--rate --exact parse with sane counts', async () => {
      await clear();
      await lab.execOk(DIRECTOR, ['ip', 'addr', 'add', `${VIP0}/24`, 'dev', 'eth0']);
      for (const host of ['rs-1', 'rs-2']) {
        await lab.execOk(host, ['ip', 'addr', 'add', `${VIP0}/32`, 'dev', 'lo']);
        await lab.execOk(host, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.lo.arp_ignore=1', 'net.ipv4.conf.lo.arp_announce=2']);
      }
      const desired = table([{ protocol: 'TCP', address: VIP0, port: 80, scheduler: 'rr', destinations: [dest(RS[0], 80, 'DR'), dest(RS[1], 80, 'DR')] }]);
      expectConverged(await convergeLabIpvs(lab, DIRECTOR, desired), desired);
      untouched = desired.services[0] as VirtualService;

      const body = await lab.execOk('client', ['curl', '-sS', '--max-time', '10', ...Array<string>(requests).fill(`http://${VIP0}/`)], { timeoutMs: 30_000 });
      expect(body.split('\n').filter(Boolean).sort()).toEqual([...Array<string>(requests / 2).fill('rs-1'), ...Array<string>(requests / 2).fill('rs-2')]);

      const conns = parseProcIpVsConn(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs_conn'])).filter((c) => c.virtual.address === VIP0 && c.virtual.port === 80);
      expect(conns).toHaveLength(requests);
      for (const c of conns) {
        expect(c).toMatchObject({ protocol: 'TCP', client: { address: lab.addressOf('client') }, destination: { port: 80 } });
        expect([RS[0], RS[1]]).toContain(c.destination.address);
        expect(c.client.port).toBeGreaterThan(1023);
        expect(c.expiresSeconds).toBeGreaterThan(0);
        expect(c.expiresSeconds).toBeLessThanOrEqual(120);
      }
      console.log(`ip_vs_conn states after ${requests} requests: ${[...new Set(conns.map((c) => c.state))].join(', ')}`);

      const proc = parseProcIpVs(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs']));
      expect(proc.map((s) => s.key)).toEqual([`TCP ${VIP0}:80`]);
      const inact = proc[0]?.destinations.reduce((n, d) => n + d.inactConns, 0);
      const active = proc[0]?.destinations.reduce((n, d) => n + d.activeConns, 0);
      expect((inact ?? 0) + (active ?? 0)).toBe(requests);

      // counters come from a kernel timer: allow a moment for them to settle
      let stats = parseIpvsadmList(await lab.execOk(DIRECTOR, ['ipvsadm', '-L', '-n', '--stats', '--exact']));
      for (let i = 0; i < 20 && stats.services[0]?.counters?.conns !== requests; i++) {
        await new Promise((r) => setTimeout(r, 250));
        stats = parseIpvsadmList(await lab.execOk(DIRECTOR, ['ipvsadm', '-L', '-n', '--stats', '--exact']));
      }
      expect(stats).toMatchObject({ variant: 'stats', exact: true });
      const svc = stats.services[0];
      expect(svc?.counters?.conns).toBe(requests);
      expect(svc?.counters?.inPackets).toBeGreaterThanOrEqual(requests * 3); // SYN, ACK+request, FIN/ACK at least
      expect(svc?.counters?.inBytes).toBeGreaterThan(0);
      expect(svc?.counters?.outPackets).toBe(0); // DR: replies bypass the director
      expect(svc?.destinations.map((d) => d.counters?.conns)).toEqual([requests / 2, requests / 2]);

      const rate = parseIpvsadmList(await lab.execOk(DIRECTOR, ['ipvsadm', '-L', '-n', '--rate', '--exact']));
      expect(rate).toMatchObject({ variant: 'rate', exact: true });
      for (const c of Object.values(rate.services[0]?.counters ?? {})) expect(Number.isInteger(c) && c >= 0).toBe(true);

      const global = parseProcIpVsStats(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs_stats']));
      expect(global.totals.conns).toBe(requests); // this namespace saw no other traffic
      expect(global.totals.inPackets).toBe(svc?.counters?.inPackets);
      expect(global.totals.inBytes).toBe(svc?.counters?.inBytes);
      expect(global.totals.outPackets).toBe(0);
      console.log(`stats after ${requests} requests: ${JSON.stringify(svc?.counters)}; /proc rates ${JSON.stringify(global.rates)}`);
    });

    it('a large -R batch of unrelated edits never clears the table: the untouched service keeps its destinations and live connections', async () => {
      expect(untouched).toBeDefined();
      const key = serviceKey(untouched);
      const procKey = `TCP  ${hexIpv4(VIP0)}:0050 `;
      const before = parseProcIpVsConn(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs_conn'])).filter((c) => c.virtual.address === VIP0);

      // Two watchers in the director for the whole of both batches. /proc/net/ip_vs in a tight loop: it is read a
      // page per read() and re-positioned by index, so a read racing with the batch can skip a line; a miss
      // counts only if three immediate re-reads miss too. And netlink: `ipvsadm -L -n -t VIP:80` in a loop
      // (one GET_SERVICE + its destinations per call: atomic for that service).
      const watcherCode = [
        "const fs=require('fs');const key=process.argv[1];let samples=0,skipped=0,missing=0,empty=0,minDests=1e9;",
        "process.on('SIGTERM',()=>{console.log('RESULT '+JSON.stringify({samples,skipped,missing,empty,minDests}));process.exit(0)});",
        "const read=()=>fs.readFileSync('/proc/net/ip_vs','utf8').split('\\n').filter(Boolean);",
        "console.log('ready');",
        "(function loop(){for(let i=0;i<20;i++){const lines=read();samples++;",
        "if(lines.length<=3)empty++;let at=lines.findIndex(l=>l.startsWith(key));",
        "if(at<0){skipped++;let again=null;for(let k=0;k<3&&!again;k++){const l2=read();const a2=l2.findIndex(l=>l.startsWith(key));if(a2>=0)again=1}if(!again)missing++;continue}",
        "let n=0;for(let j=at+1;j<lines.length&&lines[j].startsWith('  ->');j++)n++;if(n<minDests)minDests=n}setImmediate(loop)})();",
      ].join('');
      const watcher = await lab.spawn(DIRECTOR, [process.execPath, '-e', watcherCode, procKey], { name: 'ipvs-proc-watcher' });
      const netlinkWatcher = await lab.spawn(DIRECTOR, ['sh', '-c', `echo ready; while :; do ipvsadm -L -n -t ${VIP0}:80 2>&1 | grep -c '^  -> [0-9]'; done`], { name: 'ipvs-netlink-watcher' });
      await Promise.all([watcher.waitForLog('ready', 20_000), netlinkWatcher.waitForLog('ready', 20_000)]);

      // a held connection: ActiveConn 1 and an ESTABLISHED entry for the whole batch
      const hold = lab.exec('client', ['curl', '-sS', '--max-time', '40', `http://${VIP0}/hold?seconds=12`], { timeoutMs: 45_000 });
      hold.catch(() => undefined); // awaited below; a failure before that must not become an unhandled rejection
      let established = null as ReturnType<typeof parseProcIpVsConn>[number] | null;
      for (let i = 0; i < 40 && !established; i++) {
        await new Promise((r) => setTimeout(r, 100));
        established = parseProcIpVsConn(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs_conn'])).find((c) => c.virtual.address === VIP0 && c.state === 'ESTABLISHED') ?? null;
      }
      if (!established) throw new Error('the held connection never showed up in /proc/net/ip_vs_conn');

      // bulk: 150 services × 2 destinations on another VIP, plus the whole spread → other, all in one batch
      const bulkVip = lab.topology.freeAddresses[140] ?? '';
      const bulk = table(
        Array.from({ length: 150 }, (_, i) => ({ protocol: 'TCP', address: bulkVip, port: 10000 + i, scheduler: 'wrr', destinations: [dest(RS[0], 10000 + i, 'DR'), dest(RS[1], 10000 + i, 'DR', 2)] })),
      );
      const current = await readLabIpvsTable(lab, DIRECTOR);
      const withBulk = union([current, ALL, bulk]);
      const started = performance.now();
      const grow = await convergeLabIpvs(lab, DIRECTOR, withBulk);
      const growSeconds = (performance.now() - started) / 1000;
      expect(grow.path).toBe('batch');
      expect(grow.operations.every((o) => serviceKey(o.service) !== key)).toBe(true);
      expectConverged(grow, withBulk);
      const shrink = await convergeLabIpvs(lab, DIRECTOR, union([current, ALL_OTHER]));
      expect(shrink.path).toBe('batch');
      expect(shrink.operations.every((o) => serviceKey(o.service) !== key)).toBe(true);
      expect(shrink.operations.filter((o) => o.op === 'delete-service').length).toBeGreaterThanOrEqual(150);
      expectConverged(shrink, union([current, ALL_OTHER]));

      await Promise.all([watcher.stop(), netlinkWatcher.stop()]);
      const result = /RESULT (.*)/.exec(await watcher.readLog())?.[1];
      const seen = JSON.parse(result ?? 'null') as { samples: number; skipped: number; missing: number; empty: number; minDests: number } | null;
      // the last line may be cut by the SIGTERM: only whole numbers count
      const destCounts = (await netlinkWatcher.readLog()).split('\n').slice(1, -1).filter((l) => /^\d+$/.test(l)).map(Number);
      console.log(
        `batch of ${grow.operations.length} ops in ${growSeconds.toFixed(1)} s, then ${shrink.operations.length} ops; /proc watcher: ${JSON.stringify(seen)}; netlink watcher: ${destCounts.length} reads, destination counts ${[...new Set(destCounts)].join(',')}`,
      );
      expect(seen?.samples).toBeGreaterThan(20);
      expect(seen).toMatchObject({ missing: 0, empty: 0, minDests: 2 });
      expect(destCounts.length).toBeGreaterThan(5);
      expect(new Set(destCounts)).toEqual(new Set([2]));
      // the service object itself lived through both batches: its counters were not reset (6 requests + the held one)
      const stats = parseIpvsadmList(await lab.execOk(DIRECTOR, ['ipvsadm', '-L', '-n', '--stats', '--exact']));
      expect(stats.services.find((s) => s.key === key)?.counters?.conns).toBe(requests + 1);

      const after = parseProcIpVsConn(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs_conn'])).filter((c) => c.virtual.address === VIP0);
      const still = after.find((c) => c.client.port === established?.client.port);
      expect(still).toMatchObject({ state: 'ESTABLISHED', destination: established.destination });
      // every entry from before the batches survived (FIN_WAIT entries live 120 s)
      for (const c of before) expect(after.some((a) => a.client.port === c.client.port && a.destination.address === c.destination.address)).toBe(true);
      const proc = parseProcIpVs(await lab.execOk(DIRECTOR, ['cat', '/proc/net/ip_vs']));
      expect(proc.find((s) => s.key === key)?.destinations.reduce((n, d) => n + d.activeConns, 0)).toBe(1);

      const held = await hold;
      expect(held.exitCode).toBe(0);
      expect(held.stdout).toMatch(/^rs-[12] holding 12s\nrs-[12]\n$/);
    });
  });
});
