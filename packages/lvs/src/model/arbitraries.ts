import fc from 'fast-check';
import { SCHEDULERS, type ForwardingMethod, type Scheduler } from './primitives';
import { destinationKey, serviceFamily, serviceKey, type Destination, type IpvsTable, type SchedulerFlag, type ServiceSpec, type VirtualService } from './ipvs';

// Small pools on purpose: random actual and desired tables must share keys often, so edits are exercised.
const V4_VIPS = ['192.0.2.1', '192.0.2.2', '198.51.100.7'];
const V6_VIPS = ['2001:db8::1', '2001:db8::2'];
const V4_REALS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.1.1'];
const V6_REALS = ['2001:db8:1::1', '2001:db8:1::2', '2001:db8:1::3', '::ffff:10.0.0.9'];
const PORTS = [80, 443, 53];

const flagsFor = (scheduler: Scheduler): fc.Arbitrary<SchedulerFlag[]> =>
  scheduler === 'sh'
    ? fc.subarray(['sh-fallback', 'sh-port'] as SchedulerFlag[])
    : scheduler === 'mh'
      ? fc.subarray(['mh-fallback', 'mh-port'] as SchedulerFlag[])
      : fc.constant([]);

/** A valid service spec (no destinations) drawn from small pools of keys. */
export const serviceSpecArbitrary: fc.Arbitrary<ServiceSpec> = fc
  .record({
    kind: fc.constantFrom('TCP', 'UDP', 'FWMARK') as fc.Arbitrary<'TCP' | 'UDP' | 'FWMARK'>,
    v6: fc.boolean(),
    vip: fc.nat(10),
    port: fc.constantFrom(...PORTS),
    fwmark: fc.integer({ min: 1, max: 3 }),
    scheduler: fc.constantFrom(...SCHEDULERS),
    persistenceTimeout: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86400 })),
    prefixRoll: fc.nat(128),
    onePacket: fc.boolean(),
  })
  .chain((r) =>
    flagsFor(r.scheduler).map((schedulerFlags): ServiceSpec => {
      const family = r.v6 ? 'ipv6' : 'ipv4';
      const max = r.v6 ? 128 : 32;
      const persistencePrefix = r.persistenceTimeout === 0 || r.prefixRoll % 3 === 0 ? null : Math.max(1, r.prefixRoll % (max + 1));
      const attrs = { scheduler: r.scheduler, schedulerFlags, persistenceTimeout: r.persistenceTimeout, persistencePrefix, onePacket: r.onePacket && r.kind !== 'TCP' };
      if (r.kind === 'FWMARK') return { protocol: 'FWMARK', fwmark: r.fwmark, family, ...attrs };
      const pool = r.v6 ? V6_VIPS : V4_VIPS;
      return { protocol: r.kind, address: pool[r.vip % pool.length] ?? '192.0.2.1', port: r.port, ...attrs };
    }),
  );

/** A valid destination for the given service. */
export function destinationArbitrary(service: ServiceSpec): fc.Arbitrary<Destination> {
  const pool = serviceFamily(service) === 'ipv6' ? V6_REALS : V4_REALS;
  return fc
    .record({
      address: fc.constantFrom(...pool),
      forwarding: fc.constantFrom('DR', 'TUN', 'NAT') as fc.Arbitrary<ForwardingMethod>,
      natPort: fc.constantFrom(...PORTS, 8080),
      weight: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 65535 })),
      upperThreshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2147483647 })),
      lowerThreshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
    })
    .map((d) => {
      const port = service.protocol === 'FWMARK' ? (d.forwarding === 'NAT' ? d.natPort : 0) : d.forwarding === 'NAT' ? d.natPort : service.port;
      return { address: d.address, port, forwarding: d.forwarding, weight: d.weight, upperThreshold: d.upperThreshold, lowerThreshold: Math.min(d.lowerThreshold, d.upperThreshold) };
    });
}

/** A valid virtual service with 0–6 destinations. */
export const virtualServiceArbitrary: fc.Arbitrary<VirtualService> = serviceSpecArbitrary.chain((spec) =>
  fc.array(destinationArbitrary(spec), { maxLength: 6 }).map((ds) => {
    const unique = new Map(ds.map((d) => [destinationKey(d), d]));
    return { ...spec, destinations: [...unique.values()] } as VirtualService;
  }),
);

/** A valid IPVS table with 0–8 services, keys deduplicated. */
export const ipvsTableArbitrary: fc.Arbitrary<IpvsTable> = fc.array(virtualServiceArbitrary, { maxLength: 8 }).map((services) => {
  const unique = new Map(services.map((s) => [serviceKey(s), s]));
  return { services: [...unique.values()] };
});
