import { isIP } from 'node:net';

/**
 * Canonical text of a valid IP address, as glibc's inet_ntop prints it (what ipvsadm -Sn shows):
 * IPv4 unchanged; IPv6 lower-case, RFC 5952 compression, IPv4-mapped/compatible tails dotted.
 * Keys are built from this form so that "2001:DB8:0::1" and "2001:db8::1" are the same service.
 */
export function canonicalizeAddress(address: string): string {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) throw new RangeError(`Not an IP address: ${JSON.stringify(address)}`);
  const words = ipv6ToWords(address);
  return wordsToIpv6(words);
}

/** Eight 16-bit words of a valid IPv6 address (accepts dotted tails and "::"). */
export function ipv6ToWords(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** glibc inet_ntop6: longest run (>= 2) of zero words becomes "::"; embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d. */
export function wordsToIpv6(words: number[]): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      const a = words[6] ?? 0;
      const b = words[7] ?? 0;
      out += `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** IPv4 dotted netmask for a prefix length 0–32 (ipvsadm -M wants dotted masks for IPv4). */
export function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/** Prefix length of a contiguous dotted IPv4 netmask, or null when the mask has holes (not representable). */
export function netmaskToPrefix(mask: string): number | null {
  if (isIP(mask) !== 4) return null;
  const value = mask.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  return prefixOfMaskBits(value);
}

/** Prefix length of a 32-bit mask value, or null when not contiguous. */
export function prefixOfMaskBits(value: number): number | null {
  let prefix = 0;
  while (prefix < 32 && ((value >>> (31 - prefix)) & 1) === 1) prefix++;
  const rebuilt = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return rebuilt === value >>> 0 ? prefix : null;
}

/** Dotted IPv4 from the kernel's 8-hex-digit host-order print (`%08X` of ntohl(addr)). */
export function hexToIpv4(hex: string): string | null {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return null;
  const v = parseInt(hex, 16);
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}

/** "addr:port" with brackets for IPv6, the form ipvsadm prints and accepts. */
export function formatAddressPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Splits "1.2.3.4:80" / "[2001:db8::1]:80" into canonical address and port, or null when malformed. */
export function splitAddressPort(text: string): { address: string; port: number } | null {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const address = m[1] ?? '';
  const port = Number(m[2]);
  const family = isIP(address);
  if (family === 0 || port > 65535) return null;
  if (family === 6 && !text.startsWith('[')) return null;
  return { address: canonicalizeAddress(address), port };
}
