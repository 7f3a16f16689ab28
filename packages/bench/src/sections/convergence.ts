import type { LabProcess } from '@fulcrum/lab/lab';
import { clusterGeneration, createBulkTable, deleteBulkTable, type CreatedService } from '../lab/bulk-table';
import { DIRECTORS, readAgentApplies, readStampedLog, type LabSession } from '../lab/lab-session';
import type { FigureBook } from '../report';
import type { ReferenceRuns } from './references';

// 2. Convergence: empty table → N destinations created through the API. Timed from the host clock
// (the guest's is the same):
//   API writes     first request sent → the last write's answer (its commit)
//   both kernels   last write committed → both directors' /proc/net/ip_vs hold all N (one guest
//                  watcher reading /proc/<agent pid>/net/ip_vs of each director, at most a third of
//                  the time, since reading 10,000 lines costs ≈ 30 ms of the guest's one vCPU)
//   applied        last write committed → live.onCluster shows both directors applied at the
//                  generation of the last write
// References (same size, same boot): one `ipvsadm -R` batch, keepalived started with the table.

const CONVERGE_TIMEOUT_MS = 15 * 60_000;

/** What one convergence run measured (ms). */
type Run = { apiMs: number; kernelsMs: number; appliedMs: number; removeKernelsMs: number | null; snapshots: number; lastApplyMs: number; retried: number };

