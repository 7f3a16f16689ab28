// What adopting drift takes over (a READY server's weight) and what it refuses, with the reason.
import { describe, expect, it } from 'vitest';
import type { RealServerRow } from '../desired-state/compile-snapshot-from-rows';
import { planDriftAdoption, splitDestinationKey, weightOfDescription } from './adopt-node-drift';

const SVC = 'TCP 192.168.241.11:80';
const rs = (id: string, address: string, extra: Partial<RealServerRow> = {}) => ({ id, nodeId: null, address, port: 80, weight: 1, forwarding: 'DR' as const, adminState: 'READY' as const, upperThreshold: null, lowerThreshold: null, serviceKey: SVC, ...extra });
const realServers = new Map([['r1', rs('r1', '192.168.241.15')], ['r2', rs('r2', '192.168.241.16', { adminState: 'DRAINING' })]]);
const destinations = { [SVC]: { serviceId: 's', destinations: { '192.168.241.15:80': ['r1'], '192.168.241.16:80': ['r2'] } } };
const item = (key: string, change: 'missing' | 'unexpected' | 'different', desired: string | null, actual: string | null, kind = 'ipvs-destination') => ({ kind, key, change, desired, actual });

describe('planDriftAdoption', () => {
  it('parses keys and weights', () => {
    expect(splitDestinationKey(`${SVC} 192.168.241.15:80`)).toEqual({ serviceKey: SVC, destinationKey: '192.168.241.15:80' });
    expect(weightOfDescription('-g -w 7 -x 100')).toBe(7);
    expect(weightOfDescription('-g')).toBeNull();
  });
  it('adopts a READY server’s weight and refuses everything else with a reason', () => {
    const plan = planDriftAdoption({
      destinations,
      realServers,
      items: [
        item(`${SVC} 192.168.241.15:80`, 'different', '-g -w 1', '-g -w 7'),
        item(`${SVC} 192.168.241.16:80`, 'different', '-g -w 0', '-g -w 4'),
        item(`${SVC} 192.168.241.15:80`, 'missing', '-g -w 1', null),
        item(`${SVC} 192.168.241.99:80`, 'unexpected', null, '-g -w 1'),
        item(`${SVC} 192.168.241.15:80`, 'different', '-g -w 1', '-m -w 1'),
        item(SVC, 'different', '-s wrr', '-s rr', 'ipvs-service'),
        item('net.ipv4.vs.conn_reuse_mode', 'different', '3', '1', 'sysctl'),
      ],
    });
    expect(plan.adopt.map((a) => [a.rs.id, a.weight])).toEqual([['r1', 7]]);
    expect(plan.refused.map((r) => r.reason)).toEqual([
      expect.stringMatching(/is draining: Fulcrum holds its kernel weight at 0/),
      expect.stringMatching(/missing from the kernel/),
      expect.stringMatching(/does not manage/),
      expect.stringMatching(/only weights are adopted/),
      expect.stringMatching(/service settings/),
      expect.stringMatching(/sysctl differences are not adopted/),
    ]);
  });
});
