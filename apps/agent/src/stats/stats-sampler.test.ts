import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsFrame } from '@fulcrum/protocol/frames';
import { createFakeHost } from '../host/fake-host';
import type { IpvsHost } from '../host/host';
import type { Logger } from '../log/logger';
import { StatsSampler, SYNC_DAEMON_FOLLOW_UP_MS } from './stats-sampler';

// /proc/net/ip_vs with one DR service and one destination; --stats listing of the same table.
const PROC = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C6120064:0050 wrr
  -> C612000D:0050      Route   1      2          5
`;
const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  198.18.0.100:80                     7       15        0     1032        0
  -> 198.18.0.13:80                      7       15        0     1032        0
`;

function setup(intervals = { statsIntervalMs: 1000, rateIntervalMs: 2000, kernelTableIntervalMs: 10_000 }) {
  const host = createFakeHost();
  const ipvs: IpvsHost = { ...host.ipvs, readProcTable: async () => PROC, readStatsListing: async () => STATS };
  const frames: StatsFrame[] = [];
  const warnings: string[] = [];
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: (event) => warnings.push(event), error: () => undefined };
  const sampler = new StatsSampler(ipvs, intervals, (frame) => frames.push(StatsFrame.parse(frame)), log);
  return { host, ipvs, sampler, frames, warnings };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StatsSampler: sync daemons', () => {
  it('reads them with the kernel table (every kernelTableIntervalMs) and sends them in the stats frame', async () => {
    const { host, sampler, frames } = setup();
    host.kernel.syncDaemons = [{ role: 'master', interface: 'eth0', syncId: 51 }];
    await sampler.sampleOnce(100_000);
    expect(frames[0]).toMatchObject({ sampledAt: 100_000, syncDaemons: [{ role: 'master', interface: 'eth0', syncId: 51 }] });
    expect(frames[0]?.kernelTable).toBeDefined();
    expect(frames[0]?.destinations[0]).toMatchObject({ activeConn: 2, inactConn: 5 });
    await sampler.sampleOnce(101_000);
    expect(frames[1]).not.toHaveProperty('syncDaemons');
    expect(frames[1]).not.toHaveProperty('kernelTable');
    host.kernel.syncDaemons = [];
    await sampler.sampleOnce(110_000);
    expect(frames[2]).toMatchObject({ syncDaemons: [] });
  });

  it('a failed read is sent as null (unknown), warned once, and never stops the stats', async () => {
    const { host, sampler, frames, warnings } = setup();
    host.failWhen = (call) => call === 'ipvsadm -L --daemon';
    await sampler.sampleOnce(100_000);
    await sampler.sampleOnce(110_000);
    expect(frames.map((f) => f.syncDaemons)).toEqual([null, null]);
    expect(frames[1]?.services).toHaveLength(1);
    expect(warnings).toEqual(['sync-daemon-read-failed']);
    host.failWhen = null;
    host.kernel.syncDaemons = [{ role: 'backup', interface: 'eth0', syncId: 51 }];
    await sampler.sampleOnce(120_000);
    expect(frames[2]?.syncDaemons).toEqual([{ role: 'backup', interface: 'eth0', syncId: 51 }]);
  });

  it('after a VRRP change: a stats frame with the new role as soon as a follow-up read sees it, none when nothing changed', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { host, sampler, frames } = setup({ statsIntervalMs: 60_000, rateIntervalMs: 60_000, kernelTableIntervalMs: 600_000 });
    host.kernel.syncDaemons = [{ role: 'backup', interface: 'eth0', syncId: 51 }];
    await sampler.sampleOnce(Date.now());
    expect(frames).toHaveLength(1);
    sampler.start();
    // keepalived switches the daemon a little after the FIFO line: the first follow-up still sees backup
    sampler.followVrrpChange();
    await vi.advanceTimersByTimeAsync(SYNC_DAEMON_FOLLOW_UP_MS[0]);
    expect(frames).toHaveLength(1);
    host.kernel.syncDaemons = [{ role: 'master', interface: 'eth0', syncId: 51 }];
    await vi.advanceTimersByTimeAsync(SYNC_DAEMON_FOLLOW_UP_MS[1] - SYNC_DAEMON_FOLLOW_UP_MS[0]);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toMatchObject({ sampledAt: 1_000_000 + SYNC_DAEMON_FOLLOW_UP_MS[1], syncDaemons: [{ role: 'master', interface: 'eth0', syncId: 51 }] });
    expect(frames[1]?.services).toHaveLength(1);
    expect(frames[1]).not.toHaveProperty('kernelTable');
    await vi.advanceTimersByTimeAsync(5000);
    expect(frames).toHaveLength(2);
    sampler.stop();
  });

  it('after a (re)connect (start) the first sample carries them, without waiting for the table interval', async () => {
    const { host, sampler, frames } = setup();
    await sampler.sampleOnce(100_000);
    host.kernel.syncDaemons = [{ role: 'backup', interface: 'eth0', syncId: 51 }];
    sampler.start();
    sampler.stop();
    await sampler.sampleOnce(101_000);
    expect(frames[1]).toMatchObject({ syncDaemons: [{ role: 'backup', interface: 'eth0', syncId: 51 }] });
    expect(frames[1]).not.toHaveProperty('kernelTable');
  });

  it('a follow-up that arrives while a sample runs is done right after it', async () => {
    const { host, ipvs, sampler, frames } = setup();
    await sampler.sampleOnce(100_000);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const readProcTable = ipvs.readProcTable;
    ipvs.readProcTable = async () => (await gate, readProcTable());
    sampler.start();
    const running = sampler.sampleOnce(100_500);
    host.kernel.syncDaemons = [{ role: 'master', interface: 'eth0', syncId: 51 }];
    await sampler.sampleOnce(100_600, { onlyIfSyncDaemonsChanged: true }); // busy: remembered
    ipvs.readProcTable = readProcTable;
    release();
    await running;
    await vi.waitFor(() => expect(frames.at(-1)?.syncDaemons).toEqual([{ role: 'master', interface: 'eth0', syncId: 51 }]));
    sampler.stop();
  });
});
