import type { LabProcess } from '@fulcrum/lab/lab';
import { DIRECTORS, REAL_SERVERS, type LabSession } from '../lab/lab-session';
import type { FigureBook } from '../report';

// 5. Failover. Two DR services on the pair's second VIP through the product: HTTP :80 (the lab's real
// servers) and a line echo :7000 (bench-guest echo-server on rs-1/rs-2). Per trial, director-a's
// keepalived (MASTER) gets SIGTERM from a guest process that stamps the moment; then:
//   keepalived's own transition   stop → the VIP appears on director-b (`ip monitor address` there)
//   server records it             stop → live.onCluster shows director-b MASTER (the UI's view; the
//                                 event is on the node timeline too)
//   failback                      the agent restarts keepalived at once (then after 1, 2, 4 … s when it
//                                 keeps dying within a minute); director-a takes the VIP back
//                                 (priority 150 > 100, preemption): VIP on director-a, live view
// Clients (in the `client` namespace):
//   short requests   one new connection per request (1 s timeout) back to back, from 1 s before the
//                    stop until 1 s after the failback: share that succeeded
//   held conns       20 connections opened through the VIP before the stop; one more line on each
//                    while director-b is MASTER and again after the failback: how many still answer.
// Each trial runs with the kernel's connection sync (lvs_sync_daemon, which the product always
// configures) on, and with it stopped (`ipvsadm --stop-daemon` on both directors before the
// connections open); keepalived starts the daemons again at its next transition.

const HELD = 20;

type Trial = {
  sync: boolean;
  vipOnB: number | null;
  serverSawB: number | null;
  vipBackOnA: number | null;
  serverSawA: number | null;
  requestOk: number;
  requestTotal: number;
  heldDuringB: number;
  heldAfter: number;
  syncedOnB: number;
};

