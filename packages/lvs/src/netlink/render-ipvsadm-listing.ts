import { prefixToNetmask } from '../model/address';
import { destinationKey, serviceFamily } from '../model/ipvs';
import type { KernelIpvsTable } from './ipvs-netlink';

const FORWARD_NAME = { DR: 'Route', TUN: 'Tunnel', NAT: 'Masq' } as const;

/**
 * The text `ipvsadm -Ln` prints for a table read over netlink (ipvsadm 1.31's print_service_entry:
 * same columns, same order — the kernel's dump order — trailing blanks included), so the UI's kernel
 * view needs no ipvsadm process. Checked against real ipvsadm output in the unit and lab tests.
 */
export function renderIpvsadmListing(info: { version: string; tableSize: number }, table: KernelIpvsTable): string {
  const lines = [`IP Virtual Server version ${info.version} (size=${info.tableSize})`, 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const service of table.services) {
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
    for (const d of service.destinations) {
      const forward = d.localNode ? 'Local' : FORWARD_NAME[d.destination.forwarding];
      lines.push(`  -> ${destinationKey(d.destination).padEnd(28)} ${forward.padEnd(7)} ${String(d.destination.weight).padEnd(6)} ${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
