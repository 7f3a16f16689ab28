import type { IpvsOperation } from '../diff/operations';
import { serviceFamily, serviceIdentity, type IpvsTable, type ServiceIdentity, type VirtualService } from '../model/ipvs';
import { decodeDaemon, decodeDestination, decodeInfo, decodeService, dumpMessage, getServiceMessage, infoMessage, IPVS_GENL_NAME, nestedOf, operationMessage, type KernelDestination, type KernelService, type KernelSyncDaemon } from './ipvs-genl';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, encodeGenlMessage, errnoName, genlAttributes, GENL_ID_CTRL, NLM_F_ACK, NLM_F_REQUEST, readU16, type NetlinkMessage } from './netlink-message';
import { NetlinkError, NetlinkRelay } from './netlink-relay';

/** A service with its destinations, counters and connection counts, as one read of the kernel saw them. */
export interface KernelIpvsService extends KernelService {
  destinations: KernelDestination[];
}

/** Everything one read of the kernel's IPVS table returns. */
export interface KernelIpvsTable {
  services: KernelIpvsService[];
}

/** The model table of a kernel read (drops counters and connection counts). */
export function tableOf(kernel: KernelIpvsTable): IpvsTable {
  return { services: kernel.services.map((s) => ({ ...s.spec, destinations: s.destinations.map((d) => d.destination) }) as VirtualService) };
}

