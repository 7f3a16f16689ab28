// One agent's WebSocket, as the explicit state machine PROTOCOL.md describes:
// authenticating (hello within the handshake timeout) → ready (welcome sent, heartbeats) → closed.
// The token presented in hello binds the connection to one node for its whole life: every report
// on it is stored for that node, and only that node's snapshot is ever sent on it.
import type { WebSocket, RawData } from 'ws';
import { decodeAgentFrame, encodeFrame } from '@fulcrum/protocol/codec';
import { CloseCode } from '@fulcrum/protocol/close-codes';
import { PROTOCOL_VERSION, type AgentFrame, type AgentSettings, type ErrorFrame, type ServerFrame } from '@fulcrum/protocol/frames';
import type { AgentNode } from '@fulcrum/core/agents/agent-presence';
import type { ReportableKeys } from '@fulcrum/core/desired-state/compile-snapshot-from-rows';

/** Invalid frames tolerated on one connection before it is closed with 4422. */
export const MAX_INVALID_FRAMES = 10;
/** Time an agent has to send hello after the upgrade. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** lastSeenAt is written at most this often per node (every frame would be a write per second per node). */
export const TOUCH_INTERVAL_MS = 10_000;

/** Where a connection is in its life. */
export type ConnectionState = 'authenticating' | 'ready' | 'closed';

/** A log line with structured fields (never the token). */
export type GatewayLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What a connection needs from the gateway around it. */
export type ConnectionHooks = {
  settings: AgentSettings;
  log: GatewayLog;
  handshakeTimeoutMs: number;
  /** Checks the hello; returns the node it binds to, or a close code and reason. */
  authenticate(connection: AgentConnection, hello: Extract<AgentFrame, { type: 'hello' }>): Promise<{ node: AgentNode; tokenHash: string } | { code: number; reason: string }>;
  /** Called once the welcome went out: register, mark connected, send the first snapshot. */
  onReady(connection: AgentConnection): Promise<void>;
  /** Handles one valid frame after the handshake. */
  onFrame(connection: AgentConnection, frame: AgentFrame): Promise<void>;
  /** Called once when the socket closed, whatever the reason. */
  onClosed(connection: AgentConnection, code: number, reason: string): void;
};

let nextConnectionId = 1;

