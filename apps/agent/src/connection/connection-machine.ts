import { BACKOFF_RESET_AFTER_MS, BACKOFF_STEPS_MS, backoffDelayMs } from '@fulcrum/protocol/backoff';
import { CloseCode, SLOW_RETRY_CLOSE_CODES } from '@fulcrum/protocol/close-codes';
import { decodeServerFrame, encodeFrame } from '@fulcrum/protocol/codec';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, type AgentFrame, type ErrorFrame, type HelloFrame, type ServerFrame, type SnapshotFrame, type WelcomeFrame } from '@fulcrum/protocol/frames';
import type { Logger } from '../log/logger';
import type { AgentSocket, OpenSocket } from './agent-socket';
import type { Clock } from './clock';

/** A watchdog firing this much later than due means the event loop was stalled, not the link silent. */
const WATCHDOG_STALL_MS = 1000;
/** After a stall, look again this long later (pending socket reads run first and feed the watchdog). */
const WATCHDOG_STALL_RECHECK_MS = 1000;

/** States of the agent's link to the server. */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'stopped';

/** What the connection needs from the rest of the agent. */
export interface ConnectionOptions {
  url: string;
  openSocket: OpenSocket;
  clock: Clock;
  /** 0..1, for backoff jitter. */
  random?: () => number;
  log: Logger;
  /** The hello to send (built fresh per attempt: lastAppliedGeneration changes). */
  buildHello(): HelloFrame;
  onReady(welcome: WelcomeFrame): void;
  onSnapshot(snapshot: SnapshotFrame): void;
  onStateChange?(from: ConnectionState, to: ConnectionState): void;
  /** No welcome within this long after the socket opened: give up and retry (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Socket not open within this long (default 15 s). */
  connectTimeoutMs?: number;
}

/**
 * The agent side of the protocol as an explicit state machine:
 * idle → connecting → authenticating (hello sent) → ready (welcome received) → reconnecting → connecting …
 * and → stopped on stop(). Heartbeats: the server pings; any frame proves the link alive; silence for
 * 2 × heartbeatInterval + 2 s means dead (terminate, reconnect). Backoff per PROTOCOL.md.
 */
export class ConnectionMachine {
  private current: ConnectionState = 'idle';
  private socket: AgentSocket | null = null;
  private attempt = 0;
  private readyAt: number | null = null;
  private heartbeatIntervalMs = 5000;
  private timer: unknown = null;
  private watchdog: unknown = null;
  private stopResolve: (() => void) | null = null;
  private connectionId = 0;
  private droppedStats = 0;

  constructor(private readonly options: ConnectionOptions) {}

  /** Current state. */
  get state(): ConnectionState {
    return this.current;
  }

  /** Consecutive failed attempts (0 after a connection that stayed up long enough). */
  get failedAttempts(): number {
    return this.attempt;
  }

  /** Starts connecting (idle only). */
  start(): void {
    if (this.current !== 'idle') return;
    this.connect();
  }

  /**
   * Sends a frame when the link is ready; returns false (frame dropped) otherwise: reports are
   * re-derived after a reconnect. Stats frames are also dropped while more than MAX_FRAME_BYTES wait
   * in the send buffer (a slow link at 10,000 destinations): the next sample supersedes them, and
   * memory does not grow without bound.
   */
  send(frame: AgentFrame): boolean {
    if (this.current !== 'ready' || this.socket === null) return false;
    if (frame.type === 'stats' && this.socket.bufferedAmount() > MAX_FRAME_BYTES) {
      this.droppedStats++;
      if (this.droppedStats === 1 || this.droppedStats % 100 === 0) this.options.log.warn('stats-dropped', { dropped: this.droppedStats, bufferedBytes: this.socket.bufferedAmount() });
      return false;
    }
    this.socket.send(encodeFrame(frame));
    return true;
  }

