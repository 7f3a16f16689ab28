import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF_STEPS_MS } from './backoff';
import { decodeAgentFrame, decodeServerFrame, encodeFrame } from './codec';
import { MAX_FRAME_BYTES, type AgentFrame, type ServerFrame, type StatsFrame, type SyncDaemon } from './frames';

const token = 'fa_abcdefghijklmnopqrstuvwxyz0123456789';

describe('frames', () => {
  const agentFrames: AgentFrame[] = [
    { v: 1, type: 'hello', token, agentVersion: '0.1.0', hostname: 'director-a', capabilities: ['ipvs', 'keepalived'], lastAppliedGeneration: null },
    { v: 1, type: 'applied', generation: 7, status: 'partial', changes: 3, errors: [{ item: 'TCP 198.18.0.100:80', message: 'No such service', argv: ['/usr/sbin/ipvsadm', '-E', '-t', '198.18.0.100:80'] }], missing: [], durationMs: 12.5 },
    { v: 1, type: 'vrrp', instance: 'pair-1', state: 'MASTER', at: Date.now(), priority: 150 },
    { v: 1, type: 'pong', nonce: 'n1' },
  ];
  it.each(agentFrames)('round-trips agent frame $type', (frame) => {
    const decoded = decodeAgentFrame(encodeFrame(frame));
    expect(decoded).toEqual({ ok: true, frame });
  });

  it('round-trips a director snapshot and defaults its optional parts', () => {
    const frame: ServerFrame = {
      v: 1,
      type: 'snapshot',
      generation: 3,
      revertDrift: false,
      node: {
        role: 'DIRECTOR',
        ipvs: { services: [{ protocol: 'TCP', address: '198.18.0.100', port: 80, scheduler: 'wrr', schedulerFlags: [], persistenceTimeout: 20, persistencePrefix: null, onePacket: false, destinations: [{ address: '198.18.0.21', port: 80, forwarding: 'DR', weight: 1, upperThreshold: 0, lowerThreshold: 0 }] }] },
        keepalived: null,
        addresses: [],
        sysctls: [],
        healthChecks: [],
      },
    };
    expect(decodeServerFrame(encodeFrame(frame))).toEqual({ ok: true, frame });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another version', JSON.stringify({ v: 2, type: 'pong', nonce: 'x' }), /Protocol version 2 is not 1/],
    ['unknown type', JSON.stringify({ v: 1, type: 'exec', command: 'rm -rf /' }), /Invalid input|discriminator|type/i],
    ['a shell string for a token', JSON.stringify({ v: 1, type: 'hello', token: '$(touch /tmp/x)aaaaaaaaaaaaaaaaaaa', agentVersion: '1', hostname: 'h', capabilities: [], lastAppliedGeneration: null }), /Token has invalid characters at token/],
    ['a NUL in a message', JSON.stringify({ v: 1, type: 'event', kind: 'agent-started', severity: 'info', message: 'a\u0000b', at: 1 }), /No NUL/],
    ['a negative generation', JSON.stringify({ v: 1, type: 'applied', generation: -1, status: 'applied', changes: 0, errors: [], missing: [], durationMs: 1 }), /generation/],
  ])('rejects %s with a reason', (_name, text, reason) => {
    const decoded = decodeAgentFrame(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toMatch(reason);
  });

  it('stats: syncDaemons is optional (older agents), nullable (read failed) and bounded', () => {
    const base: StatsFrame = { v: 1, type: 'stats', sampledAt: 1_700_000_000_000, services: [], destinations: [] };
    const daemons: SyncDaemon[] = [
      { role: 'master', interface: 'eth0', syncId: 51 },
      { role: 'backup', interface: 'eth0', syncId: 51 },
    ];
    const frames: StatsFrame[] = [base, { ...base, syncDaemons: [] }, { ...base, syncDaemons: null }, { ...base, kernelTable: 'IP Virtual Server version 1.2.1 (size=4096)\n', syncDaemons: daemons }];
    for (const frame of frames) expect(decodeAgentFrame(encodeFrame(frame))).toEqual({ ok: true, frame });
    const refused: Array<[unknown, RegExp]> = [
      [[...daemons, daemons[0]], /syncDaemons/],
      [[{ role: 'slave', interface: 'eth0', syncId: 1 }], /syncDaemons\.0\.role/],
      [[{ role: 'master', interface: 'eth0; reboot', syncId: 1 }], /Invalid interface name/],
      [[{ role: 'master', interface: 'a'.repeat(16), syncId: 1 }], /syncDaemons\.0\.interface/],
      [[{ role: 'master', interface: 'eth0', syncId: 256 }], /syncDaemons\.0\.syncId/],
      [[{ role: 'master', interface: 'eth0', syncId: 1.5 }], /syncDaemons\.0\.syncId/],
      [[{ role: 'master', interface: 'eth0' }], /syncDaemons\.0\.syncId/],
      ['master', /syncDaemons/],
    ];
    for (const [syncDaemons, reason] of refused) {
      const decoded = decodeAgentFrame(JSON.stringify({ ...base, syncDaemons }));
      expect(decoded.ok, JSON.stringify(syncDaemons)).toBe(false);
      if (!decoded.ok) expect(decoded.message).toMatch(reason);
    }
  });

  it('rejects an oversized frame before parsing it', () => {
    const decoded = decodeAgentFrame('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(decoded).toMatchObject({ ok: false, code: 'FRAME_TOO_LARGE' });
  });

  it('rejects a snapshot whose IPVS table is invalid (a destination with a command in its address)', () => {
    const text = JSON.stringify({ v: 1, type: 'snapshot', generation: 1, revertDrift: false, node: { role: 'DIRECTOR', ipvs: { services: [{ protocol: 'TCP', address: '198.18.0.100', port: 80, scheduler: 'wrr', destinations: [{ address: '198.18.0.21; reboot', port: 80, forwarding: 'DR', weight: 1 }] }] }, keepalived: null } });
    expect(decodeServerFrame(text).ok).toBe(false);
  });
});

describe('backoff', () => {
  it('follows the table with ±20 % jitter and repeats the last step', () => {
    expect(backoffDelayMs(0, () => 0.5)).toBe(500);
    expect(backoffDelayMs(0, () => 0)).toBe(400);
    expect(backoffDelayMs(0, () => 1)).toBe(600);
    expect(backoffDelayMs(100, () => 0.5)).toBe(BACKOFF_STEPS_MS[BACKOFF_STEPS_MS.length - 1]);
  });
});
