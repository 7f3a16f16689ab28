import { describe, expect, it } from 'vitest';
import type { LiveDirector } from './live-schemas';
import { syncDaemonDisagrees } from './sync-daemon-agreement';

const master = { role: 'master', interface: 'eth0', syncId: 51 } as const;
const backup = { role: 'backup', interface: 'eth0', syncId: 51 } as const;
const at = (vrrpState: LiveDirector['vrrpState'], daemons: Array<typeof master | typeof backup> | null | 'unread') => ({
  vrrpState,
  syncDaemons: daemons === 'unread' ? null : { daemons, readAt: 1 },
});

describe('syncDaemonDisagrees', () => {
  it.each([
    ['MASTER', [master], false],
    ['MASTER', [master, backup], false],
    ['MASTER', [backup], true],
    ['MASTER', [], true],
    ['BACKUP', [backup], false],
    ['BACKUP', [master], true],
    ['BACKUP', [master, backup], true],
    ['BACKUP', [], true],
    ['FAULT', [backup], false],
    ['STOP', [], false],
    ['STOP', [master], true],
    ['UNKNOWN', [master], true],
    ['MASTER', null, false],
    ['BACKUP', 'unread', false],
  ] as const)('%s with %j: %s', (state, daemons, expected) => {
    expect(syncDaemonDisagrees(at(state, daemons === null || daemons === 'unread' ? daemons : [...daemons]), { paired: true })).toBe(expected);
  });
  it('a lone director never disagrees (no peer to sync with)', () => {
    expect(syncDaemonDisagrees(at('MASTER', []), { paired: false })).toBe(false);
    expect(syncDaemonDisagrees(at('MASTER', [backup]), { paired: false })).toBe(false);
  });
});
