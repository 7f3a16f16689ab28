import { describe, expect, it } from 'vitest';
import { IpvsNetlink } from '@fulcrum/lvs/netlink/ipvs-netlink';
import type { Logger } from '../log/logger';
import { createFakeHost } from './fake-host';
import type { LinuxIpvsHost } from './linux-ipvs';
import { NetlinkIpvsHost } from './netlink-ipvs';

// The fallback decision with a relay that really cannot start (no such perl). The IPVS side of netlink
// is proven against a real kernel in the lab (agent-apply.lab.test.ts).
function setup(backend: 'auto' | 'netlink') {
  const warnings: Array<{ event: string; fields: unknown }> = [];
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: (event, fields) => warnings.push({ event, fields }), error: () => undefined };
  const ipvsadm = createFakeHost().ipvs as unknown as LinuxIpvsHost;
  const host = new NetlinkIpvsHost(new IpvsNetlink('/nonexistent/perl'), ipvsadm, backend, log);
  return { host, warnings };
}

describe('NetlinkIpvsHost', () => {
  it('auto: a relay that cannot run switches to ipvsadm for good and says so once', async () => {
    const { host, warnings } = setup('auto');
    expect(host.activeBackend).toBe('netlink');
    expect(await host.readTable()).toEqual({ services: [] }); // served by the ipvsadm side
    expect(host.activeBackend).toBe('ipvsadm');
    await host.readTable();
    expect(warnings.map((w) => w.event)).toEqual(['ipvs-netlink-unavailable']);
    expect(JSON.stringify(warnings[0]!.fields)).toMatch(/cannot run \/nonexistent\/perl/);
  });

  it('netlink forced: the failure is the caller\'s to report, never hidden behind ipvsadm', async () => {
    const { host, warnings } = setup('netlink');
    await expect(host.readTable()).rejects.toThrow(/nonexistent\/perl/);
    expect(host.activeBackend).toBe('netlink');
    expect(warnings).toEqual([]);
  });
});
