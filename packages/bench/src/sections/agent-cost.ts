import type { LabSession } from '../lab/lab-session';
import type { FigureBook } from '../report';

// 3. Agent cost: CPU and RSS of director-a's agent holding N destinations while it samples them at
// the product's default 1 Hz (statsIntervalMs) for a window, read from /proc/<pid>/stat and status in
// the guest (utime + stime of the agent AND of the children it reaped — the ipvsadm it spawns for
// rates and drift checks). In the same window, in the same director, two references run:
//   /proc loop     a tiny node process reading /proc/net/ip_vs once per second
//   ipvsadm loop   a shell loop running `ipvsadm -Ln --stats --rate` once per second (CPU of the shell
//                  and its reaped children)
// The window is cut into sub-windows (10 s; 2 s in quick mode): each gives one CPU figure, so the
// median and p99 are over sub-windows. % is of one core (the guest has one vCPU).

const TICKS_PER_SECOND = 100;
const IPVSADM_LOOP = 'while :; do /usr/sbin/ipvsadm -Ln --stats --rate >/dev/null; sleep 1; done';

type Sample = { at: number; pid: number; ticks: number | null; rssKb: number | null };

/** Measures the agent and the two references over `windowMs`. */
export async function measureAgentCost(session: LabSession, book: FigureBook, options: { n: number; windowMs: number; subWindowMs: number }): Promise<void> {
  const { n, windowMs, subWindowMs } = options;
  const size = n.toLocaleString('en-US');
  const host = 'director-a';
  const agentPid = session.agentPid[host];
  const procLoop = await session.spawnGuest(host, ['proc-loop', '--every', '1000'], `proc-loop-${n}`);
  const ipvsadmLoop = await session.lab.spawn(host, ['/bin/sh', '-c', IPVSADM_LOOP], { name: `ipvsadm-loop-${n}` });
  session.extraProcesses.push(ipvsadmLoop);
  let samples: Sample[];
  try {
    // node starts in ≈ 1 s in the guest; let every process reach its steady loop first
    await new Promise((r) => setTimeout(r, 3000));
    const count = Math.max(1, Math.round(windowMs / subWindowMs));
    const text = await session.guest(host, ['cpu-sample', '--pids', [agentPid, procLoop.pid, ipvsadmLoop.pid].join(','), '--every', String(subWindowMs), '--count', String(count)], { timeoutMs: windowMs + 120_000 });
    samples = text.trim().split('\n').map((l) => JSON.parse(l) as Sample);
  } finally {
    await procLoop.stop();
    await ipvsadmLoop.stop();
  }
  const cpu = (pid: number) => {
    const mine = samples.filter((s) => s.pid === pid && s.ticks !== null);
    const out: number[] = [];
    for (let i = 1; i < mine.length; i++) out.push(((mine[i]!.ticks! - mine[i - 1]!.ticks!) / TICKS_PER_SECOND / ((mine[i]!.at - mine[i - 1]!.at) / 1000)) * 100);
    return out;
  };
  const rss = (pid: number) => samples.filter((s) => s.pid === pid && s.rssKb !== null).map((s) => s.rssKb! / 1024);
  const agentCpu = book.add({
    section: 'agent', size, id: 'cpu', kind: 'fulcrum', label: 'Fulcrum agent CPU (self + reaped children)', unit: '% core', samples: cpu(agentPid),
    target: n === 10_000 ? { text: '≤ 5 % of a core at 10,000', met: null } : null,
  });
  const agentRss = book.add({
    section: 'agent', size, id: 'rss', kind: 'fulcrum', label: 'Fulcrum agent RSS', unit: 'MiB', samples: rss(agentPid),
    target: n === 10_000 ? { text: '≤ 80 MB (76.3 MiB) at 10,000', met: null } : null,
  });
  book.add({ section: 'agent', size, id: 'ref-proc', kind: 'reference', label: 'node loop reading /proc/net/ip_vs at 1 Hz: CPU', unit: '% core', samples: cpu(procLoop.pid) });
  book.add({ section: 'agent', size, id: 'ref-proc-rss', kind: 'reference', label: 'node loop reading /proc/net/ip_vs at 1 Hz: RSS', unit: 'MiB', samples: rss(procLoop.pid) });
  book.add({ section: 'agent', size, id: 'ref-ipvsadm', kind: 'reference', label: 'ipvsadm -Ln --stats --rate once per second: CPU', unit: '% core', samples: cpu(ipvsadmLoop.pid) });
  book.compare('agent', size, 'cpu', ['ref-proc', 'ref-ipvsadm']);
  book.compare('agent', size, 'rss', ['ref-proc-rss']);
  if (agentCpu.target) agentCpu.target.met = agentCpu.summary.p99 <= 5;
  if (agentRss.target) agentRss.target.met = agentRss.summary.p99 <= 80e6 / 1024 / 1024;
}
