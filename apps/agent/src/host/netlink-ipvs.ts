import type { IpvsOperation } from '@fulcrum/lvs/diff/operations';
import { destinationKey, serviceKey, type IpvsTable, type ServiceIdentity } from '@fulcrum/lvs/model/ipvs';
import { describeOperationError, IpvsNetlink, tableOf } from '@fulcrum/lvs/netlink/ipvs-netlink';
import { NetlinkError } from '@fulcrum/lvs/netlink/netlink-relay';
import { renderIpvsadmListing } from '@fulcrum/lvs/netlink/render-ipvsadm-listing';
import type { SyncDaemon } from '@fulcrum/lvs/parse/parse-ipvsadm-daemon';
import type { TrafficCounters } from '@fulcrum/lvs/parse/parse-ipvsadm-list';
import type { Logger } from '../log/logger';
import type { HostFailure, IpvsApplyResult, IpvsHost } from './host';
import type { LinuxIpvsHost } from './linux-ipvs';

/** Which way the agent talks to IPVS: netlink when it can (auto), or only one of the two. */
export type IpvsBackend = 'auto' | 'netlink' | 'ipvsadm';

/**
 * IPVS over generic netlink (one persistent socket, see @fulcrum/lvs/netlink), with ipvsadm behind it:
 * - reads and changes go over netlink; each operation gets its own errno (ipvsadm -R reports only its
 *   last line), and a 10,000-destination change is one pipelined stream instead of a process per line;
 * - in `auto`, a host where the relay cannot run (no perl) falls back to ipvsadm for good, logged once;
 *   a kernel whose ip_vs module is not loaded yet is served by ipvsadm for that call (which loads it),
 *   and netlink is tried again on the next;
 * - the UI's `ipvsadm -Ln` text is rendered from the netlink read; /proc reads stay in-process.
 */
export class NetlinkIpvsHost implements IpvsHost {
  private useIpvsadm: boolean;

  constructor(
    private readonly netlink: IpvsNetlink,
    private readonly ipvsadm: LinuxIpvsHost,
    private readonly backend: IpvsBackend,
    private readonly log: Logger,
  ) {
    this.useIpvsadm = backend === 'ipvsadm';
  }

  /** 'netlink' or 'ipvsadm': what the next call will use. */
  get activeBackend(): 'netlink' | 'ipvsadm' {
    return this.useIpvsadm ? 'ipvsadm' : 'netlink';
  }

  async readTable(options: { thresholds?: boolean } = {}): Promise<IpvsTable> {
    return this.either(async () => tableOf(await this.netlink.readTable({ counters: false })), () => this.ipvsadm.readTable(options));
  }

  async readServices(services: readonly ServiceIdentity[]): Promise<IpvsTable> {
    return this.either(async () => tableOf(await this.netlink.readServices(services)), () => this.ipvsadm.readServices(services));
  }

  async apply(operations: readonly IpvsOperation[], options: { batchThreshold: number }): Promise<IpvsApplyResult> {
    return this.either(
      async () => {
        const errnos = await this.netlink.apply(operations);
        const failures = new Map<number, HostFailure>();
        errnos.forEach((errno, index) => {
          const operation = operations[index];
          if (errno !== 0 && operation) failures.set(index, { message: `netlink: ${describeOperationError(operation, errno)}`, argv: this.argvOf(operation) });
        });
        return { mode: operations.length === 0 ? 'none' : 'single', failures, batchFailure: null };
      },
      () => this.ipvsadm.apply(operations, options),
    );
  }

  argvOf(operation: IpvsOperation): string[] {
    return this.ipvsadm.argvOf(operation);
  }

  readProcTable(): Promise<string> {
    return this.ipvsadm.readProcTable();
  }

  async readCounters(): Promise<Map<string, TrafficCounters>> {
    return this.either(async () => {
      const counters = new Map<string, TrafficCounters>();
      const pick = (c: { conns: number; inPackets: number; outPackets: number; inBytes: number; outBytes: number }): TrafficCounters => ({ conns: c.conns, inPackets: c.inPackets, outPackets: c.outPackets, inBytes: c.inBytes, outBytes: c.outBytes });
      for (const s of (await this.netlink.readTable()).services) {
        const key = serviceKey(s.spec);
        counters.set(key, pick(s.counters));
        for (const d of s.destinations) counters.set(`${key} ${destinationKey(d.destination)}`, pick(d.counters));
      }
      return counters;
    }, () => this.ipvsadm.readCounters());
  }

  readConnections(): Promise<string> {
    return this.ipvsadm.readConnections();
  }

  async readListing(): Promise<string> {
    return this.either(async () => {
      // read each time: newer kernels size the connection table on demand (size=0 until the first connection)
      return renderIpvsadmListing(await this.netlink.readInfo(), await this.netlink.readTable({ counters: false }));
    }, () => this.ipvsadm.readListing());
  }

  async readSyncDaemons(): Promise<SyncDaemon[]> {
    return this.either(async () => (await this.netlink.readDaemons()).map((d) => ({ role: d.role, interface: d.interface, syncId: d.syncId })), () => this.ipvsadm.readSyncDaemons());
  }

  private async either<T>(viaNetlink: () => Promise<T>, viaIpvsadm: () => Promise<T>): Promise<T> {
    if (this.useIpvsadm) return viaIpvsadm();
    try {
      return await viaNetlink();
    } catch (e) {
      if (!(e instanceof NetlinkError) || this.backend === 'netlink') throw e;
      if (e.errno === 2) return viaIpvsadm(); // ip_vs not loaded yet: ipvsadm loads it; netlink next time
      if (e.errno !== 0) throw e;
      // the relay itself cannot run here (no perl, no netlink socket): ipvsadm from now on
      this.useIpvsadm = true;
      this.log.warn('ipvs-netlink-unavailable', { message: e.message, fallback: 'ipvsadm' });
      return viaIpvsadm();
    }
  }
}
