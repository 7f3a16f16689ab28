import { readFileSync } from 'node:fs';

// CPU and memory of host processes from /proc, as `top` would compute them over a window.

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux x86). */
export const CLOCK_TICKS = 100;

/** CPU ticks (user + system, own and reaped children) and RSS of one process now; null when gone. */
export function readProcessUsage(pid: number): { ticks: number; rssKb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { ticks, rssKb };
  } catch {
    return null;
  }
}

/** Sum over processes (those gone count 0). */
export function readGroupUsage(pids: readonly number[]): { ticks: number; rssKb: number } {
  let ticks = 0;
  let rssKb = 0;
  for (const pid of pids) {
    const u = readProcessUsage(pid);
    if (u) (ticks += u.ticks), (rssKb += u.rssKb);
  }
  return { ticks, rssKb };
}

/** % of one core between two readings `ms` apart. */
export function cpuPercent(ticksBefore: number, ticksAfter: number, ms: number): number {
  return ((ticksAfter - ticksBefore) / CLOCK_TICKS / (ms / 1000)) * 100;
}
