import type { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import { Ipvsadm } from '@fulcrum/lvs/commands/ipvsadm';
import type { SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import { applyOperations, IpvsApplyError } from '@fulcrum/lvs/diff/apply-operations';
import type { IpvsOperation } from '@fulcrum/lvs/diff/operations';
import { normalizeTable, type IpvsTable } from '@fulcrum/lvs/model/ipvs';
import type { InterfaceState } from '@fulcrum/lvs/parse/parse-ip-addr-json';
import type { SyncDaemon } from '@fulcrum/lvs/parse/parse-ipvsadm-daemon';
import { HostCommandError, type Host, type HostFailure, type IpvsApplyResult, type KeepalivedProcess } from './host';

// An in-memory host implementing the agent's own host interfaces, for unit and integration tests of
// the agent's logic. It models the kernel with @fulcrum/lvs applyOperations (EEXIST/ESRCH like the
// kernel); it says nothing about real ipvsadm behaviour — the lab tests prove that.

/** A fake keepalived process whose death a test triggers. */
export interface FakeKeepalivedProcess extends KeepalivedProcess {
  kill(exit?: { code: number | null; signal: string | null }): void;
}

/** The fake host plus handles to inspect and steer it. */
export interface FakeHost extends Host {
  kernel: { table: IpvsTable; modules: Set<string>; loadable: Set<string>; interfaces: Map<string, { isUp: boolean; addresses: InterfaceAddress[] }>; sysctls: Map<string, number>; defaultGateway: string | null; syncDaemons: SyncDaemon[] };
  /** Every host-changing call, in order ("ipvsadm -a …", "ip addr add …", "sysctl -w …", "keepalived SIGHUP"). */
  calls: string[];
  /** Commands that fail: predicate on the call text. */
  failWhen: ((call: string) => boolean) | null;
  keepalivedState: { config: string | null; processes: FakeKeepalivedProcess[]; signals: string[]; fifoLines: ((line: string) => void) | null; adoptable: FakeKeepalivedProcess | null; nextPid: number };
  /** Writes a line to the notify FIFO as keepalived would. */
  writeFifo(line: string): void;
}

/** A fresh fake host: lo and eth0, ip_vs + rr/wrr available, every sysctl 0. */
export function createFakeHost(): FakeHost {
  const ipvsadm = new Ipvsadm('/usr/sbin/ipvsadm');
  const kernel: FakeHost['kernel'] = {
    table: { services: [] },
    modules: new Set(),
    loadable: new Set(['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ipip']),
    interfaces: new Map([
      ['lo', { isUp: true, addresses: [{ address: '127.0.0.1', prefix: 8, dev: 'lo' }] }],
      ['eth0', { isUp: true, addresses: [{ address: '198.18.0.11', prefix: 24, dev: 'eth0' }] }],
    ]),
    sysctls: new Map(),
    defaultGateway: '198.18.0.1',
    syncDaemons: [],
  };
  const host: FakeHost = {
    kernel,
    calls: [],
    failWhen: null,
    keepalivedState: { config: null, processes: [], signals: [], fifoLines: null, adoptable: null, nextPid: 1000 },
    writeFifo: (line) => host.keepalivedState.fifoLines?.(line),
    ipvs: {
      async readTable(options = {}) {
        const table = normalizeTable(structuredClone(kernel.table));
        if (options.thresholds !== false) return table;
        return { services: table.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) })) };
      },
      async apply(operations: readonly IpvsOperation[], options: { batchThreshold: number }): Promise<IpvsApplyResult> {
        const failures = new Map<number, HostFailure>();
        if (operations.length === 0) return { mode: 'none', failures, batchFailure: null };
        const batch = operations.length > options.batchThreshold;
        let batchFailure: HostFailure | null = null;
        if (batch) host.calls.push(`ipvsadm -R (${operations.length})`);
        operations.forEach((operation, index) => {
          const argv = [ipvsadm.file, ...ipvsadm.apply(operation).args];
          const text = argv.slice(1).join(' ');
          if (!batch) host.calls.push(`ipvsadm ${text}`);
          try {
            if (host.failWhen?.(`ipvsadm ${text}`)) throw new Error('Memory allocation problem');
            kernel.table = applyOperations(kernel.table, [operation]);
          } catch (e) {
            const message = e instanceof IpvsApplyError ? e.message : (e as Error).message;
            if (batch) batchFailure = { message, argv: [ipvsadm.file, '-R'] };
            else failures.set(index, { message, argv });
          }
        });
        return { mode: batch ? 'batch' : 'single', failures, batchFailure };
      },
      argvOf: (operation) => [ipvsadm.file, ...ipvsadm.apply(operation).args],
      async readProcTable() {
        throw new Error('fake host has no /proc/net/ip_vs');
      },
      async readStatsListing() {
        throw new Error('fake host has no ipvsadm listing');
      },
      async readConnections() {
        return 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
      },
      async readListing() {
        return 'IP Virtual Server version 1.2.1 (size=4096)\n';
      },
      async readSyncDaemons() {
        if (host.failWhen?.('ipvsadm -L --daemon')) throw new HostCommandError("Can't nl_recvmsgs: Operation not permitted", [ipvsadm.file, '-L', '--daemon']);
        return structuredClone(kernel.syncDaemons);
      },
    },
    addresses: {
      async list(): Promise<InterfaceState[]> {
        return [...kernel.interfaces].map(([name, i], index) => ({
          index: index + 1,
          name,
          isUp: i.isUp,
          operState: i.isUp ? 'UP' : 'DOWN',
          addresses: i.addresses.map((a) => ({ family: a.address.includes(':') ? ('ipv6' as const) : ('ipv4' as const), address: a.address, prefix: a.prefix, scope: 'global', label: a.label ?? null })),
        }));
      },
      async add(address) {
        run(`ip addr add ${address.address}/${address.prefix} dev ${address.dev}`);
        const link = kernel.interfaces.get(address.dev);
        if (!link) throw new HostCommandError(`Cannot find device "${address.dev}"`, ['/usr/sbin/ip', 'addr', 'add']);
        if (link.addresses.some((a) => a.address === address.address && a.prefix === address.prefix)) throw new HostCommandError('RTNETLINK answers: File exists', ['/usr/sbin/ip', 'addr', 'add']);
        link.addresses.push(address);
      },
      async remove(address) {
        run(`ip addr del ${address.address}/${address.prefix} dev ${address.dev}`);
        const link = kernel.interfaces.get(address.dev);
        const before = link?.addresses.length ?? 0;
        if (link) link.addresses = link.addresses.filter((a) => !(a.address === address.address && a.prefix === address.prefix));
        if ((link?.addresses.length ?? 0) === before) throw new HostCommandError('RTNETLINK answers: Cannot assign requested address', ['/usr/sbin/ip', 'addr', 'del']);
      },
      async setLinkUp(device) {
        run(`ip link set dev ${device} up`);
        const link = kernel.interfaces.get(device);
        if (!link) throw new HostCommandError(`Cannot find device "${device}"`, ['/usr/sbin/ip', 'link', 'set']);
        link.isUp = true;
      },
      async defaultGateway() {
        return { gateway: kernel.defaultGateway, argv: ['/usr/sbin/ip', '-j', 'route', 'show', 'default'] };
      },
    },
    sysctls: {
      async read(key) {
        if (key.includes('.tunl0.') && !kernel.interfaces.has('tunl0')) return null;
        return kernel.sysctls.get(key) ?? 0;
      },
      async write(setting: SysctlSetting) {
        run(`sysctl -w ${setting.key}=${setting.value}`);
        kernel.sysctls.set(setting.key, setting.value);
      },
    },
    modules: {
      async ensure(name) {
        if (kernel.modules.has(name)) return;
        if (!kernel.loadable.has(name)) throw new HostCommandError(`modprobe: FATAL: Module ${name} not found`, ['/usr/sbin/modprobe', '--', name]);
        host.calls.push(`modprobe ${name}`);
        kernel.modules.add(name);
        if (name === 'ipip') kernel.interfaces.set('tunl0', { isUp: false, addresses: [] });
      },
    },
    keepalived: {
      async readConfig() {
        return host.keepalivedState.config;
      },
      async writeConfig(text) {
        host.keepalivedState.config = text;
      },
      async testConfig() {
        return null;
      },
      async start() {
        host.calls.push('keepalived start');
        return newProcess();
      },
      async adopt() {
        return host.keepalivedState.adoptable;
      },
      signal(process, signal) {
        host.keepalivedState.signals.push(`${signal} ${process.pid}`);
        host.calls.push(`keepalived ${signal}`);
        if (signal !== 'SIGHUP') (process as FakeKeepalivedProcess).kill({ code: signal === 'SIGTERM' ? 0 : null, signal: signal === 'SIGTERM' ? null : signal });
      },
      async killLeftovers() {
        return [];
      },
      async ensureNotifyFifo() {
        return '/run/fulcrum-agent/vrrp-notify.fifo';
      },
      async readNotifyFifo(onLine) {
        host.keepalivedState.fifoLines = onLine;
        return () => {
          host.keepalivedState.fifoLines = null;
        };
      },
    },
  };
  function run(call: string): void {
    host.calls.push(call);
    if (host.failWhen?.(call)) throw new HostCommandError(`${call}: failed`, call.split(' '));
  }
  function newProcess(): FakeKeepalivedProcess {
    let resolve: (exit: { code: number | null; signal: string | null }) => void = () => undefined;
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => (resolve = r));
    const process: FakeKeepalivedProcess = { pid: host.keepalivedState.nextPid++, exited, kill: (exit = { code: null, signal: 'SIGKILL' }) => resolve(exit) };
    host.keepalivedState.processes.push(process);
    return process;
  }
  return host;
}
