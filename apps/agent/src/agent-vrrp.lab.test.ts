import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab, LabProcess } from '@fulcrum/lab/lab';
import { labGate } from '@fulcrum/lab/lab-gate';
import { defaultTopology } from '@fulcrum/lab/topology';
import { PROTOCOL_VERSION, type SnapshotFrame } from '@fulcrum/protocol/frames';
import { AgentFiles, buildAgentBundle, readLabTable, spawnAgent, startLabWhenFree, tokenFor } from './testing/lab-agents';
import { directorSnapshot, realServerSnapshot, service } from './testing/snapshots';
import { TestGateway } from './testing/test-gateway';

// keepalived supervised by the agents (VRRP failover, crash recovery, reload only on VRRP changes),
// fail-static faults (server gone 30 s, agent restart, hand-made drift) and hostile snapshots, with the
// built dist/agent.cjs in the UML lab.

const gate = labGate();
const DIRECTORS = ['director-a', 'director-b'] as const;
const REAL_SERVERS = ['rs-1', 'rs-2'] as const;
const VIP = '198.18.0.110';

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(gate.skip)('agent in the lab: keepalived supervision, faults, hostile snapshots', () => {
  let lab: Lab;
  let gateway: TestGateway;
  const files = new AgentFiles();
  const agents = new Map<string, LabProcess>();
  let generation = 0;
  const priorities: Record<string, number> = { 'director-a': 150, 'director-b': 100 };
  let weight = 1;
  let healthPort: number | null = null;

  const directorFrame = (host: string, g: number, revertDrift = false): SnapshotFrame =>
    directorSnapshot(
      g,
      {
        ipvs: { services: [service(VIP, { [lab.addressOf('rs-1')]: weight, [lab.addressOf('rs-2')]: 1 })] },
        healthChecks:
          healthPort === null
            ? []
            : [{ serviceKey: `TCP ${VIP}:80`, destinationKey: `${lab.addressOf('rs-2')}:80`, address: lab.addressOf('rs-2'), port: healthPort, kind: 'HTTP' as const, httpPath: '/', httpExpectStatus: 200, intervalMs: 300, timeoutMs: 250, rise: 2, fall: 2 }],
        keepalived: {
          routerId: host,
          syncDaemon: { interface: 'eth0', instance: 'VI_1', syncId: 51 },
          // both BACKUP + nopreempt: a restarted keepalived does not take the VIP back from the peer
          instances: [{ name: 'VI_1', state: 'BACKUP', noPreempt: true, interface: 'eth0', virtualRouterId: 51, priority: priorities[host]!, advertInterval: 0.1, vrrpVersion: 3, virtualIpAddresses: [{ address: VIP, prefix: 24, dev: 'eth0' }] }],
        },
      },
      revertDrift,
    );
  async function sendDirectors(revertDrift = false): Promise<number> {
    const g = ++generation;
    for (const d of DIRECTORS) gateway.send(d, directorFrame(d, g, revertDrift));
    for (const d of DIRECTORS) await gateway.waitForFrame(d, 'applied', (f) => f.generation === g, 60_000);
    return g;
  }
  const hasVip = async (host: string) => (await lab.execOk(host, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).includes(` ${VIP}/24 `);
  const keepalivedPids = async (host: string) => {
    const read = (file: string) => lab.execOk(host, ['cat', `/run/fulcrum-agent-${host}/${file}`]).then((t) => t.trim());
    return [await read('keepalived.pid'), await read('keepalived-vrrp.pid')];
  };
  const lastVrrp = (host: string) => gateway.framesOf(host, 'vrrp').at(-1)?.frame.state;
  const master = () => DIRECTORS.find((d) => lastVrrp(d) === 'MASTER');

  beforeAll(async () => {
    buildAgentBundle();
    lab = await startLabWhenFree(defaultTopology({ realServers: 2 }));
    gateway = await TestGateway.start({
      host: lab.hostAddress,
      nodes: Object.fromEntries([...DIRECTORS.map((h) => [tokenFor(h), { name: h, role: 'DIRECTOR' as const }]), ...REAL_SERVERS.map((h) => [tokenFor(h), { name: h, role: 'REAL_SERVER' as const }])]),
      settings: { heartbeatIntervalMs: 1000, statsIntervalMs: 500, reconcileIntervalMs: 2000, kernelTableIntervalMs: 5000 },
    });
    for (const host of [...DIRECTORS, ...REAL_SERVERS]) agents.set(host, await spawnAgent(lab, files, host, gateway));
    for (const host of agents.keys()) await gateway.waitForConnection(host, 60_000);
    for (const rs of REAL_SERVERS) gateway.send(rs, realServerSnapshot(1, [{ address: VIP, forwarding: 'DR' }]));
    // director-a first: with nopreempt the first keepalived up becomes MASTER and keeps the VIP
    const g = ++generation;
    gateway.send('director-a', directorFrame('director-a', g));
    await gateway.waitForFrame('director-a', 'vrrp', (f) => f.state === 'MASTER', 60_000);
    gateway.send('director-b', directorFrame('director-b', g));
    for (const d of DIRECTORS) await gateway.waitForFrame(d, 'applied', (f) => f.generation === g, 60_000);
  });

  afterAll(async () => {
    for (const agent of agents.values()) await agent.stop().catch(() => undefined);
    // keepalived outlives its agent by design: stop it here
    for (const d of DIRECTORS) for (const pid of await keepalivedPids(d).catch(() => [])) await lab?.exec(d, ['kill', '-TERM', pid]).catch(() => undefined);
    await gateway?.stop();
    await lab?.stop();
    files.remove();
  });

  it('(d) keepalived runs under the agents: MASTER/BACKUP from the notify FIFO, traffic served, reload only on VRRP changes', async () => {
    const ms = await waitUntil(() => lastVrrp('director-a') === 'MASTER' && lastVrrp('director-b') === 'BACKUP', 30_000, 'director-a MASTER and director-b BACKUP');
    console.log(`(d) vrrp frames: director-a MASTER, director-b BACKUP ${Math.round(ms)} ms after the snapshots were applied`);
    expect(await hasVip('director-a')).toBe(true);
    expect(await hasVip('director-b')).toBe(false);
    expect(await lab.execOk('client', ['curl', '-sS', '--max-time', '5', `http://${VIP}/`])).toMatch(/^rs-[12]\n$/);
    const config = await lab.execOk('director-a', ['cat', `${files.root}/director-a/keepalived.conf`]);
    expect(config).toContain('vrrp_notify_fifo /run/fulcrum-agent-director-a/vrrp-notify.fifo');
    expect(config).toContain('lvs_sync_daemon eth0 VI_1 id 51');
    expect(config).not.toContain('virtual_server');
    // lvs_sync_daemon: keepalived runs the kernel's connection-sync daemon as its VRRP state says
    const daemons = await lab.execOk('director-a', ['ipvsadm', '-L', '--daemon']);
    console.log(`(d) director-a (MASTER) sync daemon: ${daemons.trim()}`);
    expect(daemons).toMatch(/master sync daemon \(mcast=eth0, syncid=51/);

    const pidsBefore = await keepalivedPids('director-a');
    const reloadsBefore = gateway.framesOf('director-a', 'event').filter((e) => e.frame.kind === 'keepalived-reloaded').length;
    weight = 3; // IPVS-only change: no reload
    await sendDirectors();
    await new Promise((r) => setTimeout(r, 500));
    expect(gateway.framesOf('director-a', 'event').filter((e) => e.frame.kind === 'keepalived-reloaded')).toHaveLength(reloadsBefore);
    expect(await keepalivedPids('director-a')).toEqual(pidsBefore);
    priorities['director-b'] = 110; // VRRP change: director-b reloads
    const since = Date.now();
    await sendDirectors();
    await gateway.waitForFrame('director-b', 'event', (f) => f.kind === 'keepalived-reloaded', 5000, since);
    expect(gateway.framesOf('director-a', 'event').filter((e) => e.frame.kind === 'keepalived-reloaded')).toHaveLength(reloadsBefore);
  });

  it('(d) graceful stop of the MASTER keepalived: the peer agent reports MASTER within 1 s of the VIP moving; the agent restarts its keepalived', async () => {
    for (const [from, to] of [['director-a', 'director-b'], ['director-b', 'director-a']] as const) {
      const [pid] = await keepalivedPids(from);
      const since = Date.now();
      await lab.execOk(from, ['kill', '-TERM', pid!]);
      const vipAfter = await waitUntil(() => hasVip(to), 10_000, `VIP on ${to}`);
      const vipSeenAt = Date.now();
      const frame = await gateway.waitForFrame(to, 'vrrp', (f) => f.state === 'MASTER', 5000, since);
      console.log(`(d) graceful stop on ${from}: VIP on ${to} (polled) after ${Math.round(vipAfter)} ms; ${to}'s vrrp MASTER frame at the gateway ${frame.at - since} ms after the stop (${frame.at - vipSeenAt} ms relative to the poll that saw the VIP)`);
      expect(frame.at - vipSeenAt).toBeLessThan(1000);
      const restarted = await gateway.waitForFrame(from, 'event', (f) => f.kind === 'keepalived-restarted', 10_000, since);
      console.log(`(d) ${from}: keepalived restarted by its agent ${restarted.at - since} ms after the stop`);
      await gateway.waitForFrame(from, 'vrrp', (f) => f.state === 'BACKUP', 10_000, since);
      expect(await hasVip(from)).toBe(false);
    }
    expect(master()).toBe('director-a');
  });

  it('(d) SIGSTOP+SIGKILL both keepalived processes on the MASTER: its agent removes the VIP and restarts keepalived; only director-b holds the VIP (advert 0.1, VRRPv3)', async () => {
    const pids = await keepalivedPids('director-a');
    await lab.execOk('director-a', ['kill', '-STOP', ...pids]);
    const since = Date.now();
    await lab.execOk('director-a', ['kill', '-KILL', ...pids]);
    const killedAt = Date.now();
    const onB = await waitUntil(() => hasVip('director-b'), 5000, 'VIP on director-b');
    const removed = await gateway.waitForFrame('director-a', 'event', (f) => f.kind === 'vips-removed', 5000, since);
    const restarted = await gateway.waitForFrame('director-a', 'event', (f) => f.kind === 'keepalived-restarted', 5000, since);
    const died = await gateway.waitForFrame('director-a', 'event', (f) => f.kind === 'keepalived-died', 5000, since);
    console.log(`(d) crash: VIP on director-b ${Math.round(onB)} ms after SIGKILL (polled; exec round trip included); director-a agent: keepalived-died +${died.at - killedAt} ms, vips-removed +${removed.at - killedAt} ms, keepalived-restarted +${restarted.at - killedAt} ms`);
    const masterFrame = await gateway.waitForFrame('director-b', 'vrrp', (f) => f.state === 'MASTER', 5000, since);
    console.log(`(d) crash: director-b vrrp MASTER frame ${masterFrame.at - killedAt} ms after SIGKILL of the master's keepalived (advert 0.1 s, v3)`);
    expect(masterFrame.at - killedAt).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - killedAt))));
    expect([await hasVip('director-a'), await hasVip('director-b')]).toEqual([false, true]);
    expect(await lab.execOk('client', ['curl', '-sS', '--max-time', '5', `http://${VIP}/`])).toMatch(/^rs-[12]\n$/);
    const newPids = await keepalivedPids('director-a');
    expect(newPids[0]).not.toBe(pids[0]);
  });

  it('health: a failing HTTP check takes the destination to kernel weight 0 on both directors (configured weight kept); a passing one brings it back', async () => {
    const rs2 = `${lab.addressOf('rs-2')}:80`;
    const weightOf = async (d: string) => (await readLabTable(lab, d)).services[0]?.destinations.find((x) => `${x.address}:${x.port}` === rs2)?.weight;
    healthPort = 81; // nothing listens there: the check fails
    const since = Date.now();
    await sendDirectors();
    for (const d of DIRECTORS) {
      const down = await gateway.waitForFrame(d, 'health', (f) => f.state === 'DOWN', 10_000, since);
      console.log(`health: ${d} reports ${rs2} DOWN ${down.at - since} ms after the snapshot (interval 300 ms, fall 2): ${down.frame.message}`);
    }
    await waitUntil(async () => (await weightOf('director-a')) === 0 && (await weightOf('director-b')) === 0, 10_000, 'kernel weight 0 on both directors');
    expect(gateway.framesOf('director-a', 'drift').filter((r) => r.at >= since && r.frame.items.length > 0)).toEqual([]); // its own change, not drift
    healthPort = 80;
    const back = Date.now();
    await sendDirectors();
    await waitUntil(async () => (await weightOf('director-a')) === 1 && (await weightOf('director-b')) === 1, 10_000, 'weight 1 again');
    console.log(`health: weight restored ${Date.now() - back} ms after the check was fixed`);
    healthPort = null;
    await sendDirectors();
  });

  it('(e) server gone 30 s while the client sends requests: zero failures, table unchanged, agents reconnect by themselves', async () => {
    const before = await Promise.all(DIRECTORS.map((d) => readLabTable(lab, d)));
    const probe = [
      "const http=require('http');let ok=0,fail=0;const end=Date.now()+Number(process.argv[2]);",
      "function one(){if(Date.now()>end){console.log(JSON.stringify({ok,fail}));return;}",
      "const r=http.get({host:process.argv[1],path:'/',agent:false,timeout:3000},res=>{res.resume();res.on('end',()=>{res.statusCode===200?ok++:fail++;setTimeout(one,100)})});",
      "r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',()=>{fail++;setTimeout(one,100)});}one();",
    ].join('');
    const load = lab.execOk('client', [process.execPath, '-e', probe, VIP, '34000'], { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await gateway.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 30_000));
    for (const [i, d] of DIRECTORS.entries()) expect(await readLabTable(lab, d)).toEqual(before[i]);
    expect([await hasVip('director-a'), await hasVip('director-b')]).toEqual([false, true]);
    await gateway.restart();
    const downSeconds = Math.round((Date.now() - stoppedAt) / 1000);
    const reconnect = await Promise.all([...agents.keys()].map((h) => gateway.waitForConnection(h, 40_000)));
    const result = JSON.parse(await load) as { ok: number; fail: number };
    console.log(`(e) server stopped ${downSeconds} s: client ${result.ok} ok / ${result.fail} failed; agents reconnected ${Math.max(...reconnect)} ms after the server came back (30 s backoff step)`);
    expect(result.fail).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
  }, 120_000);

  it('(e) agent restart: no flush, keepalived re-adopted, the next snapshot is 0 changes', async () => {
    const before = await readLabTable(lab, 'director-a');
    const pidsBefore = await keepalivedPids('director-a');
    const agent = agents.get('director-a')!;
    const since = Date.now();
    const exit = await agent.stop();
    expect(exit.exitCode).toBe(0);
    await waitUntil(() => gateway.closes.some((c) => c.node === 'director-a' && c.code === 1001 && c.at >= since), 5000, 'close 1001');
    expect(await readLabTable(lab, 'director-a')).toEqual(before);
    expect(await keepalivedPids('director-a')).toEqual(pidsBefore); // keepalived outlives the agent
    agents.set('director-a', await spawnAgent(lab, files, 'director-a', gateway));
    await gateway.waitForConnection('director-a', 30_000);
    expect(gateway.hellos.at(-1)).toMatchObject({ node: 'director-a', lastAppliedGeneration: generation });
    expect((await agents.get('director-a')!.readLog()).includes('keepalived-adopted')).toBe(true);
    gateway.send('director-a', directorFrame('director-a', generation));
    const applied = await gateway.waitForFrame('director-a', 'applied', (f) => f.generation === generation, 30_000, since);
    console.log(`(e) restarted agent re-applied generation ${generation}: ${JSON.stringify(applied.frame)}`);
    expect(applied.frame).toMatchObject({ status: 'applied', changes: 0 });
    expect(await readLabTable(lab, 'director-a')).toEqual(before);
    expect(await keepalivedPids('director-a')).toEqual(pidsBefore);
    expect(gateway.framesOf('director-a', 'event').filter((e) => e.at >= since && e.frame.kind.startsWith('keepalived-'))).toEqual([]);
  });

  it('(e) ipvsadm -a typed by hand is reported as drift and left alone; revertDrift removes it', async () => {
    const since = Date.now();
    await lab.execOk('director-a', ['ipvsadm', '-a', '-t', `${VIP}:80`, '-r', '198.18.0.15:80', '-g', '-w', '1']);
    const drift = await gateway.waitForFrame('director-a', 'drift', (f) => f.items.length > 0, 10_000, since);
    console.log(`(e) drift reported ${drift.at - since} ms after the hand edit (reconcile every 2 s): ${JSON.stringify(drift.frame.items)}`);
    expect(drift.frame.items).toEqual([expect.objectContaining({ kind: 'ipvs-destination', change: 'unexpected', key: `TCP ${VIP}:80 198.18.0.15:80` })]);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await readLabTable(lab, 'director-a')).services[0]?.destinations).toHaveLength(3);
    const g = ++generation;
    gateway.send('director-a', directorFrame('director-a', g, true));
    gateway.send('director-b', directorFrame('director-b', g));
    expect((await gateway.waitForFrame('director-a', 'applied', (f) => f.generation === g, 30_000)).frame).toMatchObject({ status: 'applied', changes: 1 });
    expect((await readLabTable(lab, 'director-a')).services[0]?.destinations).toHaveLength(2);
    await gateway.waitForFrame('director-a', 'drift', (f) => f.items.length === 0, 5000, since);
  });

  it('(f) snapshots carrying command-like strings are rejected with error frames; nothing is applied', async () => {
    const before = await readLabTable(lab, 'director-a');
    const good = directorFrame('director-a', generation + 1);
    const nasty = '$(touch /tmp/pwned-agent)';
    const node = good.node as Extract<SnapshotFrame['node'], { role: 'DIRECTOR' }>;
    const instance = node.keepalived!.instances[0]!;
    const variants: Array<[string, unknown]> = [
      ['service address', { ...node, ipvs: { services: [{ ...node.ipvs.services[0], address: nasty }] } }],
      ['scheduler', { ...node, ipvs: { services: [{ ...node.ipvs.services[0], scheduler: 'wrr; id' }] } }],
      ['destination address', { ...node, ipvs: { services: [{ ...node.ipvs.services[0], destinations: [{ address: '`id`', port: 80, forwarding: 'DR', weight: 1 }] }] } }],
      ['VIP interface', { ...node, addresses: [{ address: VIP, prefix: 24, dev: 'eth0 && id' }] }],
      ['address label', { ...node, addresses: [{ address: VIP, prefix: 24, dev: 'eth0', label: 'eth0:$(id)' }] }],
      ['keepalived router id', { ...node, keepalived: { ...node.keepalived, routerId: 'a\nvrrp_script x {' } }],
      ['keepalived interface', { ...node, keepalived: { ...node.keepalived, instances: [{ ...instance, interface: 'eth0;reboot' }] } }],
      ['keepalived notify fifo', { ...node, keepalived: { ...node.keepalived, notifyFifo: '/tmp/x; touch /tmp/pwned-agent' } }],
      ['sysctl key', { ...node, sysctls: [{ key: 'kernel.core_pattern', value: 1 }] }],
      ['health check path', { ...node, healthChecks: [{ serviceKey: `TCP ${VIP}:80`, destinationKey: `${lab.addressOf('rs-1')}:80`, address: lab.addressOf('rs-1'), port: 80, kind: 'HTTP', httpPath: '/ $(id)' }] }],
      ['health check key', { ...node, healthChecks: [{ serviceKey: nasty, destinationKey: `${lab.addressOf('rs-1')}:80`, address: lab.addressOf('rs-1'), port: 80, kind: 'TCP' }] }],
      ['NUL in a name', { ...node, keepalived: { ...node.keepalived, routerId: 'a\u0000b' } }],
    ];
    const since = Date.now();
    for (const [, bad] of variants) gateway.sendRaw('director-a', JSON.stringify({ v: PROTOCOL_VERSION, type: 'snapshot', generation: generation + 1, revertDrift: true, node: bad }));
    await waitUntil(() => gateway.framesOf('director-a', 'error').filter((e) => e.at >= since).length >= variants.length, 10_000, 'an error frame per hostile snapshot');
    const errors = gateway.framesOf('director-a', 'error').filter((e) => e.at >= since).map((e) => e.frame);
    variants.forEach(([name], i) => console.log(`(f) ${name}: ${errors[i]?.code} ${errors[i]?.message}`));
    expect(errors.every((e) => e.code === 'INVALID_FRAME')).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(gateway.framesOf('director-a', 'applied').filter((a) => a.at >= since)).toEqual([]);
    expect(await readLabTable(lab, 'director-a')).toEqual(before);
    expect((await lab.exec('director-a', ['test', '-e', '/tmp/pwned-agent'])).exitCode).not.toBe(0);
    expect(await lab.execOk('director-a', ['cat', `${files.root}/director-a/keepalived.conf`])).not.toContain('pwned');
  });
});
