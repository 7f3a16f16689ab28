// Netlink and generic-netlink framing (linux/netlink.h, linux/genetlink.h): pure encode/decode of
// messages and attributes, in host byte order (little-endian: every architecture Fulcrum's agent
// runs on — x86-64, arm64 — is). Nothing here does I/O; netlink-relay.ts moves the bytes.

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | 0x4000) & 0xffff;

/** The generic netlink controller (resolves family names to ids). */
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;

/** A netlink message as received. */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Everything after the 16-byte header. */
  payload: Buffer;
}

/** One attribute: its type (without the nested/byte-order bits) and raw value. */
export interface NetlinkAttribute {
  type: number;
  value: Buffer;
}

/** A value to encode as an attribute. */
export type AttributeValue =
  | { kind: 'u8'; value: number }
  | { kind: 'u16'; value: number }
  /** A 16-bit value in network byte order (ports). */
  | { kind: 'be16'; value: number }
  | { kind: 'u32'; value: number }
  /** A 32-bit value in network byte order (IPv4 netmasks). */
  | { kind: 'be32'; value: number }
  /** NUL-terminated string. */
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; value: Buffer }
  | { kind: 'nested'; value: Array<[number, AttributeValue]> };

/** A malformed message or attribute: the bytes do not say what they claim. */
export class NetlinkDecodeError extends Error {
  readonly code = 'NETLINK_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkDecodeError';
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Encodes attributes (each padded to 4 bytes). */
export function encodeAttributes(attributes: ReadonlyArray<readonly [number, AttributeValue]>): Buffer {
  const parts: Buffer[] = [];
  for (const [type, attr] of attributes) {
    let value: Buffer;
    let nested = false;
    switch (attr.kind) {
      case 'u8':
        value = Buffer.from([attr.value & 0xff]);
        break;
      case 'u16':
        value = Buffer.alloc(2);
        value.writeUInt16LE(attr.value);
        break;
      case 'be16':
        value = Buffer.alloc(2);
        value.writeUInt16BE(attr.value);
        break;
      case 'u32':
        value = Buffer.alloc(4);
        value.writeUInt32LE(attr.value >>> 0);
        break;
      case 'be32':
        value = Buffer.alloc(4);
        value.writeUInt32BE(attr.value >>> 0);
        break;
      case 'string':
        value = Buffer.from(`${attr.value}\0`, 'utf8');
        break;
      case 'bytes':
        value = attr.value;
        break;
      case 'nested':
        value = encodeAttributes(attr.value);
        nested = true;
        break;
    }
    const header = Buffer.alloc(NLA_HDRLEN);
    header.writeUInt16LE(NLA_HDRLEN + value.length, 0);
    header.writeUInt16LE(nested ? type | NLA_F_NESTED : type, 2);
    parts.push(header, value, Buffer.alloc(align4(value.length) - value.length));
  }
  return Buffer.concat(parts);
}

/** Decodes a run of attributes; throws NetlinkDecodeError when a length runs past the buffer. */
export function decodeAttributes(buffer: Buffer): NetlinkAttribute[] {
  const out: NetlinkAttribute[] = [];
  let offset = 0;
  while (offset + NLA_HDRLEN <= buffer.length) {
    const length = buffer.readUInt16LE(offset);
    const type = buffer.readUInt16LE(offset + 2) & NLA_TYPE_MASK;
    if (length < NLA_HDRLEN || offset + length > buffer.length) throw new NetlinkDecodeError(`attribute ${type} at byte ${offset} claims ${length} bytes of ${buffer.length - offset}`);
    out.push({ type, value: buffer.subarray(offset + NLA_HDRLEN, offset + length) });
    offset += align4(length);
  }
  return out;
}

/** Attributes by type (the last one wins, like the kernel's nla_parse). */
export function attributeMap(buffer: Buffer): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  for (const a of decodeAttributes(buffer)) map.set(a.type, a.value);
  return map;
}

