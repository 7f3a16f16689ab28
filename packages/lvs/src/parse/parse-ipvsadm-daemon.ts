import { isIP } from 'node:net';
import type { SyncDaemonState } from '../commands/ipvsadm';
import { InterfaceName } from '../model/primitives';
import { LineReader, numberLines } from './tokens';

/** One IPVS connection-sync daemon the kernel runs (`ipvsadm -L --daemon`). */
export interface SyncDaemon {
  /** master sends the connection table, backup receives it. */
  role: SyncDaemonState;
  /** The multicast interface (--mcast-interface). */
  interface: string;
  /** The sync id (--syncid, 0–255; 0 = accept every id). */
  syncId: number;
}

// Optional parameters ipvsadm ≥ 1.28 prints after syncid; validated, not returned.
const OPTIONAL_KEYS = ['maxlen', 'group', 'port', 'ttl'] as const;

/**
 * Parses `ipvsadm -L --daemon` (ipvsadm 1.31 print_daemon), one line per running daemon, master first:
 *   master sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
 *   backup sync daemon (mcast=eth0, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
 * No daemon: empty output. Older ipvsadm prints only mcast and syncid, which is accepted too. The kernel
 * runs at most one daemon per role; anything else is refused with the line (LvsParseError).
 */
export function parseIpvsadmDaemons(text: string): SyncDaemon[] {
  const daemons: SyncDaemon[] = [];
  for (const at of numberLines(text)) {
    const r: LineReader = new LineReader(at);
    const trimmed = at.text.trim();
    if (trimmed === '') continue;
    const m = /^(master|backup) sync daemon \((.*)\)$/.exec(trimmed);
    if (!m) r.fail('Expected "master|backup sync daemon (mcast=IF, syncid=N, …)"');
    const role = m[1] as SyncDaemonState;
    if (daemons.some((d) => d.role === role)) r.fail(`A second ${role} sync daemon`);
    const fields = (m[2] ?? '').split(', ').map((pair) => {
      const kv = /^([a-z]+)=(\S+)$/.exec(pair);
      if (!kv) return r.fail(`Expected key=value, got ${JSON.stringify(pair)}`);
      return [kv[1] ?? '', kv[2] ?? ''] as const;
    });
    const [mcast, syncid, ...rest] = fields;
    if (mcast?.[0] !== 'mcast') r.fail('Expected mcast=INTERFACE first');
    const iface = InterfaceName.safeParse(mcast[1]);
    if (!iface.success || iface.data !== mcast[1]) r.fail(`Bad interface ${JSON.stringify(mcast[1])}`);
    if (syncid?.[0] !== 'syncid') r.fail('Expected syncid=N after mcast');
    const syncId = r.int(syncid[1], 'syncid', 0, 255);
    const seen = new Set<string>();
    for (const [key, value] of rest) {
      if (!(OPTIONAL_KEYS as readonly string[]).includes(key)) r.fail(`Unknown sync daemon parameter ${JSON.stringify(key)}`);
      if (seen.has(key)) r.fail(`Duplicate sync daemon parameter ${JSON.stringify(key)}`);
      seen.add(key);
      if (key === 'group') {
        if (isIP(value) === 0) r.fail(`Bad multicast group ${JSON.stringify(value)}`);
      } else r.int(value, key, 0, key === 'port' ? 65535 : key === 'ttl' ? 255 : 65535);
    }
    daemons.push({ role, interface: iface.data, syncId });
  }
  return daemons;
}