/** One agent connection and its state. */
export class AgentConnection {
  readonly id = nextConnectionId++;
  state: ConnectionState = 'authenticating';
  node: AgentNode | null = null;
  tokenHash: string | null = null;
  agentVersion = '';
  hostname = '';
  lastAppliedGeneration: number | null = null;
  connectedAt = new Date();
  /** Newest generation sent on this connection. */
  sentGeneration: number | null = null;
  /** Keys this node may report on, from the newest snapshot sent. */
  reportable: ReportableKeys = { services: {}, vrrpInstances: [] };
  lastHeardAt = Date.now();
  lastTouchedAt = 0;
  private invalidFrames = 0;
  private unansweredPings = new Set<string>();
  private handshakeTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  // Frames are handled one after another, so a node's reports reach the database in the order sent.
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    private readonly hooks: ConnectionHooks,
    readonly remoteAddress: string,
  ) {
    this.handshakeTimer = setTimeout(() => this.close(CloseCode.HANDSHAKE_FAILED, 'No hello within the handshake timeout'), hooks.handshakeTimeoutMs);
    ws.on('message', (data, isBinary) => {
      this.chain = this.chain.then(() => this.receive(data, isBinary)).catch((error: unknown) => {
        hooks.log('error', 'frame handling failed', { connection: this.id, node: this.node?.id, error: (error as Error).message });
        this.sendError('INTERNAL', 'The server could not handle that frame');
      });
    });
    ws.on('close', (code, reason) => this.closed(code, reason.toString()));
    ws.on('error', (error) => hooks.log('warn', 'socket error', { connection: this.id, node: this.node?.id, error: error.message }));
  }

  /** Sends a frame if the socket is open; false when it is not. */
  send(frame: ServerFrame): boolean {
    if (this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(encodeFrame(frame));
    return true;
  }

  /** Answers a frame the server could not use. */
  sendError(code: ErrorFrame['code'], message: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', code, message: message.slice(0, 2000) });
  }

  /** Closes with a protocol close code; the reason is cut to what WebSocket allows (123 bytes). */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.stopTimers();
    let text = reason;
    while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
    this.ws.close(code, text);
    // A peer that never completes the closing handshake must not hold the slot: ws would wait 30 s.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** Counts an invalid frame, answers it, and closes the connection at the limit. */
  refuse(code: ErrorFrame['code'], message: string): void {
    this.invalidFrames++;
    this.hooks.log('warn', 'invalid frame', { connection: this.id, node: this.node?.id, code, message, count: this.invalidFrames });
    this.sendError(code, message);
    if (this.invalidFrames >= MAX_INVALID_FRAMES) this.close(CloseCode.PROTOCOL_ERROR, `${MAX_INVALID_FRAMES} invalid frames`);
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.state === 'closed') return;
    this.lastHeardAt = Date.now();
    if (isBinary) return this.refuse('INVALID_FRAME', 'Frames are UTF-8 JSON text messages');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    const decoded = decodeAgentFrame(text);
    if (this.state === 'authenticating') return this.handshake(text, decoded);
    if (!decoded.ok) return this.refuse(decoded.code, decoded.message);
    const frame = decoded.frame;
    if (frame.type === 'hello') return this.refuse('UNEXPECTED_FRAME', 'hello is only valid as the first frame');
    if (frame.type === 'pong') {
      if (this.unansweredPings.has(frame.nonce)) this.unansweredPings.clear();
      return;
    }
    if (frame.type === 'error') {
      this.hooks.log('warn', 'agent reported an error', { connection: this.id, node: this.node?.id, code: frame.code, message: frame.message });
      return;
    }
    await this.hooks.onFrame(this, frame);
  }

  private async handshake(text: string, decoded: ReturnType<typeof decodeAgentFrame>): Promise<void> {
    if (!decoded.ok) {
      if (isOtherVersion(text)) return this.close(CloseCode.UNSUPPORTED_VERSION, `Protocol version ${PROTOCOL_VERSION} only`);
      this.sendError(decoded.code, decoded.message);
      return this.close(CloseCode.HANDSHAKE_FAILED, `Invalid hello: ${decoded.message}`);
    }
    if (decoded.frame.type !== 'hello') {
      this.sendError('UNEXPECTED_FRAME', 'The first frame must be hello');
      return this.close(CloseCode.HANDSHAKE_FAILED, 'The first frame must be hello');
    }
    const hello = decoded.frame;
    const result = await this.hooks.authenticate(this, hello);
    if (this.state === 'closed') return;
    if ('code' in result) return this.close(result.code, result.reason);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.node = result.node;
    this.tokenHash = result.tokenHash;
    this.agentVersion = hello.agentVersion;
    this.hostname = hello.hostname;
    this.lastAppliedGeneration = hello.lastAppliedGeneration;
    this.connectedAt = new Date();
    this.state = 'ready';
    this.send({
      v: PROTOCOL_VERSION,
      type: 'welcome',
      nodeId: result.node.id,
      nodeName: result.node.name.slice(0, 63),
      clusterId: result.node.clusterId,
      role: result.node.role,
      serverVersion: SERVER_VERSION,
      settings: this.hooks.settings,
    });
    this.startHeartbeat();
    await this.hooks.onReady(this);
  }

  private startHeartbeat(): void {
    let counter = 0;
    this.heartbeatTimer = setInterval(() => {
      // Two pings without a pong: the agent (or the path to it) is gone.
      if (this.unansweredPings.size >= 2) {
        this.close(CloseCode.HEARTBEAT_TIMEOUT, 'No pong to two heartbeats');
        return;
      }
      const nonce = `${this.id}-${++counter}`;
      this.unansweredPings.add(nonce);
      this.send({ v: PROTOCOL_VERSION, type: 'ping', nonce, sentAt: Date.now() });
    }, this.hooks.settings.heartbeatIntervalMs);
  }

  private stopTimers(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.handshakeTimer = null;
    this.heartbeatTimer = null;
  }

  private closed(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.stopTimers();
    this.state = 'closed';
    this.hooks.onClosed(this, code, reason);
  }
}

/** The server's version as agents see it in welcome. */
export const SERVER_VERSION = '0.1.0';

function isOtherVersion(text: string): boolean {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION;
  } catch {
    return false;
  }
}
