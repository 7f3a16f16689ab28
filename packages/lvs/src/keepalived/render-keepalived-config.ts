import { prefixToNetmask } from '../model/address';
import { validate } from '../model/errors';
import { serviceFamily } from '../model/ipvs';
import { KeepalivedConfig, type KeepalivedConfigInput, type KeepalivedVirtualServer, type VrrpInstance } from './model';

/**
 * keepalived.conf for a director in Fulcrum's split of duties: global_defs + vrrp_instance blocks only.
 * The agent owns IPVS, so no virtual_server is rendered here (a keepalived reload would re-apply them and
 * drop traffic). Every value is validated first; tokens never need quoting.
 */
export function renderVrrpConfig(config: KeepalivedConfigInput): string {
  const c = validate(KeepalivedConfig, config, 'keepalived configuration');
  return render({ ...c, virtualServers: [] });
}

/** The full export — VRRP plus virtual_server blocks with TCP_CHECKs — for operators who run plain keepalived. */
export function renderFullKeepalivedConfig(config: KeepalivedConfigInput): string {
  return render(validate(KeepalivedConfig, config, 'keepalived configuration'));
}

function render(c: KeepalivedConfig): string {
  const out: string[] = ['# Rendered by Fulcrum. Local edits are overwritten.', 'global_defs {', `    router_id ${c.routerId}`];
  if (c.notifyFifo) out.push(`    notify_fifo ${c.notifyFifo}`);
  if (c.vrrpNotifyFifo) out.push(`    vrrp_notify_fifo ${c.vrrpNotifyFifo}`);
  if (c.syncDaemon) out.push(`    lvs_sync_daemon ${c.syncDaemon.interface} ${c.syncDaemon.instance}${c.syncDaemon.syncId !== null ? ` id ${c.syncDaemon.syncId}` : ''}`);
  out.push('}');
  for (const i of c.instances) out.push('', ...renderInstance(i));
  for (const v of c.virtualServers) out.push('', ...renderVirtualServer(v));
  return `${out.join('\n')}\n`;
}

function renderInstance(i: VrrpInstance): string[] {
  const out = [`vrrp_instance ${i.name} {`, `    state ${i.state}`, `    interface ${i.interface}`, `    virtual_router_id ${i.virtualRouterId}`, `    priority ${i.priority}`, `    advert_int ${i.advertInterval}`, `    version ${i.vrrpVersion}`];
  if (i.noPreempt) out.push('    nopreempt');
  if (i.authPass !== null) out.push('    authentication {', '        auth_type PASS', `        auth_pass ${i.authPass}`, '    }');
  if (i.unicastSourceIp !== null) out.push(`    unicast_src_ip ${i.unicastSourceIp}`);
  if (i.unicastPeers.length > 0) out.push('    unicast_peer {', ...i.unicastPeers.map((p) => `        ${p}`), '    }');
  out.push('    virtual_ipaddress {', ...i.virtualIpAddresses.map((v) => `        ${v.address}/${v.prefix} dev ${v.dev}`), '    }', '}');
  return out;
}

const LB_KIND = { DR: 'DR', TUN: 'TUN', NAT: 'NAT' } as const;

function renderVirtualServer(v: KeepalivedVirtualServer): string[] {
  const s = v.service;
  const ipv6 = serviceFamily(s) === 'ipv6';
  // lb_kind is the virtual_server default (that of its first real server); a real server that differs says so with lvs_method
  const kind = s.destinations[0]?.forwarding ?? 'DR';
  const out = [s.protocol === 'FWMARK' ? `virtual_server fwmark ${s.fwmark} {` : `virtual_server ${s.address} ${s.port} {`, `    delay_loop ${v.delayLoop}`, `    lb_algo ${s.scheduler}`, `    lb_kind ${LB_KIND[kind]}`];
  for (const f of s.schedulerFlags) out.push(`    ${f}`);
  if (s.onePacket) out.push('    ops');
  if (s.protocol === 'FWMARK') {
    if (ipv6) out.push('    ip_family inet6');
  } else out.push(`    protocol ${s.protocol}`);
  if (s.persistenceTimeout > 0) {
    out.push(`    persistence_timeout ${s.persistenceTimeout}`);
    if (s.persistencePrefix !== null) out.push(`    persistence_granularity ${ipv6 ? s.persistencePrefix : prefixToNetmask(s.persistencePrefix)}`);
  }
  for (const d of s.destinations) {
    out.push(d.port === 0 ? `    real_server ${d.address} {` : `    real_server ${d.address} ${d.port} {`, `        weight ${d.weight}`);
    if (d.forwarding !== kind) out.push(`        lvs_method ${LB_KIND[d.forwarding]}`);
    if (d.upperThreshold > 0) out.push(`        uthreshold ${d.upperThreshold}`);
    if (d.lowerThreshold > 0) out.push(`        lthreshold ${d.lowerThreshold}`);
    if (v.connectTimeout !== null) out.push('        TCP_CHECK {', `            connect_timeout ${v.connectTimeout}`, '        }');
    out.push('    }');
  }
  out.push('}');
  return out;
}
