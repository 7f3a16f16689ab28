import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { destinationArbitrary, serviceSpecArbitrary } from '../model/arbitraries';
import { serviceFamily, serviceIdentity, type ServiceSpec } from '../model/ipvs';
import { decodeDaemon, decodeDestination, decodeInfo, decodeService, destinationAttributes, operationMessage, serviceAttributes } from './ipvs-genl';
import { describeOperationError } from './ipvs-netlink';
import { attributeMap, decodeAttributes, decodeMessages, encodeAttributes, encodeGenlMessage, genlAttributes, NetlinkDecodeError, NLM_F_ACK, NLM_F_REQUEST } from './netlink-message';

const fullPrefixIsNull = (s: ServiceSpec): ServiceSpec => ({ ...s, persistencePrefix: s.persistencePrefix === (serviceFamily(s) === 'ipv4' ? 32 : 128) ? null : s.persistencePrefix });

describe('IPVS generic netlink messages', () => {
  it('a service survives encode → kernel attributes → decode (every scheduler, flag, persistence and family)', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary, (spec) => {
        const decoded = decodeService(attributeMap(encodeAttributes(serviceAttributes(spec))));
        expect(decoded.spec).toEqual(fullPrefixIsNull(spec));
      }),
      { numRuns: 500 },
    );
  });

  it('a destination survives encode → decode, thresholds included', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary.chain((s) => destinationArbitrary(s).map((d) => [s, d] as const)), ([service, destination]) => {
        const decoded = decodeDestination(attributeMap(encodeAttributes(destinationAttributes(destination, serviceFamily(service), true))), serviceFamily(service));
        expect(decoded.destination).toEqual(destination);
      }),
      { numRuns: 500 },
    );
  });

  it('puts the kernel fields where ip_vs.h says: port in network order, IPv4 mask as a mask, flags with their mask', () => {
    const spec: ServiceSpec = { protocol: 'TCP', address: '198.18.0.10', port: 80, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], persistenceTimeout: 300, persistencePrefix: 24, onePacket: false };
    const a = attributeMap(encodeAttributes(serviceAttributes(spec)));
    expect(a.get(1)!.readUInt16LE(0)).toBe(2); // AF_INET
    expect(a.get(2)!.readUInt16LE(0)).toBe(6); // IPPROTO_TCP
    expect([...a.get(3)!]).toEqual([198, 18, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...a.get(4)!]).toEqual([0, 80]);
    expect(a.get(6)!.toString()).toBe('sh\0');
    expect(a.get(7)!.readUInt32LE(0)).toBe(0x1 | 0x8 | 0x10); // PERSISTENT | SCHED1 | SCHED2
    expect(a.get(7)!.readUInt32LE(4)).toBe(0x3d);
    expect(a.get(8)!.readUInt32LE(0)).toBe(300);
    expect(a.get(9)!.readUInt32BE(0)).toBe(0xffffff00);
  });

  it('frames a weight edit as SET_DEST with the service selector and the full destination', () => {
    const message = operationMessage(
      0x23,
      { op: 'edit-destination', service: { protocol: 'UDP', address: '2001:db8::1', port: 53 }, destination: { address: '2001:db8:1::2', port: 53, forwarding: 'DR', weight: 7, upperThreshold: 0, lowerThreshold: 0 }, before: { address: '2001:db8:1::2', port: 53, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 } },
      42,
    );
    const [m] = decodeMessages(message);
    expect(m).toMatchObject({ type: 0x23, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 42 });
    expect(m!.payload[0]).toBe(6); // IPVS_CMD_SET_DEST
    const attrs = genlAttributes(m!);
    const dest = decodeDestination(attributeMap(attrs.get(2)!), 'ipv6');
    expect(dest.destination).toMatchObject({ address: '2001:db8:1::2', weight: 7, forwarding: 'DR' });
    const selector = attributeMap(attrs.get(1)!);
    expect(selector.has(6)).toBe(false); // a selector names the service, nothing more
    expect(selector.get(2)!.readUInt16LE(0)).toBe(17);
  });

  it('reads 64-bit counters, the sync daemon and the IPVS version', () => {
    const stats = encodeAttributes([
      [1, { kind: 'bytes', value: Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]) }],
      [4, { kind: 'bytes', value: Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]) }], // 2^32 bytes in
      [6, { kind: 'bytes', value: Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]) }],
    ]);
    const dest = decodeDestination(
      attributeMap(Buffer.concat([encodeAttributes(destinationAttributes({ address: '198.18.1.1', port: 80, forwarding: 'NAT', weight: 2, upperThreshold: 10, lowerThreshold: 5 }, 'ipv4', true)), encodeAttributes([[7, { kind: 'u32', value: 4 }], [8, { kind: 'u32', value: 9 }]]), encodeAttributes([[12, { kind: 'bytes', value: stats }]])])),
      'ipv4',
    );
    expect(dest).toMatchObject({ activeConns: 4, inactConns: 9, counters: { conns: 5, inBytes: 2 ** 32, connsPerSecond: 3 } });
    expect(decodeDaemon(attributeMap(encodeAttributes([[1, { kind: 'u32', value: 2 }], [2, { kind: 'string', value: 'eth0' }], [3, { kind: 'u32', value: 51 }]])))).toEqual({ role: 'backup', interface: 'eth0', syncId: 51 });
    expect(decodeInfo(attributeMap(encodeAttributes([[1, { kind: 'u32', value: 0x010201 }], [2, { kind: 'u32', value: 4096 }]])))).toEqual({ version: '1.2.1', tableSize: 4096 });
  });

  it('refuses what it cannot model or what does not add up, with a typed error', () => {
    const attrs = (over: Array<[number, { kind: 'string'; value: string } | { kind: 'u16'; value: number }]>) => attributeMap(encodeAttributes([...serviceAttributes({ protocol: 'TCP', address: '198.18.0.1', port: 80, scheduler: 'rr', schedulerFlags: [], persistenceTimeout: 0, persistencePrefix: null, onePacket: false }), ...over]));
    expect(() => decodeService(attrs([[6, { kind: 'string', value: 'nosuch' }]]))).toThrow(NetlinkDecodeError);
    expect(() => decodeService(attrs([[2, { kind: 'u16', value: 132 }]]))).toThrow(/protocol 132/); // SCTP
    expect(() => decodeAttributes(Buffer.from([40, 0, 1, 0, 0, 0]))).toThrow(/claims 40 bytes/);
    expect(() => decodeMessages(Buffer.from([200, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(NetlinkDecodeError);
  });

  it('words kernel refusals like ipvsadm does, naming the errno', () => {
    const service = serviceIdentity({ protocol: 'TCP', address: '198.18.0.1', port: 80 });
    const destination = { address: '198.18.1.1', port: 80, forwarding: 'DR' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };
    expect(describeOperationError({ op: 'add-destination', service, destination }, 17)).toBe('Destination already exists (EEXIST)');
    expect(describeOperationError({ op: 'delete-destination', service, destination }, 2)).toBe('No such destination (ENOENT)');
    expect(describeOperationError({ op: 'add-destination', service, destination }, 22)).toBe('the kernel refused add-destination: EINVAL');
    expect(encodeGenlMessage({ family: 16, cmd: 3, version: 1, flags: 5, seq: 1, attributes: [] }).length).toBe(20);
  });
});
