import { describe, expect, it } from 'vitest';
import { hostSysctlArgv, renderHostBatch, renderInitScript, renderRootBatch, shellQuote } from './guest-plan';
import { keepalivedArgv, renderLabKeepalivedConfig } from './keepalived';
import { defaultTopology, findLabHost, resolveTopology } from './topology';

const topology = resolveTopology({
  ...defaultTopology({ realServers: 1 }),
  hosts: [...defaultTopology({ realServers: 1 }).hosts.slice(0, 3), { name: 'rs-1', role: 'real-server', sysctls: { 'net.ipv4.vs.conn_reuse_mode': '3' } }],
});

describe('guest plan', () => {
  it('wires every host to the bridge through its own veth', () => {
    const batch = renderRootBatch(topology);
    expect(batch).toContain('addr add 198.18.0.1/24 dev lab-br0');
    expect(batch).toContain('netns add rs-1');
    expect(batch).toContain('link add lab-v3 type veth peer name eth0 netns rs-1');
    expect(batch).toContain('link set lab-v3 master lab-br0');
  });

  it('gives each host loopback, its address and a default route via the gateway', () => {
    expect(renderHostBatch(topology, findLabHost(topology, 'client')).split('\n')).toEqual([
      'link set lo up',
      'addr add 198.18.0.10/24 dev eth0',
      'link set eth0 up',
      'route add default via 198.18.0.1',
      '',
    ]);
  });

  it('merges per-host sysctls over the defaults', () => {
    expect(hostSysctlArgv(findLabHost(topology, 'rs-1'))).toEqual([
      'sysctl', '-q', '-w',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
      'net.ipv4.vs.conn_reuse_mode=3',
    ]);
  });

  it('quotes paths in the init script', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const script = renderInitScript({
      nodePath: '/usr/bin/node',
      agentBundlePath: "/repo dir/it's/agent.mjs",
      agentConfigPath: '/x/config.json',
      guestAddress: '198.18.1.2',
      linkPrefix: 30,
    });
    expect(script).toContain(`'/usr/bin/node' '/repo dir/it'\\''s/agent.mjs' '/x/config.json'`);
    expect(script).toContain('mount -t tmpfs -o mode=1777 lab-tmp /tmp');
    expect(script.trimEnd().endsWith('poweroff -f')).toBe(true);
  });
});

describe('lab keepalived config', () => {
  it('renders one vrrp_instance with the VIP on eth0', () => {
    const config = renderLabKeepalivedConfig({
      routerId: 'director-a',
      instances: [{ virtualRouterId: 51, priority: 150, virtualIpAddresses: ['198.18.0.100/24'] }],
    });
    expect(config).toContain('vrrp_instance VI_1 {');
    expect(config).toContain('  priority 150');
    expect(config).toContain('    198.18.0.100/24 dev eth0');
    expect(config).toContain('  vrrp_version 2');
    expect(() => renderLabKeepalivedConfig({ routerId: 'a b', instances: [] })).toThrow();
    expect(() =>
      renderLabKeepalivedConfig({ routerId: 'a', instances: [{ virtualRouterId: 1, priority: 1, virtualIpAddresses: ['1.2.3.4}\nglobal_defs {'] }] }),
    ).toThrow();
  });

  it('runs keepalived in the foreground, VRRP only, logging to its log file', () => {
    expect(keepalivedArgv('/s/k.conf')).toEqual(['keepalived', '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '--use-file', '/s/k.conf']);
  });
});
