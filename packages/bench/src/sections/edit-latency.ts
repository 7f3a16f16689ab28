import { clusterGeneration, type CreatedService } from '../lab/bulk-table';
import { DIRECTORS, readAgentApplies, readStampedLog, type LabSession } from '../lab/lab-session';
import type { FigureBook } from '../report';
import type { ReferenceRuns } from './references';

// 1. Edit latency: one realServer.setWeight through the API on a table of N destinations.
//   API call       request sent → answer (the commit)
//   both kernels   request sent → the new weight in both directors' /proc/net/ip_vs. One guest
//                  watcher reads, every 5 ms, only the first bytes of each director's listing up to
//                  the edited destination (seq_file generates just those records), so polling costs
//                  next to nothing even at 10,000; the destination is the one whose service comes
//                  earliest in both directors' hash-ordered listings.
//   applied        request sent → live.onCluster shows both directors applied at the new generation
//   live weight    request sent → live.onCluster shows the new kernel weight of both directors
//                  (it comes with the agents' next stats frame: ≤ 1 s later by design)
// References in the ref namespace: one `ipvsadm -e` process; keepalived reloaded (SIGHUP) with the
// weight changed in its virtual_server config of the same N.

/** The /proc/net/ip_vs service order of a director, as "ip:port" of each service line. */
async function serviceOrder(session: LabSession, pid: number): Promise<string[]> {
  const text = await session.lab.execOk('guest', ['cat', `/proc/${pid}/net/ip_vs`], { timeoutMs: 60_000 });
  return text
    .split('\n')
    .filter((l) => l.startsWith('TCP  '))
    .map((l) => l.split(/\s+/)[1]!);
}

