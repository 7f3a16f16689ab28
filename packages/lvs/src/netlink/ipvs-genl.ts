// The kernel's IPVS generic netlink family (include/uapi/linux/ip_vs.h, net/netfilter/ipvs/ip_vs_ctl.c):
// messages built from validated model types, and dump replies decoded back into them. Pure code.
import type { SyncDaemonState } from '../commands/ipvsadm';
import type { IpvsOperation } from '../diff/operations';
import { canonicalizeAddress, ipv6ToWords, wordsToIpv6 } from '../model/address';
import { sortSchedulerFlags, type AddressFamily, type Destination, type SchedulerFlag, type ServiceIdentity, type ServiceSpec } from '../model/ipvs';
import type { ForwardingMethod, Scheduler } from '../model/primitives';
import { SCHEDULERS } from '../model/primitives';
import {
  attributeMap,
  encodeGenlMessage,
  NetlinkDecodeError,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  readBe16,
  readBe32,
  readString,
  readU16,
  readU32,
  readU64,

  type AttributeValue,
} from './netlink-message';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  GET_DAEMON: 11,
  GET_INFO: 15,
} as const;

const CMD_ATTR = { SERVICE: 1, DEST: 2, DAEMON: 3 } as const;
const SVC = { AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9, STATS: 10, STATS64: 12 } as const;
const DEST = { ADDR: 1, PORT: 2, FWD_METHOD: 3, WEIGHT: 4, U_THRESH: 5, L_THRESH: 6, ACTIVE_CONNS: 7, INACT_CONNS: 8, PERSIST_CONNS: 9, STATS: 10, ADDR_FAMILY: 11, STATS64: 12 } as const;
const STATS = { CONNS: 1, INPKTS: 2, OUTPKTS: 3, INBYTES: 4, OUTBYTES: 5, CPS: 6, INPPS: 7, OUTPPS: 8, INBPS: 9, OUTBPS: 10 } as const;
const DAEMON = { STATE: 1, MCAST_IFN: 2, SYNC_ID: 3 } as const;
const INFO = { VERSION: 1, CONN_TAB_SIZE: 2 } as const;

const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

// include/uapi/linux/ip_vs.h
const F_PERSISTENT = 0x1;
const F_ONEPACKET = 0x4;
const F_SCHED1 = 0x8;
const F_SCHED2 = 0x10;
const F_SCHED3 = 0x20;
/** Flags userspace sets; the kernel's own (HASHED = 0x2) are read but never written. */
const USER_FLAGS = F_PERSISTENT | F_ONEPACKET | F_SCHED1 | F_SCHED2 | F_SCHED3;

const FWD_CODE: Record<ForwardingMethod, number> = { NAT: 0, TUN: 2, DR: 3 };
// 1 = LOCALNODE: the kernel's name for a DR destination on the director itself (ipvsadm prints "Local")
const FWD_NAME: Record<number, ForwardingMethod> = { 0: 'NAT', 1: 'DR', 2: 'TUN', 3: 'DR' };

// ipvsadm -b names → kernel bits (SCHED_SH_FALLBACK = SCHED1, SCHED_SH_PORT = SCHED2, same for mh)
const FLAG_BITS: Record<SchedulerFlag, number> = { 'sh-fallback': F_SCHED1, 'sh-port': F_SCHED2, 'mh-fallback': F_SCHED1, 'mh-port': F_SCHED2, 'flag-1': F_SCHED1, 'flag-2': F_SCHED2, 'flag-3': F_SCHED3 };

/** The kernel's traffic counters of a service or destination (totals and its rate estimator, per second). */
export interface KernelCounters {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
  /** The kernel's estimator (what ipvsadm --rate prints). */
  connsPerSecond: number;
  inPacketsPerSecond: number;
  outPacketsPerSecond: number;
  inBytesPerSecond: number;
  outBytesPerSecond: number;
}

/** A destination as the kernel reports it. */
export interface KernelDestination {
  destination: Destination;
  /** The kernel forwards to itself (LOCALNODE: a DR destination that is one of the director's own addresses). */
  localNode: boolean;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  counters: KernelCounters;
}

