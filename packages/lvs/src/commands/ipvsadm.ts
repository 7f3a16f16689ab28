import { z } from 'zod';
import type { IpvsOperation } from '../diff/operations';
import { formatAddressPort, prefixToNetmask } from '../model/address';
import { validate } from '../model/errors';
import { Destination, ServiceSpec, serviceFamily, type ServiceIdentity } from '../model/ipvs';
import { Fwmark, InterfaceName, Port } from '../model/primitives';
import { CanonicalAddress } from '../model/ipvs';
import type { Command } from './run-command';
import { BinaryPath } from './binaries';

/** The identifying fields of a service, validated (what -D, -a, -e, -d name it by). */
export const ServiceIdentitySchema = z.discriminatedUnion('protocol', [
  z.object({ protocol: z.enum(['TCP', 'UDP']), address: CanonicalAddress, port: Port }),
  z.object({ protocol: z.literal('FWMARK'), fwmark: Fwmark, family: z.enum(['ipv4', 'ipv6']) }),
]);

/** Connection sync daemon role (ipvsadm --start-daemon). */
export const SyncDaemonState = z.enum(['master', 'backup']);
export type SyncDaemonState = z.infer<typeof SyncDaemonState>;

/** Options of the listing variants an agent reads. */
export interface ListOptions {
  /** --stats: per-service/destination counters (Conns, InPkts, OutPkts, InBytes, OutBytes). */
  stats?: boolean;
  /** --rate: per-second rates. */
  rate?: boolean;
  /** --thresholds: -x/-y of each destination (ipvsadm -S does not save them). */
  thresholds?: boolean;
}

/** argv for the service part: -t/-u addr:port or -f mark [-6]. */
export function serviceSelectorArgs(service: ServiceIdentity): string[] {
  if (service.protocol === 'FWMARK') {
    // ipvsadm rejects "-6 used before -f": the order matters
    return serviceFamily(service) === 'ipv6' ? ['-f', String(service.fwmark), '-6'] : ['-f', String(service.fwmark)];
  }
  return [service.protocol === 'TCP' ? '-t' : '-u', formatAddressPort(service.address, service.port)];
}

/** Every attribute of a service, always in full: -E resets whatever is not given (flags, persistence). */
export function serviceAttributeArgs(spec: ServiceSpec): string[] {
  const args = ['-s', spec.scheduler];
  if (spec.persistenceTimeout > 0) {
    args.push('-p', String(spec.persistenceTimeout));
    if (spec.persistencePrefix !== null) {
      const ipv6 = serviceFamily(spec) === 'ipv6';
      if (!(ipv6 ? spec.persistencePrefix === 128 : spec.persistencePrefix === 32))
        args.push('-M', ipv6 ? String(spec.persistencePrefix) : prefixToNetmask(spec.persistencePrefix));
    }
  }
  if (spec.onePacket) args.push('-o');
  if (spec.schedulerFlags.length > 0) args.push('-b', spec.schedulerFlags.join(','));
  return args;
}

/**
 * -r addr[:port]. A port-less fwmark destination (port 0) is a bare IPv4 address, but an IPv6 one must be
 * "[addr]:0": ipvsadm 1.31 refuses "[addr]" without a port ("illegal real server address[:port]"), and in
 * an -R batch that parse error aborts every later line (verified in the lab). "[addr]:0" is also what -S prints.
 */
function realServerArg(destination: { address: string; port: number }): string {
  if (destination.port !== 0 || destination.address.includes(':')) return formatAddressPort(destination.address, destination.port);
  return destination.address;
}

const FORWARD_SWITCH = { DR: '-g', TUN: '-i', NAT: '-m' } as const;

/** Every attribute of a destination, in full: -e resets thresholds that are not given. */
export function destinationAttributeArgs(destination: Destination): string[] {
  const args = [FORWARD_SWITCH[destination.forwarding], '-w', String(destination.weight)];
  if (destination.upperThreshold > 0) args.push('-x', String(destination.upperThreshold));
  if (destination.lowerThreshold > 0) args.push('-y', String(destination.lowerThreshold));
  return args;
}

