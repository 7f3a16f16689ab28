import { describe, expect, it } from 'vitest';
import { describeSyncDaemons } from './describe-sync-daemons';

describe('describeSyncDaemons', () => {
  it('says what the kernel runs, or that it is not running, or unknown', () => {
    expect(describeSyncDaemons({ daemons: [{ role: 'master', interface: 'eth0', syncId: 51 }], readAt: 1 })).toEqual({ text: 'master (eth0, id 51)', state: 'master' });
    expect(describeSyncDaemons({ daemons: [{ role: 'backup', interface: 'bond0.12', syncId: 0 }], readAt: 1 })).toEqual({ text: 'backup (bond0.12, id 0)', state: 'backup' });
    expect(
      describeSyncDaemons({
        daemons: [
          { role: 'master', interface: 'eth0', syncId: 7 },
          { role: 'backup', interface: 'eth0', syncId: 51 },
        ],
        readAt: 1,
      }),
    ).toEqual({ text: 'master (eth0, id 7) + backup (eth0, id 51)', state: 'master+backup' });
    expect(describeSyncDaemons({ daemons: [], readAt: 1 })).toEqual({ text: 'not running', state: 'none' });
    expect(describeSyncDaemons({ daemons: null, readAt: 1 })).toEqual({ text: 'unknown', state: 'unknown' });
    expect(describeSyncDaemons(null)).toEqual({ text: 'unknown', state: 'unknown' });
  });
});
