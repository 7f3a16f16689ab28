import { ipv6ToWords, prefixToNetmask } from '../model/address';
import { destinationKey, serviceFamily, type ServiceSpec } from '../model/ipvs';
import type { KernelIpvsTable } from './ipvs-netlink';

const FORWARD_NAME = { DR: 'Route', TUN: 'Tunnel', NAT: 'Masq' } as const;

// libipvs compares 32-bit words by subtracting them as C ints (ipvs_cmp_services / ipvs_cmp_dests):
// the difference wraps, so e.g. 10.0.0.1 sorts after 198.18.0.1. Reproduced on purpose.
const wrapDiff = (a: number, b: number): number => (a - b) | 0;

function addressWords(address: string): number[] {
  if (!address.includes(':')) return [address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)];
  const w = ipv6ToWords(address);
  return [0, 2, 4, 6].map((i) => (w[i]! * 65536 + w[i + 1]!) >>> 0);
}

function compareAddressPort(a: { address: string; port: number }, b: { address: string; port: number }): number {
  const wa = addressWords(a.address);
  const wb = addressWords(b.address);
  for (let i = 0; i < Math.min(wa.length, wb.length); i++) {
    const r = wrapDiff(wa[i]!, wb[i]!);
    if (r !== 0) return r;
  }
  return a.port - b.port;
}

const PROTOCOL_NUMBER = { TCP: 6, UDP: 17 } as const;

function compareServices(a: ServiceSpec, b: ServiceSpec): number {
  const fa = a.protocol === 'FWMARK' ? a.fwmark : 0;
  const fb = b.protocol === 'FWMARK' ? b.fwmark : 0;
  if (fa !== fb) return wrapDiff(fa, fb);
  const af = (s: ServiceSpec) => (serviceFamily(s) === 'ipv4' ? 2 : 10);
  if (af(a) !== af(b)) return af(a) - af(b);
  if (a.protocol === 'FWMARK' || b.protocol === 'FWMARK') return 0;
  if (a.protocol !== b.protocol) return PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol];
  return compareAddressPort(a, b);
}

/**
 * The text `ipvsadm -Ln` prints for a table read over netlink (ipvsadm 1.31's print_service_entry:
 * same columns, services and destinations sorted the way ipvsadm sorts them, trailing blanks
 * included), so the UI's kernel view needs no ipvsadm process. Checked against real ipvsadm output in
 * the unit and lab tests.
 */
export function renderIpvsadmListing(info: { version: string; tableSize: number }, table: KernelIpvsTable): string {
  const lines = [`IP Virtual Server version ${info.version} (size=${info.tableSize})`, 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const service of [...table.services].sort((a, b) => compareServices(a.spec, b.spec))) {
    const s = service.spec;
    const family = serviceFamily(s);
    let line = s.protocol === 'FWMARK' ? `FWM  ${s.fwmark}${family === 'ipv6' ? ' IPv6' : ''} ${s.scheduler}` : `${s.protocol}  ${destinationKey(s)} ${s.scheduler}`;
    if (s.schedulerFlags.length > 0) line += ` (${s.schedulerFlags.join(',')})`;
    if (s.persistenceTimeout > 0) {
      line += ` persistent ${s.persistenceTimeout}`;
      if (s.persistencePrefix !== null) line += ` mask ${family === 'ipv4' ? prefixToNetmask(s.persistencePrefix) : s.persistencePrefix}`;
    }
    if (s.onePacket) line += ' ops';
    lines.push(line);
    for (const d of [...service.destinations].sort((a, b) => compareAddressPort(a.destination, b.destination))) {
      const forward = d.localNode ? 'Local' : FORWARD_NAME[d.destination.forwarding];
      lines.push(`  -> ${destinationKey(d.destination).padEnd(28)} ${forward.padEnd(7)} ${String(d.destination.weight).padEnd(6)} ${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