/** ipvsadm arguments (without argv[0]) for one operation, every value re-validated first. */
export function operationArgs(operation: IpvsOperation): string[] {
  switch (operation.op) {
    case 'add-service':
    case 'edit-service': {
      const spec = validate(ServiceSpec, operation.service, 'service');
      return [operation.op === 'add-service' ? '-A' : '-E', ...serviceSelectorArgs(spec), ...serviceAttributeArgs(spec)];
    }
    case 'delete-service':
      return ['-D', ...serviceSelectorArgs(validate(ServiceIdentitySchema, operation.service, 'service'))];
    case 'add-destination':
    case 'edit-destination':
    case 'delete-destination': {
      const service = validate(ServiceIdentitySchema, operation.service, 'service');
      const destination = validate(Destination, operation.destination, 'destination');
      const flag = operation.op === 'add-destination' ? '-a' : operation.op === 'edit-destination' ? '-e' : '-d';
      const args = [flag, ...serviceSelectorArgs(service), '-r', realServerArg(destination)];
      return operation.op === 'delete-destination' ? args : [...args, ...destinationAttributeArgs(destination)];
    }
  }
}

/**
 * The text fed to `ipvsadm -R` for one batch: one command per line, in the given order.
 * ipvsadm's restore reader splits on blanks with no quoting, so any blank or control character in a
 * token is refused here (validated values never contain one). Never pipe this to ipvsadm-restore:
 * that wrapper runs `ipvsadm -C` first and drops every live connection.
 */
export function renderRestoreBatch(operations: readonly IpvsOperation[]): string {
  let out = '';
  for (const operation of operations) {
    const args = operationArgs(operation);
    for (const a of args) {
      if (a.length === 0 || /[\s\x00-\x1f\x7f]/.test(a)) throw new RangeError(`Unsafe token in restore batch: ${JSON.stringify(a)}`);
    }
    out += `${args.join(' ')}\n`;
  }
  return out;
}

/** argv builder for ipvsadm: one method per command the agent needs. */
export class Ipvsadm {
  /** Absolute path of ipvsadm. */
  readonly file: string;
  constructor(file = '/usr/sbin/ipvsadm') {
    this.file = validate(BinaryPath, file, 'ipvsadm path');
  }
  /** `ipvsadm -S -n`: the table in restore syntax (no thresholds: read those with list({thresholds})). */
  save(): Command {
    return { file: this.file, args: ['-S', '-n'] };
  }
  /** `ipvsadm -L -n --exact [--stats|--rate|--thresholds]`. */
  list(options: ListOptions = {}): Command {
    const chosen = [options.stats, options.rate, options.thresholds].filter(Boolean).length;
    if (chosen > 1) throw new RangeError('ipvsadm lists one of --stats, --rate, --thresholds at a time');
    const args = ['-L', '-n', '--exact'];
    if (options.stats) args.push('--stats');
    if (options.rate) args.push('--rate');
    if (options.thresholds) args.push('--thresholds');
    return { file: this.file, args };
  }
  /** `ipvsadm -L --daemon`: the connection-sync daemons the kernel runs (see parseIpvsadmDaemons). */
  listDaemons(): Command {
    return { file: this.file, args: ['-L', '--daemon'] };
  }
  /** One operation as a single ipvsadm call (small changes: no stdin, per-item exit code). */
  apply(operation: IpvsOperation): Command {
    return { file: this.file, args: operationArgs(operation) };
  }
  /** A whole batch through one `ipvsadm -R` (large changes); the exit code reflects only the last line, so read back after. */
  restore(operations: readonly IpvsOperation[]): Command {
    return { file: this.file, args: ['-R'], stdin: renderRestoreBatch(operations) };
  }
  /** `ipvsadm --start-daemon master|backup --mcast-interface IF --syncid N`. */
  startDaemon(state: SyncDaemonState, iface: string, syncId: number): Command {
    const s = validate(SyncDaemonState, state, 'sync daemon state');
    const i = validate(InterfaceName, iface, 'interface');
    const id = validate(z.number().int().min(0).max(255), syncId, 'sync id');
    return { file: this.file, args: ['--start-daemon', s, '--mcast-interface', i, '--syncid', String(id)] };
  }
  /** `ipvsadm --stop-daemon master|backup`. */
  stopDaemon(state: SyncDaemonState): Command {
    return { file: this.file, args: ['--stop-daemon', validate(SyncDaemonState, state, 'sync daemon state')] };
  }
  /** `ipvsadm --set tcp tcpfin udp` (seconds; 0 keeps the current value). */
  setTimeouts(tcp: number, tcpFin: number, udp: number): Command {
    const T = z.number().int().min(0).max(2147483);
    return { file: this.file, args: ['--set', ...[tcp, tcpFin, udp].map((v) => String(validate(T, v, 'timeout')))] };
  }
}