function procEndpoint(address: string, port: number): string {
  return `${address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase()}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Measures `repeat` weight edits on the table the convergence section left. */
export async function measureEditLatency(session: LabSession, book: FigureBook, options: { n: number; repeat: number; table: CreatedService[]; references: ReferenceRuns | null }): Promise<void> {
  const { n, repeat, table } = options;
  const size = n.toLocaleString('en-US');
  // the service that comes earliest in both directors' listings: the watcher reads only up to it
  const orders = await Promise.all(DIRECTORS.map((d) => serviceOrder(session, session.agentPid[d])));
  const rank = (s: CreatedService) => Math.max(...orders.map((o) => o.indexOf(procEndpoint(session.vips.bulk, s.port))));
  const service = [...table].sort((a, b) => rank(a) - rank(b))[0]!;
  const target = service.realServers[0]!;
  session.watchRealServer.id = target.id;
  const pids = DIRECTORS.map((d) => session.agentPid[d]);
  const watcher = await session.spawnGuest('guest', ['watch-weight', '--pids', pids.join(','), '--service', `${session.vips.bulk}:${service.port}`, '--destination', `${target.address}:${service.port}`], `weight-watch-${n}`);
  const api: number[] = [];
  const kernels: number[] = [];
  const perDirector: number[] = [];
  const applied: number[] = [];
  const liveWeight: number[] = [];
  const transit: number[] = [];
  const applyMs: number[] = [];
  try {
    await waitForWeights(watcher, pids, 1, 0, 60_000);
    let version = target.version;
    let generation = await clusterGeneration(session.api, session.clusterId);
    for (let i = 0; i < repeat; i++) {
      const weight = (i % 7) + 2;
      const t0 = Date.now();
      const updated = await session.api.mutate<{ version: number }>('realServer.setWeight', { id: target.id, version, weight });
      const committed = Date.now();
      version = updated.version;
      generation += 1;
      const seen = await waitForWeights(watcher, pids, weight, t0, 120_000);
      const shown = await session.live.waitFor((d) => d.generation >= generation && DIRECTORS.every((name) => d.nodes[name]?.applyState === 'applied' && (d.nodes[name]?.appliedGeneration ?? 0) >= generation), 120_000, t0);
      const weightShown = await session.live.waitFor((d) => DIRECTORS.every((name) => d.watchedWeights?.[name] === weight), 60_000, t0).catch(() => null);
      api.push(committed - t0);
      kernels.push(Math.max(...seen) - t0);
      perDirector.push(...seen.map((t) => t - t0));
      applied.push(shown.receivedAt - t0);
      if (weightShown) liveWeight.push(weightShown.receivedAt - t0);
      // director-a's own account: when the snapshot arrived, how long its apply took
      const apply = (await readAgentApplies(session.agents.get('director-a')!)).find((a) => a.generation === generation);
      if (apply?.receivedAt != null) transit.push(apply.receivedAt - t0);
      if (apply) applyMs.push(apply.durationMs);
      session.say(`edit ${size}: weight ${weight}: API ${committed - t0} ms, kernels ${seen.map((t) => t - t0).join(' / ')} ms, applied shown ${shown.receivedAt - t0} ms, live weight ${weightShown ? weightShown.receivedAt - t0 : '—'} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
    target.version = version;
  } finally {
    session.watchRealServer.id = null;
    await watcher.stop();
  }
  book.add({ section: 'edit', size, id: 'api', kind: 'context', label: 'API call realServer.setWeight (commit)', unit: 'ms', samples: api });
  const main = book.add({
    section: 'edit', size, id: 'kernels', kind: 'fulcrum', label: 'Fulcrum: API call → new weight in both kernels', unit: 'ms', samples: kernels,
    target: { text: 'p99 ≤ 100 ms and median < keepalived reload median', met: null },
  });
  book.add({ section: 'edit', size, id: 'transit', kind: 'context', label: 'API call → snapshot received by director-a (its log)', unit: 'ms', samples: transit });
  book.add({ section: 'edit', size, id: 'agent-apply', kind: 'context', label: "director-a agent's apply (read kernel, diff, ipvsadm, read back)", unit: 'ms', samples: applyMs });
  book.add({ section: 'edit', size, id: 'per-director', kind: 'context', label: 'API call → new weight in one director', unit: 'ms', samples: perDirector });
  book.add({ section: 'edit', size, id: 'applied', kind: 'fulcrum', label: 'Fulcrum: API call → live view shows both applied', unit: 'ms', samples: applied });
  book.add({ section: 'edit', size, id: 'live-weight', kind: 'context', label: 'API call → live view shows the new kernel weights (next stats frame)', unit: 'ms', samples: liveWeight });
  if (options.references) {
    book.add({ section: 'edit', size, id: 'ref-ipvsadm', kind: 'reference', label: 'ipvsadm -e in one director (process start → exit)', unit: 'ms', samples: options.references.edit });
    book.add({ section: 'edit', size, id: 'ref-keepalived', kind: 'reference', label: 'keepalived reload (SIGHUP) → weight in kernel', unit: 'ms', samples: options.references.keepalivedReload });
    for (const id of ['kernels', 'applied']) book.compare('edit', size, id, ['ref-ipvsadm', 'ref-keepalived']);
    const reload = book.find('edit', size, 'ref-keepalived')!.summary;
    main.target!.met = main.summary.p99 <= 100 && main.summary.median < reload.median;
  } else {
    main.target!.met = null;
  }
}

/** Times (ms) at which each pid's watched weight last became `weight` at or after `since`. */
async function waitForWeights(watcher: { readLog(): Promise<string> }, pids: number[], weight: number, since: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await readStampedLog(watcher);
    const seen = pids.map((pid) => {
      const mine = lines.filter((l) => l.key === String(pid));
      const last = mine.at(-1);
      return last && Number(last.value) === weight ? Math.max(last.at, since) : null;
    });
    if (seen.every((t) => t !== null)) return seen as number[];
    if (Date.now() > deadline) throw new Error(`weight ${weight} not in both kernels within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