/** A service as the kernel reports it (destinations come from a separate dump). */
export interface KernelService {
  spec: ServiceSpec;
  counters: KernelCounters;
}

/** One connection-sync daemon. */
export interface KernelSyncDaemon {
  role: SyncDaemonState;
  interface: string;
  syncId: number;
}

function addressBytes(address: string, family: AddressFamily): Buffer {
  const out = Buffer.alloc(16);
  if (family === 'ipv4') {
    address.split('.').forEach((octet, i) => out.writeUInt8(Number(octet), i));
  } else {
    ipv6ToWords(address).forEach((word, i) => out.writeUInt16BE(word, i * 2));
  }
  return out;
}

function addressText(value: Buffer | undefined, family: AddressFamily): string {
  if (value === undefined || value.length < (family === 'ipv4' ? 4 : 16)) throw new NetlinkDecodeError(`address attribute of ${value?.length ?? 0} bytes for ${family}`);
  if (family === 'ipv4') return `${value[0]}.${value[1]}.${value[2]}.${value[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(value.readUInt16BE(i * 2));
  return canonicalizeAddress(wordsToIpv6(words));
}

const familyOf = (s: ServiceIdentity): AddressFamily => (s.protocol === 'FWMARK' ? s.family : s.address.includes(':') ? 'ipv6' : 'ipv4');

/** Attributes that name a service: AF plus protocol/address/port, or fwmark. */
export function serviceSelector(s: ServiceIdentity): Array<[number, AttributeValue]> {
  const family = familyOf(s);
  const af: [number, AttributeValue] = [SVC.AF, { kind: 'u16', value: family === 'ipv4' ? AF_INET : AF_INET6 }];
  if (s.protocol === 'FWMARK') return [af, [SVC.FWMARK, { kind: 'u32', value: s.fwmark }]];
  return [
    af,
    [SVC.PROTOCOL, { kind: 'u16', value: s.protocol === 'TCP' ? IPPROTO_TCP : IPPROTO_UDP }],
    [SVC.ADDR, { kind: 'bytes', value: addressBytes(s.address, family) }],
    [SVC.PORT, { kind: 'be16', value: s.port }],
  ];
}

/** A service's full attributes (what NEW_SERVICE and SET_SERVICE require). */
export function serviceAttributes(s: ServiceSpec): Array<[number, AttributeValue]> {
  const family = familyOf(s);
  let flags = 0;
  if (s.persistenceTimeout > 0) flags |= F_PERSISTENT;
  if (s.onePacket) flags |= F_ONEPACKET;
  for (const f of s.schedulerFlags) flags |= FLAG_BITS[f];
  const flagWord = Buffer.alloc(8);
  flagWord.writeUInt32LE(flags, 0);
  flagWord.writeUInt32LE(USER_FLAGS, 4); // mask: exactly the user flags, so the kernel's HASHED bit stays its own
  const prefix = s.persistencePrefix ?? (family === 'ipv4' ? 32 : 128);
  // IPv4: the mask itself in network order; IPv6: the prefix length (what ipvsadm sends, ip_vs_ctl.c checks 1–128)
  const netmask: AttributeValue = family === 'ipv4' ? { kind: 'be32', value: prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0 } : { kind: 'u32', value: prefix };
  return [
    ...serviceSelector(s),
    [SVC.SCHED_NAME, { kind: 'string', value: s.scheduler }],
    [SVC.FLAGS, { kind: 'bytes', value: flagWord }],
    [SVC.TIMEOUT, { kind: 'u32', value: s.persistenceTimeout }],
    [SVC.NETMASK, netmask],
  ];
}

/** A destination's attributes: address and port only (DEL_DEST), or everything (NEW_DEST, SET_DEST). */
export function destinationAttributes(d: Destination, family: AddressFamily, full: boolean): Array<[number, AttributeValue]> {
  const own = d.address.includes(':') ? 'ipv6' : 'ipv4';
  const base: Array<[number, AttributeValue]> = [
    [DEST.ADDR, { kind: 'bytes', value: addressBytes(d.address, own) }],
    [DEST.PORT, { kind: 'be16', value: d.port }],
  ];
  if (!full) return base;
  return [
    ...base,
    [DEST.FWD_METHOD, { kind: 'u32', value: FWD_CODE[d.forwarding] }],
    [DEST.WEIGHT, { kind: 'u32', value: d.weight }],
    [DEST.U_THRESH, { kind: 'u32', value: d.upperThreshold }],
    [DEST.L_THRESH, { kind: 'u32', value: d.lowerThreshold }],
    // only when it differs from the service's family: kernels before 4.x reject the attribute's presence otherwise
    ...(own !== family ? ([[DEST.ADDR_FAMILY, { kind: 'u16', value: own === 'ipv4' ? AF_INET : AF_INET6 }]] as Array<[number, AttributeValue]>) : []),
  ];
}

/** The acknowledged request that carries out one operation. */
export function operationMessage(familyId: number, operation: IpvsOperation, seq: number): Buffer {
  const flags = NLM_F_REQUEST | NLM_F_ACK;
  const message = (cmd: number, attributes: Array<[number, AttributeValue]>): Buffer => encodeGenlMessage({ family: familyId, cmd, version: IPVS_GENL_VERSION, flags, seq, attributes });
  switch (operation.op) {
    case 'add-service':
      return message(IPVS_CMD.NEW_SERVICE, [[CMD_ATTR.SERVICE, { kind: 'nested', value: serviceAttributes(operation.service) }]]);
    case 'edit-service':
      return message(IPVS_CMD.SET_SERVICE, [[CMD_ATTR.SERVICE, { kind: 'nested', value: serviceAttributes(operation.service) }]]);
    case 'delete-service':
      return message(IPVS_CMD.DEL_SERVICE, [[CMD_ATTR.SERVICE, { kind: 'nested', value: serviceSelector(operation.service) }]]);
    case 'add-destination':
    case 'edit-destination':
    case 'delete-destination': {
      const cmd = operation.op === 'add-destination' ? IPVS_CMD.NEW_DEST : operation.op === 'edit-destination' ? IPVS_CMD.SET_DEST : IPVS_CMD.DEL_DEST;
      return message(cmd, [
        [CMD_ATTR.SERVICE, { kind: 'nested', value: serviceSelector(operation.service) }],
        [CMD_ATTR.DEST, { kind: 'nested', value: destinationAttributes(operation.destination, familyOf(operation.service), operation.op !== 'delete-destination') }],
      ]);
    }
  }
}

/** A dump request: every service, every destination of one service, or the sync daemons. */
export function dumpMessage(familyId: number, what: { services: true } | { destinationsOf: ServiceIdentity } | { daemons: true }, seq: number): Buffer {
  const flags = NLM_F_REQUEST | NLM_F_DUMP;
  if ('services' in what) return encodeGenlMessage({ family: familyId, cmd: IPVS_CMD.GET_SERVICE, version: IPVS_GENL_VERSION, flags, seq, attributes: [] });
  if ('daemons' in what) return encodeGenlMessage({ family: familyId, cmd: IPVS_CMD.GET_DAEMON, version: IPVS_GENL_VERSION, flags, seq, attributes: [] });
  return encodeGenlMessage({ family: familyId, cmd: IPVS_CMD.GET_DEST, version: IPVS_GENL_VERSION, flags, seq, attributes: [[CMD_ATTR.SERVICE, { kind: 'nested', value: serviceSelector(what.destinationsOf) }]] });
}

/** GET_SERVICE of one service (not a dump), acknowledged: its attributes, or ESRCH when the kernel has no such service. */
export function getServiceMessage(familyId: number, service: ServiceIdentity, seq: number): Buffer {
  return encodeGenlMessage({ family: familyId, cmd: IPVS_CMD.GET_SERVICE, version: IPVS_GENL_VERSION, flags: NLM_F_REQUEST | NLM_F_ACK, seq, attributes: [[CMD_ATTR.SERVICE, { kind: 'nested', value: serviceSelector(service) }]] });
}

/** GET_INFO (version, connection table size), acknowledged. */
export function infoMessage(familyId: number, seq: number): Buffer {
  return encodeGenlMessage({ family: familyId, cmd: IPVS_CMD.GET_INFO, version: IPVS_GENL_VERSION, flags: NLM_F_REQUEST | NLM_F_ACK, seq, attributes: [] });
}

function decodeCounters(nested: Buffer | undefined, wide: boolean): KernelCounters {
  const a = nested === undefined ? new Map<number, Buffer>() : attributeMap(nested);
  const n = (type: number, u64: boolean): number => (u64 || wide ? readU64(a.get(type)) : readU32(a.get(type))) ?? 0;
  return {
    conns: n(STATS.CONNS, false),
    inPackets: n(STATS.INPKTS, false),
    outPackets: n(STATS.OUTPKTS, false),
    inBytes: n(STATS.INBYTES, true),
    outBytes: n(STATS.OUTBYTES, true),
    connsPerSecond: n(STATS.CPS, false),
    inPacketsPerSecond: n(STATS.INPPS, false),
    outPacketsPerSecond: n(STATS.OUTPPS, false),
    inBytesPerSecond: n(STATS.INBPS, false),
    outBytesPerSecond: n(STATS.OUTBPS, false),
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new NetlinkDecodeError(`the kernel's reply has no ${what}`);
  return value;
}

