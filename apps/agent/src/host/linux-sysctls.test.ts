import { describe, expect, it } from 'vitest';
import { sysctlProcPath } from './linux-sysctls';

describe('sysctl keys → /proc/sys paths', () => {
  it('maps dots to slashes and a "/" (a dot inside a device name) back to a dot, like sysctl(8)', () => {
    expect(sysctlProcPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlProcPath('net.ipv4.conf.eth0/10.rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.10/rp_filter');
  });
  it('refuses keys outside net.ipv4/net.ipv6 and traversal', () => {
    expect(() => sysctlProcPath('kernel.core_pattern')).toThrow(/net\.ipv4/);
    expect(() => sysctlProcPath('net.ipv4.conf.../x')).toThrow();
    expect(() => sysctlProcPath('net.ipv4.conf.a/../../x.y')).toThrow();
  });
});
