import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderRestoreBatch } from '../commands/ipvsadm';
import { ipvsTableArbitrary } from '../model/arbitraries';
import { IpvsTable, destinationKey, normalizeTable, serviceKey, type VirtualService } from '../model/ipvs';
import { IpvsApplyError, applyOperations } from './apply-operations';
import { describeOperation, diffIpvsTables } from './diff-ipvs-tables';
import { OPERATION_ORDER, type IpvsOperation } from './operations';

const base: VirtualService = {
  protocol: 'TCP',
  address: '192.0.2.1',
  port: 80,
  scheduler: 'wrr',
  schedulerFlags: [],
  persistenceTimeout: 0,
  persistencePrefix: null,
  onePacket: false,
  destinations: [
    { address: '10.0.0.1', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
    { address: '10.0.0.2', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
  ],
};
const table = (...services: VirtualService[]) => ({ services });
const opKey = (o: IpvsOperation) => `${serviceKey(o.service)}|${'destination' in o ? destinationKey(o.destination) : ''}`;

describe('diffIpvsTables', () => {
  it('is empty for equal tables', () => {
    expect(diffIpvsTables(table(base), table(base))).toEqual([]);
  });
  it('edits a weight, never delete+add', () => {
    const d0 = base.destinations[0]!;
    const ops = diffIpvsTables(table(base), table({ ...base, destinations: [{ ...d0, weight: 0 }, base.destinations[1]!] }));
    expect(ops).toEqual([{ op: 'edit-destination', service: { protocol: 'TCP', address: '192.0.2.1', port: 80 }, destination: { ...d0, weight: 0 }, before: d0 }]);
    expect(describeOperation(ops[0]!)).toBe('edit destination 10.0.0.1:80 of TCP 192.0.2.1:80 (weight 1 → 0)');
  });
  it('edits a scheduler, flags, persistence and ops in one service edit', () => {
    const ops = diffIpvsTables(table(base), table({ ...base, scheduler: 'sh', schedulerFlags: ['sh-port'], persistenceTimeout: 300, persistencePrefix: 24, onePacket: true }));
    expect(ops.map((o) => o.op)).toEqual(['edit-service']);
  });
  it('edits a forwarding-method change (same key)', () => {
    const ops = diffIpvsTables(table(base), table({ ...base, destinations: [{ ...base.destinations[0]!, forwarding: 'TUN' }, base.destinations[1]!] }));
    expect(ops.map((o) => o.op)).toEqual(['edit-destination']);
  });
  it('treats equivalent spellings as equal (IPv6 case, flag order, full-length prefix)', () => {
    const v6 = IpvsTable.parse({ services: [{ ...base, address: '2001:DB8:0::1', scheduler: 'sh', schedulerFlags: ['sh-port', 'sh-fallback'], persistenceTimeout: 10, persistencePrefix: 128, destinations: [] }] });
    const same = IpvsTable.parse({ services: [{ ...base, address: '2001:db8::1', scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], persistenceTimeout: 10, persistencePrefix: null, destinations: [] }] });
    expect(diffIpvsTables(v6, same)).toEqual([]);
  });
  it('keeps IPv4 and IPv6 fwmark services apart', () => {
    const f4 = { ...base, protocol: 'FWMARK', fwmark: 1, family: 'ipv4', destinations: [] } as unknown as VirtualService;
    const f6 = { ...base, protocol: 'FWMARK', fwmark: 1, family: 'ipv6', destinations: [] } as unknown as VirtualService;
    expect(diffIpvsTables(table(f4), table(f6)).map((o) => o.op)).toEqual(['add-service', 'delete-service']);
  });
  it('orders adds before deletes and deletes destinations before their service', () => {
    const other = { ...base, port: 443, destinations: base.destinations.map((d) => ({ ...d, port: 443 })) };
    const ops = diffIpvsTables(table(base), table(other));
    expect(ops.map((o) => o.op)).toEqual(['add-service', 'add-destination', 'add-destination', 'delete-destination', 'delete-destination', 'delete-service']);
  });
});

describe('applyOperations models the kernel', () => {
  it('refuses duplicates and missing objects like the kernel', () => {
    expect(() => applyOperations(table(base), [{ op: 'add-service', service: base }])).toThrow(IpvsApplyError);
    expect(() => applyOperations(table(), [{ op: 'add-destination', service: base, destination: base.destinations[0]! }])).toThrow(IpvsApplyError);
    expect(() => applyOperations(table(), [{ op: 'delete-service', service: base }])).toThrow(/no service/);
  });
  it('drops destinations with their service', () => {
    expect(applyOperations(table(base), [{ op: 'delete-service', service: base }])).toEqual({ services: [] });
  });
});

describe('diff properties (fast-check)', () => {
  it('generated tables are valid', () => {
    fc.assert(fc.property(ipvsTableArbitrary, (t) => void IpvsTable.parse(t)), { numRuns: 300 });
  });
  it('apply(actual, diff(actual, desired)) = desired, and a second diff is empty', () => {
    fc.assert(
      fc.property(ipvsTableArbitrary, ipvsTableArbitrary, (actual, desired) => {
        const ops = diffIpvsTables(actual, desired);
        const result = applyOperations(actual, ops); // throws on any unsafe order (EEXIST/ESRCH)
        expect(result).toEqual(normalizeTable(desired));
        expect(diffIpvsTables(result, desired)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
  it('is minimal: one operation per changed object, no delete+add of one key, edits only where something differs', () => {
    fc.assert(
      fc.property(ipvsTableArbitrary, ipvsTableArbitrary, (actual, desired) => {
        const ops = diffIpvsTables(actual, desired);
        const actualKeys = new Set(actual.services.map((s) => serviceKey(s)));
        const desiredKeys = new Set(desired.services.map((s) => serviceKey(s)));
        const seen = new Map<string, string[]>();
        for (const o of ops) seen.set(opKey(o), [...(seen.get(opKey(o)) ?? []), o.op]);
        for (const [key, kinds] of seen) expect(kinds.length, key).toBe(1);
        for (const o of ops) {
          const k = serviceKey(o.service);
          if (o.op === 'add-service') expect(actualKeys.has(k)).toBe(false);
          if (o.op === 'delete-service') expect(desiredKeys.has(k)).toBe(false);
          if (o.op === 'edit-destination') expect(o.before).not.toEqual(o.destination);
        }
        // lower bound: every key that differs needs one op; the diff emits exactly that many
        let needed = 0;
        const index = (t: typeof actual) => new Map(t.services.map((s) => [serviceKey(s), s]));
        const a = index(normalizeTable(actual));
        const d = index(normalizeTable(desired));
        for (const [k, s] of d) {
          const h = a.get(k);
          if (!h) needed += 1 + s.destinations.length;
          else {
            const { destinations: hd, ...hs } = h;
            const { destinations: sd, ...ss } = s;
            if (JSON.stringify(hs) !== JSON.stringify(ss)) needed++;
            const hmap = new Map(hd.map((x) => [destinationKey(x), x]));
            const smap = new Map(sd.map((x) => [destinationKey(x), x]));
            for (const [dk, x] of smap) if (JSON.stringify(hmap.get(dk)) !== JSON.stringify(x)) needed++;
            for (const dk of hmap.keys()) if (!smap.has(dk)) needed++;
          }
        }
        for (const [k, h] of a) if (!d.has(k)) needed += 1 + h.destinations.length;
        expect(ops.length).toBe(needed);
      }),
      { numRuns: 1000 },
    );
  });
  it('emits operations grouped in the documented order, and every batch renders', () => {
    fc.assert(
      fc.property(ipvsTableArbitrary, ipvsTableArbitrary, (actual, desired) => {
        const ops = diffIpvsTables(actual, desired);
        const ranks = ops.map((o) => OPERATION_ORDER.indexOf(o.op));
        expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
        const batch = renderRestoreBatch(ops);
        expect(batch.split('\n').length - 1).toBe(ops.length);
      }),
      { numRuns: 500 },
    );
  });
});