/** The nested CMD_ATTR_* attribute of a reply's genl attributes. */
export function nestedOf(attributes: Map<number, Buffer>, which: 'service' | 'destination' | 'daemon'): Map<number, Buffer> {
  const type = which === 'service' ? CMD_ATTR.SERVICE : which === 'destination' ? CMD_ATTR.DEST : CMD_ATTR.DAEMON;
  return attributeMap(required(attributes.get(type), `${which} attribute`));
}

/** A GET_SERVICE reply's service attributes → model (an unknown scheduler or protocol is a decode error). */
export function decodeService(a: Map<number, Buffer>): KernelService {
  const af = required(readU16(a.get(SVC.AF)), 'service address family');
  if (af !== AF_INET && af !== AF_INET6) throw new NetlinkDecodeError(`service address family ${af}`);
  const family: AddressFamily = af === AF_INET ? 'ipv4' : 'ipv6';
  const scheduler = required(readString(a.get(SVC.SCHED_NAME)), 'scheduler');
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) throw new NetlinkDecodeError(`scheduler ${JSON.stringify(scheduler)} is not one Fulcrum knows`);
  const flagWord = required(a.get(SVC.FLAGS), 'service flags');
  if (flagWord.length < 4) throw new NetlinkDecodeError('service flags attribute is short');
  const flags = flagWord.readUInt32LE(0);
  const persistent = (flags & F_PERSISTENT) !== 0;
  const timeout = readU32(a.get(SVC.TIMEOUT)) ?? 0;
  let prefix: number | null = null;
  if (persistent) {
    if (family === 'ipv4') {
      const mask = readBe32(a.get(SVC.NETMASK)) ?? 0xffffffff;
      const bits = Math.clz32(~mask >>> 0);
      if (((0xffffffff << (32 - bits)) >>> 0) !== mask >>> 0 && bits !== 0) throw new NetlinkDecodeError(`persistence netmask ${mask.toString(16)} is not contiguous`);
      prefix = bits === 32 ? null : bits;
    } else {
      const length = readU32(a.get(SVC.NETMASK)) ?? 128;
      prefix = length === 128 ? null : length;
    }
  }
  const schedulerFlags: SchedulerFlag[] = [];
  const named = scheduler === 'sh' || scheduler === 'mh';
  if (flags & F_SCHED1) schedulerFlags.push(named ? (`${scheduler}-fallback` as SchedulerFlag) : 'flag-1');
  if (flags & F_SCHED2) schedulerFlags.push(named ? (`${scheduler}-port` as SchedulerFlag) : 'flag-2');
  if (flags & F_SCHED3) schedulerFlags.push('flag-3');
  const attributes = {
    scheduler: scheduler as Scheduler,
    schedulerFlags: sortSchedulerFlags(schedulerFlags),
    persistenceTimeout: persistent ? timeout : 0,
    persistencePrefix: prefix,
    onePacket: (flags & F_ONEPACKET) !== 0,
  };
  const counters = a.has(SVC.STATS64) ? decodeCounters(a.get(SVC.STATS64), true) : decodeCounters(a.get(SVC.STATS), false);
  const fwmark = readU32(a.get(SVC.FWMARK));
  if (fwmark !== undefined && fwmark !== 0) return { spec: { protocol: 'FWMARK', fwmark, family, ...attributes }, counters };
  const protocol = required(readU16(a.get(SVC.PROTOCOL)), 'service protocol');
  if (protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP) throw new NetlinkDecodeError(`service protocol ${protocol} (only TCP and UDP services are modelled)`);
  return {
    spec: { protocol: protocol === IPPROTO_TCP ? 'TCP' : 'UDP', address: addressText(a.get(SVC.ADDR), family), port: required(readBe16(a.get(SVC.PORT)), 'service port'), ...attributes },
    counters,
  };
}