async function lastJsonLine<T>(process: LabProcess, match: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = (await process.readLog()).split('\n').filter((l) => l.startsWith('{'));
    for (const line of lines.reverse()) {
      const value = JSON.parse(line) as T;
      if (match(value)) return value;
    }
    if (Date.now() > deadline) throw new Error(`${process.argv.join(' ')}: no matching line within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function vipAddedAt(monitor: LabProcess, vip: string, since: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of (await monitor.readLog()).split('\n')) {
      const m = /^(\d+) (.*)$/.exec(line);
      if (m && Number(m[1]) >= since && !m[2]!.startsWith('Deleted') && m[2]!.includes(` ${vip}/32 `)) return Number(m[1]);
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `repeat` failover trials with connection sync on, then `repeat` with it off. */
export async function measureFailover(session: LabSession, book: FigureBook, options: { repeat: number }): Promise<void> {
  const { lab, api } = session;
  const vip = session.vips.failover;
  const services: Array<{ id: string; version: number }> = [];
  for (const port of [80, 7000]) {
    const service = await api.mutate<{ id: string; version: number }>('service.create', { clusterId: session.clusterId, haPairId: session.pairId, protocol: 'TCP', address: vip, port, scheduler: 'wrr' });
    services.push(service);
    for (const rs of REAL_SERVERS) await api.mutate('realServer.create', { virtualServiceId: service.id, address: lab.addressOf(rs), port, weight: 1, forwarding: 'DR', nodeId: session.nodeIds[rs] });
  }
  for (const rs of REAL_SERVERS) {
    const echo = await session.spawnGuest(rs, ['echo-server', '--port', '7000', '--name', rs], 'echo-server');
    await echo.waitForLog('listening', 30_000);
  }
  const monitors = new Map<string, LabProcess>();
  for (const d of DIRECTORS) {
    const monitor = await session.spawnGuest(d, ['address-monitor'], 'address-monitor');
    await monitor.waitForLog('monitoring', 30_000);
    monitors.set(d, monitor);
  }
  // the real servers got the VIP on lo from their agents: the client is served through the pair
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await lab.exec('client', ['curl', '-sS', '--max-time', '2', `http://${vip}/`]);
    if (r.exitCode === 0 && /rs-\d/.test(r.stdout)) break;
    if (Date.now() > deadline) throw new Error(`failover service not served through ${vip}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 500));
  }

  const trials: Trial[] = [];
  for (const sync of [true, false]) {
    for (let i = 0; i < options.repeat; i++) {
      trials.push(await runTrial(session, monitors, vip, sync));
      const t = trials.at(-1)!;
      session.say(
        `failover (sync ${sync ? 'on' : 'off'}) ${i + 1}/${options.repeat}: VIP on B +${t.vipOnB} ms, server shows B MASTER +${t.serverSawB} ms; back on A +${t.vipBackOnA} ms (server +${t.serverSawA} ms); requests ${t.requestOk}/${t.requestTotal}; held ${t.heldDuringB}/${HELD} during, ${t.heldAfter}/${HELD} after (synced entries on B: ${t.syncedOnB})`,
      );
    }
  }
  for (const m of monitors.values()) await m.stop();

  const num = (v: number | null) => v ?? NaN;
  for (const sync of [true, false]) {
    const mine = trials.filter((t) => t.sync === sync);
    const size = sync ? 'sync on' : 'sync off';
    if (sync) {
      // the VRRP transition itself does not depend on connection sync: all trials
      book.add({ section: 'failover', size: 'all trials', id: 'ka', kind: 'reference', label: "keepalived's transition: SIGTERM on A → VIP on B", unit: 'ms', samples: trials.map((t) => num(t.vipOnB)) });
      book.add({ section: 'failover', size: 'all trials', id: 'server', kind: 'fulcrum', label: 'Fulcrum: SIGTERM on A → live view shows B MASTER', unit: 'ms', samples: trials.map((t) => num(t.serverSawB)) });
      book.add({ section: 'failover', size: 'all trials', id: 'lag', kind: 'fulcrum', label: 'Fulcrum: VIP on B → live view shows B MASTER', unit: 'ms', samples: trials.map((t) => num(t.serverSawB) - num(t.vipOnB)) });
      book.add({ section: 'failover', size: 'all trials', id: 'back', kind: 'context', label: 'SIGTERM on A → A holds the VIP again (agent restarted keepalived)', unit: 'ms', samples: trials.map((t) => num(t.vipBackOnA)) });
      book.add({ section: 'failover', size: 'all trials', id: 'back-server', kind: 'context', label: 'A holds the VIP again → live view shows A MASTER', unit: 'ms', samples: trials.map((t) => num(t.serverSawA) - num(t.vipBackOnA)) });
      book.compare('failover', 'all trials', 'server', ['ka']);
    }
    book.add({ section: 'failover', size, id: 'requests', kind: 'fulcrum', label: 'short requests succeeded across failover + failback', unit: '%', samples: mine.map((t) => (100 * t.requestOk) / Math.max(1, t.requestTotal)) });
    book.add({ section: 'failover', size, id: 'requests-failed', kind: 'context', label: 'short requests failed per trial', unit: 'count', samples: mine.map((t) => t.requestTotal - t.requestOk) });
    book.add({ section: 'failover', size, id: 'synced', kind: 'context', label: `entries for the ${HELD} held connections in B's table before the stop`, unit: 'count', samples: mine.map((t) => t.syncedOnB) });
    book.add({ section: 'failover', size, id: 'held-b', kind: 'fulcrum', label: `held connections answering while B is MASTER (of ${HELD})`, unit: 'count', samples: mine.map((t) => t.heldDuringB) });
    book.add({ section: 'failover', size, id: 'held-after', kind: 'fulcrum', label: `held connections answering after the failback to A (of ${HELD})`, unit: 'count', samples: mine.map((t) => t.heldAfter) });
  }
  await api.mutateBatch('service.delete', services.map((s) => ({ id: s.id, version: s.version })));
}

async function runTrial(session: LabSession, monitors: Map<string, LabProcess>, vip: string, sync: boolean): Promise<Trial> {
  const { lab } = session;
  await session.live.waitFor((d) => d.vrrp['director-a'] === 'MASTER' && d.vrrp['director-b'] === 'BACKUP', 120_000);
  // the VIP must be on A and not on B (a failback may still be settling)
  for (const deadline = Date.now() + 60_000; ; ) {
    const [a, b] = await Promise.all(DIRECTORS.map((d) => lab.execOk(d, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])));
    if (a!.includes(` ${vip}/32 `) && !b!.includes(` ${vip}/32 `)) break;
    if (Date.now() > deadline) throw new Error('VIP not settled on director-a');
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!sync) {
    await lab.exec('director-a', ['ipvsadm', '--stop-daemon', 'master']);
    await lab.exec('director-b', ['ipvsadm', '--stop-daemon', 'backup']);
  }
  const holder = await session.spawnGuest('client', ['hold-connections', '--host', vip, '--port', '7000', '--count', String(HELD)], 'hold');
  const opened = await lastJsonLine<{ probe: number; ok: number; ports: number[] }>(holder, (v) => v.probe === 0, 60_000);
  if (opened.ok !== HELD) session.say(`failover: only ${opened.ok}/${HELD} held connections answered before the stop`);
  // the sync daemon sends a connection after its 3rd packet and flushes its buffer within ≈ 2 s
  await new Promise((r) => setTimeout(r, 3000));
  // B's entries for exactly these connections (earlier trials' entries linger until their timeout)
  const client = lab.addressOf('client');
  const mine = new Set(opened.ports.map((p) => `${client}:${p}`));
  const synced = (await lab.execOk('director-b', ['ipvsadm', '-L', '-n', '-c'])).split('\n').filter((l) => l.includes(`${vip}:7000`) && l.split(/\s+/).some((f) => mine.has(f))).length;
  const loop = await session.spawnGuest('client', ['request-loop', '--host', vip, '--gap', '20'], 'request-loop');
  await new Promise((r) => setTimeout(r, 2500)); // node start in the guest, then 1 s of requests before the stop
  const keepalivedPid = (await lab.execOk('director-a', ['cat', '/run/fulcrum-agent-director-a/keepalived.pid'])).trim();
  const stoppedAt = (JSON.parse(await session.guest('director-a', ['signal', '--pid', keepalivedPid, '--signal', 'SIGTERM'])) as { at: number }).at;
  const vipOnB = await vipAddedAt(monitors.get('director-b')!, vip, stoppedAt, 30_000);
  const sawB = await session.live.waitFor((d) => d.vrrp['director-b'] === 'MASTER', 30_000, stoppedAt).catch(() => null);
  await holder.signal('SIGUSR1');
  const during = await lastJsonLine<{ probe: number; ok: number }>(holder, (v) => v.probe === 1, 30_000);
  const vipBackOnA = await vipAddedAt(monitors.get('director-a')!, vip, stoppedAt, 90_000);
  const sawA = await session.live.waitFor((d) => d.vrrp['director-a'] === 'MASTER' && d.vrrp['director-b'] === 'BACKUP', 90_000, vipBackOnA ?? stoppedAt).catch(() => null);
  await new Promise((r) => setTimeout(r, 1000));
  await holder.signal('SIGUSR1');
  const after = await lastJsonLine<{ probe: number; ok: number }>(holder, (v) => v.probe === 2, 30_000);
  await holder.stop();
  const endOfWindow = (vipBackOnA ?? Date.now()) + 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, endOfWindow + 200 - Date.now())));
  await loop.stop({ timeoutMs: 10_000 });
  const { results } = await lastJsonLine<{ results: Array<[number, 0 | 1]> }>(loop, (v) => Array.isArray(v.results), 60_000);
  const window = results.filter(([at]) => at >= stoppedAt - 1000 && at <= endOfWindow);
  return {
    sync,
    vipOnB: vipOnB === null ? null : vipOnB - stoppedAt,
    serverSawB: sawB ? sawB.receivedAt - stoppedAt : null,
    vipBackOnA: vipBackOnA === null ? null : vipBackOnA - stoppedAt,
    serverSawA: sawA ? sawA.receivedAt - stoppedAt : null,
    requestOk: window.filter(([, ok]) => ok === 1).length,
    requestTotal: window.length,
    heldDuringB: during.ok,
    heldAfter: after.ok,
    syncedOnB: synced,
  };
}