// What the kernel's errno means for each operation (ip_vs_ctl.c), worded like ipvsadm's messages.
const OPERATION_ERRORS: Record<string, Partial<Record<string, string>>> = {
  'add-service': { EEXIST: 'Service already exists', ENOENT: 'Scheduler or persistence engine not found' },
  'edit-service': { ESRCH: 'No such service', ENOENT: 'Scheduler or persistence engine not found' },
  'delete-service': { ESRCH: 'No such service' },
  'add-destination': { ESRCH: 'Service not defined', EEXIST: 'Destination already exists', ERANGE: 'Lower threshold above upper threshold' },
  'edit-destination': { ESRCH: 'Service not defined', ENOENT: 'No such destination', ERANGE: 'Lower threshold above upper threshold' },
  'delete-destination': { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
};

/** A kernel refusal of one operation in words an operator knows from ipvsadm, with the errno. */
export function describeOperationError(operation: IpvsOperation, errno: number): string {
  const name = errnoName(errno);
  const meaning = OPERATION_ERRORS[operation.op]?.[name];
  return meaning ? `${meaning} (${name})` : `the kernel refused ${operation.op}: ${name}`;
}

/**
 * The kernel's IPVS table over generic netlink: one socket (through the perl relay) for the life of the
 * agent, every change an acknowledged message, many per datagram. Replaces one ipvsadm process per
 * read and the ipvsadm -R batch (which reports only its last line's status): each operation gets its
 * own errno. The relay is reopened when it dies.
 */
export class IpvsNetlink {
  private relay: NetlinkRelay | null = null;
  private familyId: number | null = null;

  constructor(private readonly perlPath: string) {}

  /** Resolves the IPVS family; fails with a clear message when the kernel has no IPVS or perl cannot run. */
  async probe(): Promise<void> {
    await this.family();
  }

  /**
   * Services, destinations, connection counts and (unless `counters: false`, which skips decoding them)
   * traffic counters: one service dump, then one destination dump per service.
   */
  async readTable(options: { counters?: boolean } = {}): Promise<KernelIpvsTable> {
    const family = await this.family();
    const relay = this.open();
    const replies = await relay.request((seq) => dumpMessage(family, { services: true }, seq), 'dump');
    const services: KernelIpvsService[] = [];
    for (const reply of replies) services.push({ ...decodeService(nestedOf(genlAttributes(reply), 'service')), destinations: [] });
    for (const service of services) {
      const identity = serviceIdentity(service.spec);
      const dests = await relay.request((seq) => dumpMessage(family, { destinationsOf: identity }, seq), 'dump').catch((e: unknown) => {
        // the service went away between the two dumps (someone else's change): it has no destinations now
        if (e instanceof NetlinkError && (e.errno === 3 || e.errno === 2)) return [];
        throw e;
      });
      const fam = serviceFamily(service.spec);
      for (const reply of dests) service.destinations.push(decodeDestination(nestedOf(genlAttributes(reply), 'destination'), fam, options.counters !== false));
    }
    return { services };
  }

  /** Only the named services (those the kernel has), with their destinations (no traffic counters): a read-back after a change that touched them. */
  async readServices(identities: readonly ServiceIdentity[]): Promise<KernelIpvsTable> {
    const family = await this.family();
    const relay = this.open();
    const services: KernelIpvsService[] = [];
    const gone = (e: unknown): NetlinkMessage[] => {
      if (e instanceof NetlinkError && (e.errno === 3 || e.errno === 2)) return [];
      throw e;
    };
    for (const identity of identities) {
      const [reply] = await relay.request((seq) => getServiceMessage(family, identity, seq), 'ack').catch(gone);
      if (!reply) continue;
      const service: KernelIpvsService = { ...decodeService(nestedOf(genlAttributes(reply), 'service')), destinations: [] };
      const dests = await relay.request((seq) => dumpMessage(family, { destinationsOf: identity }, seq), 'dump').catch(gone);
      for (const d of dests) service.destinations.push(decodeDestination(nestedOf(genlAttributes(d), 'destination'), serviceFamily(service.spec), false));
      services.push(service);
    }
    return { services };
  }

  /** Carries out the operations in order (pipelined); each one's errno, 0 when it was done. */
  async apply(operations: readonly IpvsOperation[]): Promise<number[]> {
    if (operations.length === 0) return [];
    const family = await this.family();
    return this.open().batch(operations.map((operation) => (seq: number) => operationMessage(family, operation, seq)));
  }

  /** The running connection-sync daemons. */
  async readDaemons(): Promise<KernelSyncDaemon[]> {
    const family = await this.family();
    const replies = await this.open().request((seq) => dumpMessage(family, { daemons: true }, seq), 'dump');
    return replies.map((r) => decodeDaemon(nestedOf(genlAttributes(r), 'daemon')));
  }

  /** IPVS version and connection table size (the first line of ipvsadm -L). */
  async readInfo(): Promise<{ version: string; tableSize: number }> {
    const family = await this.family();
    const replies = await this.open().request((seq) => infoMessage(family, seq), 'ack');
    const first = replies[0];
    if (!first) throw new NetlinkError('the kernel sent no IPVS info', 0);
    return decodeInfo(genlAttributes(first));
  }

  /** Stops the relay. */
  close(): void {
    this.relay?.close();
    this.relay = null;
  }

  private open(): NetlinkRelay {
    if (this.relay === null || !this.relay.alive) this.relay = new NetlinkRelay({ perlPath: this.perlPath, protocol: 16 });
    return this.relay;
  }

  private async family(): Promise<number> {
    if (this.familyId !== null) return this.familyId;
    try {
      const replies = await this.open().request(
        (seq) => encodeGenlMessage({ family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 1, flags: NLM_F_REQUEST | NLM_F_ACK, seq, attributes: [[CTRL_ATTR_FAMILY_NAME, { kind: 'string', value: IPVS_GENL_NAME }]] }),
        'ack',
      );
      const id = replies[0] ? readU16(genlAttributes(replies[0]).get(CTRL_ATTR_FAMILY_ID)) : undefined;
      if (id === undefined) throw new NetlinkError('the kernel did not name the IPVS netlink family', 0);
      this.familyId = id;
      return id;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === 2) throw new NetlinkError('the kernel has no IPVS netlink family (module ip_vs not loaded)', 2);
      throw e;
    }
  }
}