/** Reads a fixed-size attribute, checking its length. */
export function readU8(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 1) throw new NetlinkDecodeError('u8 attribute is empty');
  return value.readUInt8(0);
}
export function readU16(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 2) throw new NetlinkDecodeError(`u16 attribute has ${value.length} bytes`);
  return value.readUInt16LE(0);
}
export function readBe16(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 2) throw new NetlinkDecodeError(`be16 attribute has ${value.length} bytes`);
  return value.readUInt16BE(0);
}
export function readU32(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 4) throw new NetlinkDecodeError(`u32 attribute has ${value.length} bytes`);
  return value.readUInt32LE(0);
}
export function readBe32(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 4) throw new NetlinkDecodeError(`be32 attribute has ${value.length} bytes`);
  return value.readUInt32BE(0);
}
/** A u64 counter as a JS number (exact up to 2^53: 9 PB of traffic). */
export function readU64(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length < 8) throw new NetlinkDecodeError(`u64 attribute has ${value.length} bytes`);
  return Number(value.readBigUInt64LE(0));
}
export function readString(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return value.subarray(0, end === -1 ? value.length : end).toString('utf8');
}

/** Encodes one netlink message. */
export function encodeMessage(message: { type: number; flags: number; seq: number; payload: Buffer }): Buffer {
  const header = Buffer.alloc(NLMSG_HDRLEN);
  header.writeUInt32LE(NLMSG_HDRLEN + message.payload.length, 0);
  header.writeUInt16LE(message.type, 4);
  header.writeUInt16LE(message.flags, 6);
  header.writeUInt32LE(message.seq >>> 0, 8);
  header.writeUInt32LE(0, 12);
  const padding = align4(message.payload.length) - message.payload.length;
  return Buffer.concat([header, message.payload, Buffer.alloc(padding)]);
}

/** Encodes a generic netlink message: genl header (cmd, version) + attributes. */
export function encodeGenlMessage(message: { family: number; cmd: number; version: number; flags: number; seq: number; attributes: ReadonlyArray<readonly [number, AttributeValue]> }): Buffer {
  const genl = Buffer.from([message.cmd, message.version, 0, 0]);
  return encodeMessage({ type: message.family, flags: message.flags, seq: message.seq, payload: Buffer.concat([genl, encodeAttributes(message.attributes)]) });
}

/** Splits a datagram into its messages; throws NetlinkDecodeError on a length that does not fit. */
export function decodeMessages(datagram: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= datagram.length) {
    const length = datagram.readUInt32LE(offset);
    if (length < NLMSG_HDRLEN || offset + length > datagram.length) throw new NetlinkDecodeError(`message at byte ${offset} claims ${length} bytes of ${datagram.length - offset}`);
    out.push({
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      seq: datagram.readUInt32LE(offset + 8),
      pid: datagram.readUInt32LE(offset + 12),
      payload: datagram.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    offset += align4(length);
  }
  return out;
}

/** The errno of an NLMSG_ERROR (0 = acknowledgement) or NLMSG_DONE payload (positive, like errno). */
export function messageErrno(message: NetlinkMessage): number {
  if (message.payload.length < 4) return 0;
  return -message.payload.readInt32LE(0);
}

/** The attributes of a generic netlink message (after its 4-byte genl header). */
export function genlAttributes(message: NetlinkMessage): Map<number, Buffer> {
  if (message.payload.length < GENL_HDRLEN) throw new NetlinkDecodeError(`generic netlink message of ${message.payload.length} bytes has no header`);
  return attributeMap(message.payload.subarray(GENL_HDRLEN));
}

// The errno values the kernel's IPVS and generic netlink code return, with the names strerror gives.
const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  19: ['ENODEV', 'No such device'],
  22: ['EINVAL', 'Invalid argument'],
  34: ['ERANGE', 'Numerical result out of range'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  105: ['ENOBUFS', 'No buffer space available'],
};

/** "EEXIST (File exists)" for an errno. */
export function errnoText(errno: number): string {
  const known = ERRNO[errno];
  return known ? `${known[0]} (${known[1]})` : `errno ${errno}`;
}

/** The symbolic name of an errno, e.g. "EEXIST". */
export function errnoName(errno: number): string {
  return ERRNO[errno]?.[0] ?? `E${errno}`;
}
