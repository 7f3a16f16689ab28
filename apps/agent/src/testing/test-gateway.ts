import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeAgentFrame, encodeFrame } from '@fulcrum/protocol/codec';
import { AGENT_WS_PATH, PROTOCOL_VERSION, type AgentFrame, type ServerFrame, type WelcomeFrame } from '@fulcrum/protocol/frames';
import { welcome } from './snapshots';

// A small server speaking the agent protocol for the agent's integration and lab tests: a real
// WebSocket server on a real port, with only what the tests need (tokens → node name and role,
// welcome, snapshots pushed by the test, pings, recorded frames). The product's gateway lives in apps/web.

/** A frame an agent sent, with the node it came from and when it arrived. */
export interface ReceivedFrame {
  node: string;
  at: number;
  frame: AgentFrame;
}

/** A node the gateway knows. */
export interface GatewayNode {
  name: string;
  role: 'DIRECTOR' | 'REAL_SERVER';
}

/** Options of the test gateway. */
export interface TestGatewayOptions {
  host?: string;
  port?: number;
  /** token → node. */
  nodes: Record<string, GatewayNode>;
  settings?: Partial<WelcomeFrame['settings']>;
  /** Send pings (default true). */
  ping?: boolean;
}

/** A running test gateway. */
export class TestGateway {
  readonly received: ReceivedFrame[] = [];
  readonly closes: Array<{ node: string | null; code: number; at: number }> = [];
  readonly hellos: Array<{ node: string | null; at: number; lastAppliedGeneration: number | null }> = [];
  private readonly sockets = new Map<string, WebSocket>();
  /** The last snapshot sent to each node: sent again after every welcome, like the real server. */
  private readonly lastSnapshot = new Map<string, string>();
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  /** Pings stop (simulates a hung server) while true. */
  silent = false;
  /** Reject every hello with this close code (4401 …) while set. */
  rejectWith: number | null = null;

  private constructor(private readonly options: TestGatewayOptions) {}

  /** Starts a gateway; port 0 picks a free one. */
  static async start(options: TestGatewayOptions): Promise<TestGateway> {
    const gateway = new TestGateway(options);
    await gateway.listen(options.port ?? 0);
    return gateway;
  }

  /** ws:// URL agents connect to. */
  url = '';
  port = 0;

  private async listen(port: number): Promise<void> {
    const server = createServer((_, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
    server.on('upgrade', (request, socket, head) => {
      if (request.url !== AGENT_WS_PATH) return socket.destroy();
      wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as AddressInfo).port;
    this.url = `ws://${this.options.host ?? '127.0.0.1'}:${this.port}${AGENT_WS_PATH}`;
    const interval = this.settings().heartbeatIntervalMs;
    if (this.options.ping !== false)
      this.pingTimer = setInterval(() => {
        if (this.silent) return;
        for (const ws of this.sockets.values()) ws.send(encodeFrame({ v: PROTOCOL_VERSION, type: 'ping', nonce: `n${Date.now()}`, sentAt: Date.now() }));
      }, interval);
  }

  private settings(): WelcomeFrame['settings'] {
    return { heartbeatIntervalMs: 1000, statsIntervalMs: 500, reconcileIntervalMs: 2000, kernelTableIntervalMs: 5000, ...this.options.settings };
  }

  private onConnection(ws: WebSocket): void {
    let node: string | null = null;
    ws.on('message', (data) => {
      const decoded = decodeAgentFrame(data as Buffer);
      if (!decoded.ok) {
        ws.send(encodeFrame({ v: PROTOCOL_VERSION, type: 'error', code: decoded.code, message: decoded.message }));
        return;
      }
      const frame = decoded.frame;
      if (node === null) {
        if (frame.type !== 'hello') return ws.close(4000, 'hello first');
        const known = this.options.nodes[frame.token];
        this.hellos.push({ node: known?.name ?? null, at: Date.now(), lastAppliedGeneration: frame.lastAppliedGeneration });
        if (this.silent) return; // a hung server: accepts the socket, never answers
        if (this.rejectWith !== null || !known) return ws.close(this.rejectWith ?? 4401, 'unauthorized');
        node = known.name;
        this.sockets.get(node)?.close(4409, 'replaced');
        this.sockets.set(node, ws);
        ws.send(encodeFrame({ ...welcome(known.role, this.settings()), nodeName: known.name }));
        const snapshot = this.lastSnapshot.get(node);
        if (snapshot !== undefined) ws.send(snapshot);
        return;
      }
      this.received.push({ node, at: Date.now(), frame });
    });
    ws.on('close', (code) => {
      this.closes.push({ node, code, at: Date.now() });
      if (node !== null && this.sockets.get(node) === ws) this.sockets.delete(node);
    });
  }

  /** True while the node has a welcomed connection. */
  isConnected(node: string): boolean {
    return this.sockets.has(node);
  }

  /** Sends a frame to a node; throws when it is not connected. */
  send(node: string, frame: ServerFrame): void {
    const text = encodeFrame(frame);
    if (frame.type === 'snapshot') this.lastSnapshot.set(node, text);
    this.sendRaw(node, text);
  }

  /** Sends raw text (invalid frames for the tests). */
  sendRaw(node: string, text: string): void {
    const ws = this.sockets.get(node);
    if (!ws) throw new Error(`${node} is not connected`);
    ws.send(text);
  }

  /** Frames of one node (optionally of one type). */
  framesOf<T extends AgentFrame['type']>(node: string, type?: T): Array<ReceivedFrame & { frame: Extract<AgentFrame, { type: T }> }> {
    return this.received.filter((r) => r.node === node && (type === undefined || r.frame.type === type)) as Array<ReceivedFrame & { frame: Extract<AgentFrame, { type: T }> }>;
  }

  /** Waits for a frame matching `match` received after `since` (ms timestamp). */
  async waitForFrame<T extends AgentFrame['type']>(node: string, type: T, match: (frame: Extract<AgentFrame, { type: T }>) => boolean = () => true, timeoutMs = 10_000, since = 0): Promise<ReceivedFrame & { frame: Extract<AgentFrame, { type: T }> }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.framesOf(node, type).find((r) => r.at >= since && match(r.frame));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} frame from ${node} within ${timeoutMs} ms (got: ${this.framesOf(node).map((r) => r.frame.type).join(', ') || 'nothing'})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits until a node is connected (welcomed). */
  async waitForConnection(node: string, timeoutMs = 15_000): Promise<number> {
    const started = Date.now();
    while (!this.isConnected(node)) {
      if (Date.now() - started > timeoutMs) throw new Error(`${node} did not connect within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now() - started;
  }

  /** Stops listening and drops every connection (close 1001, like a server restart). */
  async stop(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const ws of this.sockets.values()) ws.close(1001, 'server stopping');
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  }

  /** Listens again on the same port (after stop). */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }
}