async function waitForCounts(watcher: LabProcess, pids: number[], expect: number, since: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await readStampedLog(watcher);
    const reached = pids.map((pid) => {
      const mine = lines.filter((l) => l.key === String(pid));
      const last = mine.at(-1);
      // the time the count last changed to its current value, if that value is the target
      return last && Number(last.value) === expect ? Math.max(last.at, since) : null;
    });
    if (reached.every((t) => t !== null)) return Math.max(...(reached as number[]));
    if (Date.now() > deadline) throw new Error(`kernels did not reach ${expect} destinations within ${timeoutMs} ms (last: ${pids.map((pid) => lines.filter((l) => l.key === String(pid)).at(-1)?.value).join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitApplied(session: LabSession, generation: number, since: number): Promise<number> {
  const event = await session.live.waitFor((d) => d.generation >= generation && DIRECTORS.every((n) => d.nodes[n]?.applyState === 'applied' && (d.nodes[n]?.appliedGeneration ?? 0) >= generation), CONVERGE_TIMEOUT_MS, since);
  return event.receivedAt;
}

/**
 * Runs `repeat` convergences of N destinations; every run but the last deletes the table again
 * (timed too, as context). Returns the table the last run left, for the edit and agent sections.
 */
export async function measureConvergence(session: LabSession, book: FigureBook, options: { n: number; repeat: number; references: ReferenceRuns | null; record: boolean }): Promise<CreatedService[]> {
  const { n, repeat } = options;
  const size = n.toLocaleString('en-US');
  const pids = DIRECTORS.map((d) => session.agentPid[d]);
  const watcher = await session.spawnGuest('guest', ['watch-count', '--pids', pids.join(',')], `count-watch-${n}`);
  const runs: Run[] = [];
  let table: CreatedService[] = [];
  try {
    await waitForCounts(watcher, pids, 0, 0, 60_000);
    for (let i = 0; i < repeat; i++) {
      const t0 = Date.now();
      const writes = { retried: 0 };
      table = await createBulkTable(session.api, { clusterId: session.clusterId, pairId: session.pairId, vip: session.vips.bulk, n, stats: writes });
      const lastWrite = Date.now();
      const generation = await clusterGeneration(session.api, session.clusterId);
      const kernelsAt = await waitForCounts(watcher, pids, n, lastWrite, CONVERGE_TIMEOUT_MS);
      const appliedAt = await waitApplied(session, generation, lastWrite);
      // director-a's own account: how many snapshots it applied on the way, how long the last one took
      const applies = (await readAgentApplies(session.agents.get('director-a')!)).filter((a) => a.appliedAt >= t0 && a.generation <= generation);
      const run: Run = { apiMs: lastWrite - t0, kernelsMs: kernelsAt - lastWrite, appliedMs: appliedAt - lastWrite, removeKernelsMs: null, snapshots: applies.length, lastApplyMs: applies.at(-1)?.durationMs ?? NaN, retried: writes.retried };
      if (i < repeat - 1) {
        const d0 = Date.now();
        await deleteBulkTable(session.api, table);
        const deleted = Date.now();
        const after = await clusterGeneration(session.api, session.clusterId);
        run.removeKernelsMs = (await waitForCounts(watcher, pids, 0, deleted, CONVERGE_TIMEOUT_MS)) - d0;
        await waitApplied(session, after, deleted);
      }
      runs.push(run);
      session.say(`convergence ${size}: run ${i + 1}/${repeat}: API ${run.apiMs} ms (${run.retried} calls refused and sent again), ${run.snapshots} snapshots applied by director-a, then both kernels +${run.kernelsMs} ms, applied shown +${run.appliedMs} ms${run.removeKernelsMs !== null ? `; delete → kernels empty ${run.removeKernelsMs} ms` : ''}`);
    }
  } finally {
    await watcher.stop();
  }

  if (!options.record) return table;
  const apiNote = 'API time (first write → last commit) is NOT included: the figure starts when the last write committed';
  book.add({ section: 'convergence', size, id: 'api', kind: 'context', label: `API writes: ${Math.ceil(n / 50)} services + ${size} real servers in batches`, unit: 'ms', samples: runs.map((r) => r.apiMs) });
  book.add({
    section: 'convergence', size, id: 'kernels', kind: 'fulcrum', label: 'Fulcrum: last write committed → both kernels hold N', unit: 'ms', samples: runs.map((r) => r.kernelsMs), note: apiNote,
    target: n === 10_000 && options.references ? { text: '≤ 1.0× keepalived start', met: null } : null,
  });
  book.add({ section: 'convergence', size, id: 'applied', kind: 'fulcrum', label: 'Fulcrum: last write committed → live view shows both applied', unit: 'ms', samples: runs.map((r) => r.appliedMs) });
  book.add({ section: 'convergence', size, id: 'total', kind: 'context', label: 'first write → both kernels hold N (API included)', unit: 'ms', samples: runs.map((r) => r.apiMs + r.kernelsMs) });
  book.add({ section: 'convergence', size, id: 'retried', kind: 'context', label: 'API calls refused as too many at once (500 P2028 / 429) and sent again', unit: 'count', samples: runs.map((r) => r.retried) });
  book.add({ section: 'convergence', size, id: 'snapshots', kind: 'context', label: 'snapshots director-a applied on the way (newest wins)', unit: 'count', samples: runs.map((r) => r.snapshots) });
  book.add({ section: 'convergence', size, id: 'last-apply', kind: 'context', label: "director-a agent's apply of the final snapshot", unit: 'ms', samples: runs.map((r) => r.lastApplyMs) });
  const removals = runs.map((r) => r.removeKernelsMs).filter((v): v is number => v !== null);
  if (removals.length > 0) book.add({ section: 'convergence', size, id: 'remove', kind: 'context', label: 'delete all services (API included) → both kernels empty', unit: 'ms', samples: removals });
  if (options.references) {
    book.add({ section: 'convergence', size, id: 'ref-restore', kind: 'reference', label: 'ipvsadm -R of the same rules (one director)', unit: 'ms', samples: options.references.restore });
    book.add({ section: 'convergence', size, id: 'ref-keepalived', kind: 'reference', label: 'keepalived start with the same virtual_servers → all N in kernel', unit: 'ms', samples: options.references.keepalivedStart });
    book.add({ section: 'convergence', size, id: 'ref-keepalived-stop', kind: 'reference', label: 'keepalived stop (removes its virtual_servers)', unit: 'ms', samples: options.references.keepalivedStop });
    for (const id of ['kernels', 'applied', 'total']) book.compare('convergence', size, id, ['ref-restore', 'ref-keepalived']);
    const kernels = book.find('convergence', size, 'kernels');
    if (kernels?.target) kernels.target.met = kernels.summary.median <= (book.find('convergence', size, 'ref-keepalived')?.summary.median ?? NaN);
  }
  return table;
}
