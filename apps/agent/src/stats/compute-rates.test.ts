import { describe, expect, it } from 'vitest';
import { parseProcIpVs, parseProcIpVsConn } from '@fulcrum/lvs/parse/parse-proc-ip-vs';
import { StatsFrame } from '@fulcrum/protocol/frames';
import { buildStatsFrame, countPersistenceTemplates } from './build-stats-frame';
import { computeRates, ZERO_RATES } from './compute-rates';

const c = (conns: number, inPackets = 0, outPackets = 0, inBytes = 0, outBytes = 0) => ({ conns, inPackets, outPackets, inBytes, outBytes });

describe('rate computation', () => {
  it('divides counter deltas by the elapsed seconds', () => {
    const before = { at: 10_000, counters: new Map([['d', c(100, 1000, 800, 50_000, 400_000)]]) };
    const now = { at: 12_000, counters: new Map([['d', c(140, 1600, 1000, 80_000, 1_000_000)]]) };
    expect(computeRates(before, now).get('d')).toEqual({ connsPerSec: 20, packetsInPerSec: 300, packetsOutPerSec: 100, bytesInPerSec: 15_000, bytesOutPerSec: 300_000 });
  });
  it('gives 0 for the first sample, a new object, a reset counter and a zero interval', () => {
    const now = { at: 5000, counters: new Map([['a', c(10)], ['b', c(3)]]) };
    expect(computeRates(null, now).get('a')).toEqual(ZERO_RATES);
    const before = { at: 4000, counters: new Map([['a', c(50)]]) };
    expect(computeRates(before, now).get('a')).toEqual(ZERO_RATES); // 50 → 10: reset
    expect(computeRates(before, now).get('b')).toEqual(ZERO_RATES);
    expect(computeRates({ at: 5000, counters: new Map([['a', c(1)]]) }, now).get('a')).toEqual(ZERO_RATES);
  });
});

describe('stats frame', () => {
  const proc = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
    'TCP  C6120064:0050 wrr persistent 30000 FFFFFFFF',
    '  -> C612000E:0050      Route   2      3          7',
    '  -> C612000D:0050      Route   1      2          1',
    '',
  ].join('\n');
  const conn = [
    'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
    'IP  C612000A 0000 C6120064 0050 C612000D 0050 NONE            298',
    'IP  C612000B 0000 C6120064 0050 C612000D 0050 NONE            120',
    'TCP C612000A D431 C6120064 0050 C612000D 0050 ESTABLISHED     897',
    '',
  ].join('\n');

  it('sums destinations per service, counts persistence templates and validates against the protocol', () => {
    const services = parseProcIpVs(proc);
    const templates = countPersistenceTemplates(parseProcIpVsConn(conn), services);
    expect(Object.fromEntries(templates)).toEqual({ 'TCP 198.18.0.100:80 198.18.0.13:80': 2 });
    const rates = new Map([['TCP 198.18.0.100:80 198.18.0.14:80', { ...ZERO_RATES, connsPerSec: 4 }]]);
    const frame = buildStatsFrame({ sampledAt: 1, services, rates, templates });
    expect(StatsFrame.parse(frame)).toEqual(frame);
    expect(frame.services).toEqual([{ serviceKey: 'TCP 198.18.0.100:80', activeConn: 5, inactConn: 8, ...ZERO_RATES }]);
    expect(frame.destinations.map((d) => [d.destinationKey, d.weight, d.activeConn, d.inactConn, d.persistConn, d.connsPerSec])).toEqual([
      ['198.18.0.14:80', 2, 3, 7, 0, 4],
      ['198.18.0.13:80', 1, 2, 1, 2, 0],
    ]);
  });
});
