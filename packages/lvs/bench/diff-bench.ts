// Micro-benchmark: diff + render of 10,000 destinations across 500 services, from an empty table and
// from a table where ~1% of the weights differ. Target: ≤ 50 ms per diff+render.
import { renderRestoreBatch } from '../src/commands/ipvsadm';
import { diffIpvsTables } from '../src/diff/diff-ipvs-tables';
import type { IpvsTable, VirtualService } from '../src/model/ipvs';

function buildTable(services: number, perService: number): IpvsTable {
  const out: VirtualService[] = [];
  for (let s = 0; s < services; s++) {
    const address = `10.${(s >> 8) & 255}.${s & 255}.1`;
    out.push({
      protocol: 'TCP', address, port: 80, scheduler: 'wrr', schedulerFlags: [], persistenceTimeout: 0, persistencePrefix: null, onePacket: false,
      destinations: Array.from({ length: perService }, (_, d) => ({ address: `172.16.${s & 255}.${d + 1}`, port: 80, forwarding: 'DR' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 })),
    });
  }
  return { services: out };
}

function measure(label: string, actual: IpvsTable, desired: IpvsTable, runs = 50): void {
  const times: number[] = [];
  let ops = 0;
  let bytes = 0;
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    const diff = diffIpvsTables(actual, desired);
    const text = renderRestoreBatch(diff);
    const dt = performance.now() - t0;
    if (i >= 5) times.push(dt); // first runs warm the JIT
    ops = diff.length;
    bytes = text.length;
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  console.log(`${label.padEnd(34)} ops=${String(ops).padStart(6)} batch=${(bytes / 1024).toFixed(0).padStart(5)} KiB  median=${q(0.5).toFixed(1)} ms  p99=${q(0.99).toFixed(1)} ms  (${runs} runs)`);
}

const desired = buildTable(500, 20);
const changed: IpvsTable = {
  services: desired.services.map((s, i) => ({ ...s, destinations: s.destinations.map((d, j) => ((i * 20 + j) % 100 === 0 ? { ...d, weight: 5 } : d)) })),
};
console.log(`node ${process.version}, 500 services × 20 destinations = 10,000 destinations`);
measure('from empty (full add)', { services: [] }, desired);
measure('~1% of weights changed', changed, desired);
measure('no change', desired, desired);
