import { describe, expect, it } from 'vitest';
import { IpvsTable } from '@fulcrum/lvs/model/ipvs';
import { service } from '../testing/snapshots';
import { applyHealthOverlay, findIpvsDrift, planIpvsChanges, verifyIpvsApply } from './ipvs-plan';

const VIP = '198.18.0.100';
const table = (...services: Array<ReturnType<typeof service>>) => IpvsTable.parse({ services });
const ops = (plan: { operations: Array<{ op: string }> }) => plan.operations.map((o) => o.op);

describe('three-way IPVS plan', () => {
  it('first apply adopts desired services and leaves services no snapshot listed alone', () => {
    const actual = table(service('198.18.0.200', { '198.18.0.13': 1 }));
    const desired = table(service(VIP, { '198.18.0.13': 1, '198.18.0.14': 2 }));
    const plan = planIpvsChanges({ baseline: null, actual, desired, revertDrift: false });
    expect(ops(plan)).toEqual(['add-service', 'add-destination', 'add-destination']);
    expect(plan.drift).toEqual([
      { kind: 'ipvs-destination', key: 'TCP 198.18.0.200:80 198.18.0.13:80', change: 'unexpected', desired: null, actual: '-g -w 1' },
      { kind: 'ipvs-service', key: 'TCP 198.18.0.200:80', change: 'unexpected', desired: null, actual: '-s wrr' },
    ]);
  });

  it('applies the server change, keeps a hand-added destination and a hand-edited weight as drift', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1, '198.18.0.14': 1 }));
    const actual = table(service(VIP, { '198.18.0.13': 5, '198.18.0.14': 1, '198.18.0.15': 1 }));
    const desired = table(service(VIP, { '198.18.0.13': 1, '198.18.0.14': 3 }));
    const plan = planIpvsChanges({ baseline, actual, desired, revertDrift: false });
    expect(plan.operations).toMatchObject([{ op: 'edit-destination', destination: { address: '198.18.0.14', weight: 3 } }]);
    expect(plan.drift.map((d) => `${d.change} ${d.key}`)).toEqual(['different TCP 198.18.0.100:80 198.18.0.13:80', 'unexpected TCP 198.18.0.100:80 198.18.0.15:80']);
  });

  it('the operator editing the drifted object wins over the hand edit', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1 }));
    const actual = table(service(VIP, { '198.18.0.13': 5 }));
    const desired = table(service(VIP, { '198.18.0.13': 2 }));
    expect(planIpvsChanges({ baseline, actual, desired, revertDrift: false }).operations).toMatchObject([{ op: 'edit-destination', destination: { weight: 2 } }]);
  });

  it('revertDrift undoes everything, including services no snapshot listed', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1 }));
    const actual = table(service(VIP, { '198.18.0.13': 5, '198.18.0.15': 1 }), service('198.18.0.200', { '198.18.0.13': 1 }));
    const plan = planIpvsChanges({ baseline, actual, desired: baseline, revertDrift: true });
    expect(ops(plan)).toEqual(['edit-destination', 'delete-destination', 'delete-destination', 'delete-service']);
    expect(plan.drift).toEqual([]);
  });

  it('a service the server removes goes with its destinations, hand-added ones included', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1 }));
    const actual = table(service(VIP, { '198.18.0.13': 1, '198.18.0.15': 1 }));
    const plan = planIpvsChanges({ baseline, actual, desired: table(), revertDrift: false });
    expect(ops(plan)).toEqual(['delete-destination', 'delete-destination', 'delete-service']);
  });

  it('a service deleted by hand stays deleted (drift) unless the server changes it; then it is re-added whole', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1 }));
    const unchanged = planIpvsChanges({ baseline, actual: table(), desired: baseline, revertDrift: false });
    expect(unchanged.operations).toEqual([]);
    expect(unchanged.drift.map((d) => d.change)).toEqual(['missing', 'missing']);
    const changed = planIpvsChanges({ baseline, actual: table(), desired: table(service(VIP, { '198.18.0.13': 4 })), revertDrift: false });
    expect(ops(changed)).toEqual(['add-service', 'add-destination']);
  });

  it('classifies periodic drift against what the agent last made', () => {
    const baseline = table(service(VIP, { '198.18.0.13': 1 }));
    const actual = table(service(VIP, { '198.18.0.13': 1, '198.18.0.15': 1 }, { scheduler: 'rr' }));
    expect(findIpvsDrift(baseline, actual)).toEqual([
      { kind: 'ipvs-service', key: 'TCP 198.18.0.100:80', change: 'different', desired: '-s wrr', actual: '-s rr' },
      { kind: 'ipvs-destination', key: 'TCP 198.18.0.100:80 198.18.0.15:80', change: 'unexpected', desired: null, actual: '-g -w 1' },
    ]);
    expect(findIpvsDrift(baseline, baseline)).toEqual([]);
  });

  it('verifies by read-back: failed operations keep the kernel state in the baseline so they are retried', () => {
    const desired = table(service(VIP, { '198.18.0.13': 1, '198.18.0.14': 1 }));
    const readBack = table(service(VIP, { '198.18.0.13': 1 }));
    const plan = planIpvsChanges({ baseline: null, actual: table(), desired, revertDrift: false });
    const v = verifyIpvsApply({ previousBaseline: null, desired, readBack, ran: plan.operations, skipped: [] });
    expect(v.failed).toMatchObject([{ op: 'add-destination', destination: { address: '198.18.0.14' } }]);
    expect(v.baseline).toEqual(readBack);
    const next = planIpvsChanges({ baseline: v.baseline, actual: readBack, desired, revertDrift: false });
    expect(ops(next)).toEqual(['add-destination']);
  });

  it('health overlay sets weight 0 on DOWN destinations only', () => {
    const desired = table(service(VIP, { '198.18.0.13': 3, '198.18.0.14': 2 }));
    const overlaid = applyHealthOverlay(desired, new Set(['TCP 198.18.0.100:80 198.18.0.14:80']));
    expect(overlaid.services[0]?.destinations.map((d) => d.weight)).toEqual([3, 0]);
    expect(desired.services[0]?.destinations.map((d) => d.weight)).toEqual([3, 2]);
  });
});