  /** Closes with 1001 (going away) and stays stopped; resolves when the socket is closed or after `timeoutMs`. */
  stop(timeoutMs = 1000): Promise<void> {
    if (this.current === 'stopped') return Promise.resolve();
    const socket = this.socket;
    this.clearTimers();
    this.transition('stopped');
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.options.clock.clearTimeout(timer);
        this.stopResolve = null;
        resolve();
      };
      const timer = this.options.clock.setTimeout(() => {
        socket.terminate();
        done();
      }, timeoutMs);
      this.stopResolve = done;
      socket.close(CloseCode.GOING_AWAY, 'agent stopping');
    });
  }

  private transition(to: ConnectionState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.log.info('connection-state', { from, to });
    this.options.onStateChange?.(from, to);
  }

  private connect(): void {
    this.transition('connecting');
    const id = ++this.connectionId;
    this.socket = this.options.openSocket(this.options.url, {
      onOpen: () => {
        if (id !== this.connectionId || this.current !== 'connecting') return;
        this.transition('authenticating');
        this.socket?.send(encodeFrame(this.options.buildHello()));
        this.armTimer(this.options.handshakeTimeoutMs ?? 10_000, () => this.fail('no welcome from the server in time', CloseCode.HANDSHAKE_FAILED));
      },
      onMessage: (data) => {
        if (id !== this.connectionId) return;
        this.onMessage(data);
      },
      onActivity: () => {
        if (id !== this.connectionId) return;
        this.feedWatchdog();
      },
      onClose: (code, reason) => {
        if (id !== this.connectionId) return;
        this.onClosed(code, reason);
      },
    });
    this.armTimer(this.options.connectTimeoutMs ?? 15_000, () => this.fail('connect timed out', null));
  }

  private onMessage(data: string): void {
    this.feedWatchdog();
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.options.log.warn('invalid-frame', { code: decoded.code, message: decoded.message });
      this.sendError(decoded.code, decoded.message);
      return;
    }
    const frame: ServerFrame = decoded.frame;
    if (frame.type === 'ping') {
      this.socket?.send(encodeFrame({ v: PROTOCOL_VERSION, type: 'pong', nonce: frame.nonce }));
      return;
    }
    if (frame.type === 'error') {
      this.options.log.warn('server-error', { code: frame.code, message: frame.message });
      return;
    }
    if (this.current === 'authenticating') {
      if (frame.type !== 'welcome') {
        this.sendError('UNEXPECTED_FRAME', `Expected welcome, got ${frame.type}`);
        return;
      }
      this.clearTimer();
      this.heartbeatIntervalMs = frame.settings.heartbeatIntervalMs;
      this.readyAt = this.options.clock.now();
      this.transition('ready');
      this.options.log.info('connected', { nodeName: frame.nodeName, nodeId: frame.nodeId, role: frame.role, serverVersion: frame.serverVersion });
      this.feedWatchdog();
      this.options.onReady(frame);
      return;
    }
    if (this.current !== 'ready') return;
    if (frame.type === 'welcome') {
      this.heartbeatIntervalMs = frame.settings.heartbeatIntervalMs;
      this.options.onReady(frame);
      return;
    }
    this.options.onSnapshot(frame);
  }

  private sendError(code: ErrorFrame['code'], message: string): void {
    if (this.current !== 'authenticating' && this.current !== 'ready') return;
    this.socket?.send(encodeFrame({ v: PROTOCOL_VERSION, type: 'error', code, message: message.slice(0, 2000) }));
  }

  private feedWatchdog(): void {
    if (this.current !== 'ready') return;
    const clock = this.options.clock;
    if (this.watchdog !== null) clock.clearTimeout(this.watchdog);
    const silenceMs = 2 * this.heartbeatIntervalMs + 2000;
    this.armWatchdog(silenceMs, silenceMs);
  }

  /**
   * A watchdog that fires late means this process was stalled (a large apply or parse kept the event
   * loop busy): timers run before pending socket reads, so the server's pings may be sitting unread.
   * Then it looks again once I/O has had its turn instead of dropping a healthy link — a reconnect in
   * the middle of a large apply would lose its applied frame.
   */
  private armWatchdog(delayMs: number, silenceMs: number): void {
    const clock = this.options.clock;
    const due = clock.now() + delayMs;
    this.watchdog = clock.setTimeout(() => {
      this.watchdog = null;
      const lateMs = clock.now() - due;
      if (lateMs > WATCHDOG_STALL_MS) {
        this.options.log.warn('event-loop-stalled', { lateMs });
        this.armWatchdog(WATCHDOG_STALL_RECHECK_MS, silenceMs);
        return;
      }
      this.fail(`no frame from the server for ${silenceMs} ms`, CloseCode.HEARTBEAT_TIMEOUT);
    }, delayMs);
  }

  /** Gives up on the current socket (timeout or silence) and schedules a reconnect. */
  private fail(why: string, closeCode: number | null): void {
    if (this.current === 'stopped' || this.current === 'reconnecting') return;
    this.options.log.warn('connection-failed', { reason: why });
    const socket = this.socket;
    this.connectionId++; // ignore whatever the old socket still reports
    if (socket !== null) {
      if (closeCode !== null) socket.close(closeCode, why.slice(0, 100));
      socket.terminate();
    }
    this.scheduleReconnect(closeCode ?? 1006, why);
  }

  private onClosed(code: number, reason: string): void {
    this.socket = null;
    if (this.current === 'stopped') {
      this.stopResolve?.();
      return;
    }
    this.options.log.warn('disconnected', { code, reason: reason.slice(0, 200) });
    this.scheduleReconnect(code, reason);
  }

  private scheduleReconnect(code: number, _reason: string): void {
    this.clearTimers();
    this.socket = null;
    const now = this.options.clock.now();
    if (this.readyAt !== null && now - this.readyAt >= BACKOFF_RESET_AFTER_MS) this.attempt = 0;
    this.readyAt = null;
    const slow = SLOW_RETRY_CLOSE_CODES.has(code);
    const delayMs = slow ? backoffDelayMs(BACKOFF_STEPS_MS.length - 1, this.options.random) : backoffDelayMs(this.attempt, this.options.random);
    this.attempt++;
    this.transition('reconnecting');
    this.options.log.info('reconnect-scheduled', { code, delayMs, attempt: this.attempt, slowRetry: slow });
    this.armTimer(delayMs, () => this.connect());
  }

  private armTimer(ms: number, fn: () => void): void {
    this.clearTimer();
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private clearTimers(): void {
    this.clearTimer();
    if (this.watchdog !== null) this.options.clock.clearTimeout(this.watchdog);
    this.watchdog = null;
  }
}