/** A GET_DEST reply's destination attributes → model (family: the service's, unless the reply names its own). */
export function decodeDestination(a: Map<number, Buffer>, serviceFamily: AddressFamily, withCounters = true): KernelDestination {
  const ownAf = readU16(a.get(DEST.ADDR_FAMILY));
  const family: AddressFamily = ownAf === undefined ? serviceFamily : ownAf === AF_INET6 ? 'ipv6' : 'ipv4';
  const code = required(readU32(a.get(DEST.FWD_METHOD)), 'forwarding method') & 0x7;
  const forwarding = FWD_NAME[code];
  if (forwarding === undefined) throw new NetlinkDecodeError(`forwarding method ${code}`);
  return {
    destination: {
      address: addressText(a.get(DEST.ADDR), family),
      port: required(readBe16(a.get(DEST.PORT)), 'destination port'),
      forwarding,
      weight: required(readU32(a.get(DEST.WEIGHT)), 'weight') | 0,
      upperThreshold: readU32(a.get(DEST.U_THRESH)) ?? 0,
      lowerThreshold: readU32(a.get(DEST.L_THRESH)) ?? 0,
    },
    localNode: code === 1,
    activeConns: readU32(a.get(DEST.ACTIVE_CONNS)) ?? 0,
    inactConns: readU32(a.get(DEST.INACT_CONNS)) ?? 0,
    persistConns: readU32(a.get(DEST.PERSIST_CONNS)) ?? 0,
    counters: !withCounters ? ZERO_COUNTERS : a.has(DEST.STATS64) ? decodeCounters(a.get(DEST.STATS64), true) : decodeCounters(a.get(DEST.STATS), false),
  };
}

/** Counters of a read that did not ask for them. */
export const ZERO_COUNTERS: KernelCounters = Object.freeze({ conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, connsPerSecond: 0, inPacketsPerSecond: 0, outPacketsPerSecond: 0, inBytesPerSecond: 0, outBytesPerSecond: 0 });

/** A GET_DAEMON reply → daemon (state 1 = master, 2 = backup). */
export function decodeDaemon(a: Map<number, Buffer>): KernelSyncDaemon {
  const state = required(readU32(a.get(DAEMON.STATE)), 'daemon state');
  if (state !== 1 && state !== 2) throw new NetlinkDecodeError(`sync daemon state ${state}`);
  return { role: state === 1 ? 'master' : 'backup', interface: required(readString(a.get(DAEMON.MCAST_IFN)), 'daemon interface'), syncId: readU32(a.get(DAEMON.SYNC_ID)) ?? 0 };
}

/** A GET_INFO reply → version text ("1.2.1") and connection table size. */
export function decodeInfo(a: Map<number, Buffer>): { version: string; tableSize: number } {
  const v = required(readU32(a.get(INFO.VERSION)), 'IPVS version');
  return { version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, tableSize: readU32(a.get(INFO.CONN_TAB_SIZE)) ?? 0 };
}

