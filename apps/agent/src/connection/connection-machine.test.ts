import { describe, expect, it } from 'vitest';
import { decodeAgentFrame } from '@fulcrum/protocol/codec';
import { CloseCode } from '@fulcrum/protocol/close-codes';
import { PROTOCOL_VERSION, type AgentFrame } from '@fulcrum/protocol/frames';
import { silentLogger } from '../log/logger';
import { ManualClock } from '../testing/manual-clock';
import { directorSnapshot, welcome } from '../testing/snapshots';
import type { AgentSocketEvents } from './agent-socket';
import { ConnectionMachine, type ConnectionState } from './connection-machine';

interface FakeSocket {
  events: AgentSocketEvents;
  sent: AgentFrame[];
  closedWith: number | null;
  terminated: boolean;
  buffered: number;
}

function setup() {
  const clock = new ClockWithSockets();
  const transitions: string[] = [];
  const snapshots: number[] = [];
  const machine = new ConnectionMachine({
    url: 'ws://127.0.0.1:1/ws/agent',
    clock,
    random: () => 0.5, // no jitter: delays are exactly the table's
    log: silentLogger,
    openSocket: (_url, events) => {
      const socket: FakeSocket = { events, sent: [], closedWith: null, terminated: false, buffered: 0 };
      clock.sockets.push(socket);
      return {
        send: (text) => {
          const decoded = decodeAgentFrame(text);
          if (!decoded.ok) throw new Error(`agent sent an invalid frame: ${decoded.message}`);
          socket.sent.push(decoded.frame);
        },
        close: (code) => {
          socket.closedWith = code;
        },
        terminate: () => {
          socket.terminated = true;
        },
        bufferedAmount: () => socket.buffered,
      };
    },
    buildHello: () => ({ v: PROTOCOL_VERSION, type: 'hello', token: 'x'.repeat(32), agentVersion: 'test', hostname: 'h', capabilities: ['ipvs'], lastAppliedGeneration: null }),
    onReady: () => undefined,
    onSnapshot: (s) => snapshots.push(s.generation),
    onStateChange: (from: ConnectionState, to: ConnectionState) => transitions.push(`${from}→${to}`),
  });
  const last = () => clock.sockets.at(-1)!;
  const handshake = () => {
    last().events.onOpen();
    last().events.onMessage(JSON.stringify(welcome('DIRECTOR', { heartbeatIntervalMs: 1000 })));
  };
  return { clock, machine, transitions, snapshots, last, handshake };
}

class ClockWithSockets extends ManualClock {
  sockets: FakeSocket[] = [];
}

