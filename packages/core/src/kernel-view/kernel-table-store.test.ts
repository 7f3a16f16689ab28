import { describe, expect, it } from 'vitest';
import { forgetKernelTable, latestSyncDaemons, recordSyncDaemons } from './kernel-table-store';

describe('sync daemons per node', () => {
  it('keeps the latest read, says when what the kernel runs changed, forgets with the node', () => {
    const node = 'sync-daemon-store-test-node';
    const master = [{ role: 'master' as const, interface: 'eth0', syncId: 51 }];
    expect(latestSyncDaemons(node)).toBeNull();
    expect(recordSyncDaemons(node, master, 1000)).toBe(true);
    expect(recordSyncDaemons(node, [{ role: 'master', interface: 'eth0', syncId: 51 }], 3000)).toBe(false);
    expect(latestSyncDaemons(node)).toEqual({ daemons: master, readAt: 3000 });
    expect(recordSyncDaemons(node, null, 4000)).toBe(true);
    expect(latestSyncDaemons(node)).toEqual({ daemons: null, readAt: 4000 });
    expect(recordSyncDaemons(node, [], 5000)).toBe(true);
    forgetKernelTable(node);
    expect(latestSyncDaemons(node)).toBeNull();
  });
});
