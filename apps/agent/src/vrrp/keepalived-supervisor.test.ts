import { describe, expect, it } from 'vitest';
import { KeepalivedConfig } from '@fulcrum/lvs/keepalived/model';
import { createFakeHost } from '../host/fake-host';
import { silentLogger } from '../log/logger';
import { ManualClock } from '../testing/manual-clock';
import { KeepalivedSupervisor } from './keepalived-supervisor';
import { parseNotifyLine } from './parse-notify-line';

const flush = () => new Promise((r) => setImmediate(r));
const config = (priority: number) =>
  KeepalivedConfig.parse({
    routerId: 'director-a',
    instances: [{ name: 'VI_1', state: 'MASTER', interface: 'eth0', virtualRouterId: 51, priority, virtualIpAddresses: [{ address: '198.18.0.110', prefix: 24, dev: 'eth0' }] }],
  });

function setup() {
  const host = createFakeHost();
  const clock = new ManualClock();
  const events: string[] = [];
  const vrrp: string[] = [];
  const supervisor = new KeepalivedSupervisor(host.keepalived, host.addresses, clock, { event: (kind) => events.push(kind), vrrp: (f) => vrrp.push(`${f.instance} ${f.state} ${f.priority}`) }, silentLogger);
  return { host, clock, events, vrrp, supervisor };
}

describe('notify FIFO lines', () => {
  it('parses instance lines with and without priority, ignores checker lines', () => {
    expect(parseNotifyLine('INSTANCE "VI_1" MASTER 150')).toEqual({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 });
    expect(parseNotifyLine('INSTANCE "VI_1" BACKUP')).toEqual({ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: null });
    expect(parseNotifyLine('INSTANCE "VI_1" DELETED 0')?.state).toBe('UNKNOWN');
    expect(parseNotifyLine('RS 198.18.0.13:80 UP')).toBeNull();
    expect(parseNotifyLine('INSTANCE "a" MASTER 150; rm -rf /')).toBeNull();
  });
});

describe('keepalived supervision', () => {
  it('starts keepalived with the agent FIFO in the config, reloads only when the VRRP config changes', async () => {
    const { host, supervisor } = setup();
    await supervisor.start();
    expect((await supervisor.update(config(150))).changes).toBe(1);
    expect(host.keepalivedState.config).toContain('vrrp_notify_fifo /run/fulcrum-agent/vrrp-notify.fifo');
    expect(host.calls).toEqual(['keepalived start']);
    expect((await supervisor.update(config(150))).changes).toBe(0);
    expect((await supervisor.update(config(120))).changes).toBe(1);
    expect(host.calls).toEqual(['keepalived start', 'keepalived SIGHUP']);
  });

  it('reports VRRP state from the FIFO the moment a line arrives', async () => {
    const { host, supervisor, vrrp } = setup();
    await supervisor.start();
    await supervisor.update(config(150));
    host.writeFifo('INSTANCE "VI_1" MASTER 150');
    expect(vrrp).toEqual(['VI_1 MASTER 150']);
    expect(supervisor.currentStates()).toMatchObject([{ instance: 'VI_1', state: 'MASTER' }]);
  });

  it('when keepalived dies: removes the VIPs it left, reports, restarts it; a second quick death waits', async () => {
    const { host, clock, supervisor, events, vrrp } = setup();
    await supervisor.start();
    await supervisor.update(config(150));
    host.writeFifo('INSTANCE "VI_1" MASTER 150');
    host.kernel.interfaces.get('eth0')!.addresses.push({ address: '198.18.0.110', prefix: 24, dev: 'eth0' }); // what keepalived added
    host.keepalivedState.processes[0]!.kill({ code: null, signal: 'SIGKILL' });
    await flush();
    await flush();
    expect(host.kernel.interfaces.get('eth0')!.addresses.map((a) => a.address)).toEqual(['198.18.0.11']);
    expect(events).toEqual(['keepalived-died', 'vips-removed']);
    expect(vrrp.at(-1)).toBe('VI_1 STOP 150');
    clock.advance(0);
    await flush();
    expect(host.keepalivedState.processes).toHaveLength(2);
    expect(events.at(-1)).toBe('keepalived-restarted');
    host.keepalivedState.processes[1]!.kill();
    await flush();
    await flush();
    clock.advance(500);
    await flush();
    expect(host.keepalivedState.processes).toHaveLength(2);
    clock.advance(600);
    await flush();
    expect(host.keepalivedState.processes).toHaveLength(3);
  });

  it('leaves keepalived running when the agent stops, and re-adopts it', async () => {
    const { host, supervisor } = setup();
    await supervisor.start();
    await supervisor.update(config(150));
    supervisor.stop();
    host.keepalivedState.processes[0]!.kill();
    await flush();
    expect(host.calls).toEqual(['keepalived start']); // no restart, no VIP removal, no signal
    const next = setup();
    Object.assign(next.host.keepalivedState, { config: host.keepalivedState.config, adoptable: { pid: 4242, exited: new Promise(() => undefined) } });
    const adopting = new KeepalivedSupervisor(next.host.keepalived, next.host.addresses, next.clock, { event: () => undefined, vrrp: () => undefined }, silentLogger);
    await adopting.start();
    expect((await adopting.update({ ...config(150), vrrpNotifyFifo: null })).changes).toBe(0);
    expect(next.host.calls).toEqual([]);
  });
});