describe('connection state machine', () => {
  it('goes connecting → authenticating (hello) → ready (welcome) and answers pings', () => {
    const { machine, transitions, last, handshake } = setup();
    machine.start();
    expect(machine.state).toBe('connecting');
    handshake();
    expect(transitions).toEqual(['idle→connecting', 'connecting→authenticating', 'authenticating→ready']);
    expect(last().sent[0]?.type).toBe('hello');
    last().events.onMessage(JSON.stringify({ v: 1, type: 'ping', nonce: 'n-1', sentAt: 1 }));
    expect(last().sent.at(-1)).toEqual({ v: 1, type: 'pong', nonce: 'n-1' });
  });

  it('answers invalid and unexpected frames with error frames and keeps going', () => {
    const { machine, last, handshake, snapshots } = setup();
    machine.start();
    last().events.onOpen();
    last().events.onMessage(JSON.stringify(directorSnapshot(1)));
    expect(last().sent.at(-1)).toMatchObject({ type: 'error', code: 'UNEXPECTED_FRAME' });
    last().events.onMessage(JSON.stringify(welcome()));
    last().events.onMessage('{not json');
    expect(last().sent.at(-1)).toMatchObject({ type: 'error', code: 'INVALID_FRAME', message: 'Frame is not JSON' });
    last().events.onMessage(JSON.stringify({ v: 1, type: 'snapshot', generation: -1 }));
    expect(last().sent.at(-1)).toMatchObject({ type: 'error', code: 'INVALID_FRAME' });
    last().events.onMessage(JSON.stringify({ v: 2, type: 'ping', nonce: 'x', sentAt: 1 }));
    expect(last().sent.at(-1)).toMatchObject({ type: 'error', message: 'Protocol version 2 is not 1' });
    expect(machine.state).toBe('ready');
    last().events.onMessage(JSON.stringify(directorSnapshot(7)));
    expect(snapshots).toEqual([7]);
    void handshake;
  });

  it('reconnects with the protocol backoff table and resets it after 30 s up', () => {
    const { clock, machine, last, handshake } = setup();
    machine.start();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().events.onClose(1006, 'refused');
      expect(machine.state).toBe('reconnecting');
      delays.push(clock.nextDelay()!);
      clock.advance(clock.nextDelay()!);
      expect(machine.state).toBe('connecting');
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 30_000, 30_000]);
    handshake();
    for (let s = 0; s < 29; s++) {
      clock.advance(1000);
      last().events.onMessage(JSON.stringify({ v: 1, type: 'ping', nonce: `p${s}`, sentAt: 1 }));
    }
    // up 29 s: not long enough, the sequence goes on
    last().events.onClose(CloseCode.GOING_AWAY, 'server restart');
    expect(clock.nextDelay()).toBe(30_000);
    clock.advance(30_000);
    handshake();
    for (let s = 0; s < 31; s++) {
      clock.advance(1000);
      last().events.onMessage(JSON.stringify({ v: 1, type: 'ping', nonce: `q${s}`, sentAt: 1 }));
    }
    last().events.onClose(CloseCode.GOING_AWAY, 'server restart');
    expect(clock.nextDelay()).toBe(500);
  });

  it('waits the longest step after 4401 / 4404 / 4426', () => {
    for (const code of [CloseCode.UNAUTHORIZED, CloseCode.NODE_GONE, CloseCode.UNSUPPORTED_VERSION]) {
      const { clock, machine, last } = setup();
      machine.start();
      last().events.onOpen();
      last().events.onClose(code, 'no');
      expect(clock.nextDelay()).toBe(30_000);
    }
  });

  it('declares the link dead after 2 × heartbeat + 2 s of silence, and every frame resets the watchdog', () => {
    const { clock, machine, last, handshake } = setup();
    machine.start();
    handshake(); // heartbeat 1000 ms → dead after 4000 ms of silence
    clock.advance(3900);
    last().events.onMessage(JSON.stringify({ v: 1, type: 'ping', nonce: 'a', sentAt: 1 }));
    clock.advance(3900);
    expect(machine.state).toBe('ready');
    last().events.onActivity(); // part of a large frame arrived: alive
    clock.advance(3900);
    expect(machine.state).toBe('ready');
    clock.advance(200);
    expect(machine.state).toBe('reconnecting');
    expect(last().closedWith).toBe(CloseCode.HEARTBEAT_TIMEOUT);
    expect(last().terminated).toBe(true);
    // the old socket's late close event does not schedule a second reconnect
    last().events.onClose(1006, 'late');
    expect(clock.nextDelay()).toBe(400); // the 500 ms step, 100 ms of which already passed
  });

  it('after a stalled event loop it looks again before declaring the link dead: unread pings still count', () => {
    const { clock, machine, last, handshake } = setup();
    machine.start();
    handshake(); // dead after 4000 ms of silence
    clock.stall(9000); // a long synchronous apply: the watchdog is 5 s overdue
    clock.advance(0);
    expect(machine.state).toBe('ready');
    last().events.onMessage(JSON.stringify({ v: 1, type: 'ping', nonce: 'a', sentAt: 1 })); // the ping read after the stall
    clock.advance(3900);
    expect(machine.state).toBe('ready');
    // a stall with nothing behind it: after the recheck the link is dead
    clock.stall(9000);
    clock.advance(0);
    expect(machine.state).toBe('ready');
    clock.advance(1000);
    expect(machine.state).toBe('reconnecting');
    expect(last().closedWith).toBe(CloseCode.HEARTBEAT_TIMEOUT);
  });

  it('drops stats frames (only those) while the send buffer is backed up', () => {
    const { machine, last, handshake } = setup();
    machine.start();
    handshake();
    const stats = { v: 1 as const, type: 'stats' as const, sampledAt: 1, services: [], destinations: [] };
    expect(machine.send(stats)).toBe(true);
    last().buffered = 9 * 1024 * 1024;
    expect(machine.send(stats)).toBe(false);
    expect(machine.send({ v: 1, type: 'pong', nonce: 'x' })).toBe(true);
  });

  it('gives up on a handshake without welcome after 10 s', () => {
    const { clock, machine, last } = setup();
    machine.start();
    last().events.onOpen();
    clock.advance(10_000);
    expect(machine.state).toBe('reconnecting');
    expect(last().closedWith).toBe(CloseCode.HANDSHAKE_FAILED);
  });

  it('stops with 1001 and stays stopped', async () => {
    const { clock, machine, last, handshake } = setup();
    machine.start();
    handshake();
    const stopped = machine.stop();
    expect(last().closedWith).toBe(1001);
    last().events.onClose(1001, 'bye');
    await stopped;
    expect(machine.state).toBe('stopped');
    clock.advance(60_000);
    expect(machine.state).toBe('stopped');
    expect(machine.send({ v: 1, type: 'pong', nonce: 'x' })).toBe(false);
  });
});
