import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, LabControlError } from './control-client';
import { renderLabKeepalivedConfig } from './keepalived';
import { startLab, type Lab } from './lab';
import { labGate } from './lab-gate';
import { findUmlProcesses, hasNetDevice, readLabRecord, umidFor } from './lab-state';
import { defaultTopology } from './topology';

const gate = labGate();

interface Destination {
  address: string;
  forward: string;
  weight: number;
  activeConn: number;
  inActConn: number;
}

// `ipvsadm -Ln` destination lines: "  -> 198.18.0.13:80  Route  1  0  3". Enough for these tests;
// the product's full parser lives in packages/lvs.
function parseDestinations(listing: string): Destination[] {
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] === '->' && fields[1] !== 'RemoteAddress:Port')
    .map(([, address = '', forward = '', weight = '0', active = '0', inactive = '0']) => ({
      address,
      forward,
      weight: Number(weight),
      activeConn: Number(active),
      inActConn: Number(inactive),
    }));
}

function countNames(body: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of body.split('\n').filter(Boolean)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(gate.skip)('UML lab (real IPVS kernel)', () => {
  let lab: Lab;
  const tmpBefore = new Set(existsSync('/tmp') ? readdirSync('/tmp') : []);

  beforeAll(async () => {
    lab = await startLab(defaultTopology(), { log: (line) => console.log(line) });
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('boots to ready with IPVS in the guest kernel and every host on the segment', async () => {
    console.log(`lab timing: boot-to-ready ${lab.timings.bootSeconds} s`);
    const listing = await lab.execOk('director-a', ['ipvsadm', '-Ln']);
    expect(listing).toContain('IP Virtual Server version');
    const modules = await lab.execOk('guest', ['cat', '/proc/modules']);
    expect(modules).toMatch(/^ip_vs_wrr /m);
    // Each host is its own namespace with loopback up and its address on eth0.
    for (const host of lab.topology.hosts) {
      const addresses = await lab.execOk(host.name, ['ip', '-o', '-4', 'addr', 'show']);
      expect(addresses).toContain(`inet 127.0.0.1/8`);
      expect(addresses).toContain(`eth0    inet ${host.address}/24`);
    }
    expect(existsSync(lab.consoleLogPath)).toBe(true);
  });

  it('returns stdout, stderr, exit codes; enforces timeouts; rejects unknown hosts', async () => {
    const result = await lab.exec('client', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 7, timedOut: false });
    // argv is passed verbatim: shell metacharacters are just bytes in an argument.
    const literal = await lab.execOk('client', ['echo', '$(touch /tmp/pwned); `id`']);
    expect(literal).toBe('$(touch /tmp/pwned); `id`\n');
    const slow = await lab.exec('client', ['sleep', '30'], { timeoutMs: 500 });
    expect(slow.timedOut).toBe(true);
    expect(slow.signal).toBe('SIGKILL');
    await expect(lab.exec('no-such-host', ['true'])).rejects.toBeInstanceOf(LabControlError);
    const withEnv = await lab.execOk('rs-1', ['sh', '-c', 'echo "$GREETING"'], { env: { GREETING: 'hello lab' } });
    expect(withEnv).toBe('hello lab\n');
  });

  it('spawns long-running processes with logs readable from the host, and stops them', async () => {
    const proc = await lab.spawn('director-b', ['sh', '-c', 'echo "started as $ROLE"; exec sleep 600'], { env: { ROLE: 'worker' } });
    await proc.waitForLog('started as worker', 10_000);
    const ps = await lab.execOk('director-b', ['cat', `/proc/${proc.pid}/cmdline`]);
    expect(ps).toContain('sleep');
    const exit = await proc.stop();
    expect(exit.signal).toBe('SIGTERM');
    expect(await proc.stop()).toEqual(exit);
  });

  it('lets every lab host reach a TCP server on the host tap address', async () => {
    const server: Server = createServer((request, response) => response.end(`host saw ${request.socket.remoteAddress}\n`));
    await new Promise<void>((resolve) => server.listen(0, lab.hostAddress, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const host of lab.topology.hosts) {
        const body = await lab.execOk(host.name, ['curl', '-sS', '--max-time', '10', `http://${lab.hostAddress}:${port}/`]);
        expect(body).toBe(`host saw ${host.address}\n`);
      }
    } finally {
      server.close();
    }
  });

  it('accepts control connections only from the host, with the token', async () => {
    const record = readLabRecord(lab.topology.id);
    expect(record).not.toBeNull();
    // Wrong token from the host: refused.
    await expect(
      ControlClient.connect({ address: record!.guestAddress, port: record!.controlPort, token: 'x'.repeat(64) }),
    ).rejects.toThrow(/hello|closed|UNAUTHENTICATED|token/i);
    // Right token but from inside the lab: the agent drops the peer before reading anything.
    const token = readFileSync(lab.paths.token, 'utf8').trim();
    const probe = [
      "const s=require('net').connect(" + record!.controlPort + ",'" + record!.guestAddress + "');",
      "let got='';s.on('data',d=>got+=d);",
      "s.on('connect',()=>s.write(JSON.stringify({type:'hello',v:1,token:process.env.TOKEN})+'\\n'+JSON.stringify({type:'ping',id:1})+'\\n'));",
      "s.on('close',()=>{console.log('closed:'+got.length);process.exit(0)});s.on('error',e=>{console.log('error:'+e.code);process.exit(0)});",
      'setTimeout(()=>{console.log("open:"+got.length);process.exit(0)},5000);',
    ].join('');
    const out = await lab.execOk('client', [process.execPath, '-e', probe], { env: { TOKEN: token } });
    expect(out.trim()).toMatch(/^(closed:0|error:ECONNRESET)$/);
  });

  it('DR walkthrough: VIP on director-a, wrr + persistence, weights 1:3, InActConn', async () => {
    const vip = lab.topology.freeAddresses[0]!;
    const [rs1, rs2] = [lab.addressOf('rs-1'), lab.addressOf('rs-2')];
    await lab.execOk('director-a', ['ip', 'addr', 'add', `${vip}/24`, 'dev', 'eth0']);
    const secondary = await lab.execOk('director-a', ['ip', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(secondary).toMatch(new RegExp(`inet ${vip.replaceAll('.', '\\.')}/24 .*secondary`));
    await lab.execOk('director-a', ['ipvsadm', '-A', '-t', `${vip}:80`, '-s', 'wrr', '-p', '20']);
    for (const rs of [rs1, rs2]) await lab.execOk('director-a', ['ipvsadm', '-a', '-t', `${vip}:80`, '-r', `${rs}:80`, '-g', '-w', '1']);
    for (const host of ['rs-1', 'rs-2']) {
      await lab.execOk(host, ['ip', 'addr', 'add', `${vip}/32`, 'dev', 'lo']);
      await lab.execOk(host, [
        'sysctl', '-q', '-w',
        'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.lo.arp_ignore=1', 'net.ipv4.conf.lo.arp_announce=2',
      ]);
    }
    const url = `http://${vip}/`;
    // Persistence (-p 20): every connection from the client sticks to one real server.
    const sticky = countNames(await lab.execOk('client', ['curl', '-sS', '--max-time', '10', ...Array(6).fill(url)]));
    expect(Object.keys(sticky)).toHaveLength(1);
    expect(['rs-1', 'rs-2']).toContain(Object.keys(sticky)[0]);

    // Persistence off, weights 1:3: each URL is a new connection (the server closes it) from a new source port.
    await lab.execOk('director-a', ['ipvsadm', '-E', '-t', `${vip}:80`, '-s', 'wrr']);
    await lab.execOk('director-a', ['ipvsadm', '-e', '-t', `${vip}:80`, '-r', `${rs2}:80`, '-g', '-w', '3']);
    const split = countNames(await lab.execOk('client', ['curl', '-sS', '--max-time', '10', ...Array(40).fill(url)], { timeoutMs: 60_000 }));
    console.log(`DR split over 40 requests at weights 1:3: ${JSON.stringify(split)}`);
    expect((split['rs-1'] ?? 0) + (split['rs-2'] ?? 0)).toBe(40);
    expect(split['rs-1']).toBeGreaterThanOrEqual(7);
    expect(split['rs-1']).toBeLessThanOrEqual(13);

    // In DR the director never sees the servers' FIN: finished connections linger as InActConn.
    const listing = await lab.execOk('director-a', ['ipvsadm', '-Ln']);
    console.log(listing);
    const destinations = parseDestinations(listing);
    expect(destinations.map((d) => d.forward)).toEqual(['Route', 'Route']);
    const byAddress = Object.fromEntries(destinations.map((d) => [d.address, d]));
    expect(byAddress[`${rs2}:80`]?.weight).toBe(3);
    expect(byAddress[`${rs1}:80`]?.inActConn).toBeGreaterThan(0);
    expect(byAddress[`${rs2}:80`]?.inActConn).toBeGreaterThan(byAddress[`${rs1}:80`]!.inActConn);

    // A held connection shows up as ActiveConn.
    const hold = await lab.spawn('client', ['curl', '-sS', '-N', '--max-time', '30', `${url}hold?seconds=20`], { name: 'hold' });
    await hold.waitForLog('holding', 10_000);
    const during = parseDestinations(await lab.execOk('director-a', ['ipvsadm', '-Ln']));
    expect(during.reduce((sum, d) => sum + d.activeConn, 0)).toBeGreaterThanOrEqual(1);
    await hold.stop();
  });

  it('VRRP: keepalived moves the VIP from director-a to director-b and the client keeps being served', async () => {
    const vip = lab.topology.freeAddresses[0]!;
    const [rs1, rs2] = [lab.addressOf('rs-1'), lab.addressOf('rs-2')];
    // keepalived owns the VIP from now on; director-b gets the same IPVS service.
    await lab.execOk('director-a', ['ip', 'addr', 'del', `${vip}/24`, 'dev', 'eth0']);
    await lab.execOk('director-b', ['ipvsadm', '-A', '-t', `${vip}:80`, '-s', 'wrr']);
    await lab.execOk('director-b', ['ipvsadm', '-a', '-t', `${vip}:80`, '-r', `${rs1}:80`, '-g', '-w', '1']);
    await lab.execOk('director-b', ['ipvsadm', '-a', '-t', `${vip}:80`, '-r', `${rs2}:80`, '-g', '-w', '3']);

    const config = (routerId: string, priority: number) =>
      renderLabKeepalivedConfig({ routerId, instances: [{ virtualRouterId: 51, priority, advertInt: 1, virtualIpAddresses: [`${vip}/24`] }] });
    const keepalivedA = await lab.startKeepalived('director-a', config('director-a', 150));
    const keepalivedB = await lab.startKeepalived('director-b', config('director-b', 100));
    const hasVip = async (host: string) => (await lab.execOk(host, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).includes(` ${vip}/24 `);

    const toMaster = await waitUntil(() => hasVip('director-a'), 20_000, 'VIP on director-a');
    console.log(`VRRP: director-a MASTER with the VIP after ${toMaster.toFixed(2)} s`);
    await keepalivedB.waitForLog('Entering BACKUP STATE', 10_000);
    expect(await hasVip('director-b')).toBe(false);
    expect(await lab.execOk('client', ['curl', '-sS', '--max-time', '10', `http://${vip}/`])).toMatch(/^rs-[12]\n$/);

    const exitA = await keepalivedA.stop();
    expect(exitA.exitCode).toBe(0);
    const failover = await waitUntil(() => hasVip('director-b'), 10_000, 'VIP on director-b');
    console.log(`VRRP: VIP on director-b ${failover.toFixed(2)} s after stopping director-a's keepalived`);
    expect(failover).toBeLessThan(10);
    expect(await hasVip('director-a')).toBe(false);

    const after = countNames(await lab.execOk('client', ['curl', '-sS', '--retry', '3', '--max-time', '5', ...Array(8).fill(`http://${vip}/`)], { timeoutMs: 60_000 }));
    expect((after['rs-1'] ?? 0) + (after['rs-2'] ?? 0)).toBe(8);
    const listingB = parseDestinations(await lab.execOk('director-b', ['ipvsadm', '-Ln']));
    expect(listingB.reduce((sum, d) => sum + d.inActConn + d.activeConn, 0)).toBeGreaterThanOrEqual(8);
    await keepalivedB.stop();
  });

  it('stops cleanly: no tap, no UML process, only logs left; a second stop is harmless', async () => {
    const timings = await lab.stop();
    console.log(`lab timing: boot-to-ready ${timings.bootSeconds} s, teardown ${timings.teardownSeconds} s`);
    expect(hasNetDevice(lab.topology.tapName)).toBe(false);
    expect(findUmlProcesses(umidFor(lab.topology.id))).toEqual([]);
    expect(readdirSync(lab.paths.root)).toEqual(['logs']);
    const newInTmp = readdirSync('/tmp').filter((entry) => !tmpBefore.has(entry) && /keepalived|pwned/.test(entry));
    expect(newInTmp).toEqual([]);
    await expect(lab.stop()).resolves.toBe(timings);
  });
});
