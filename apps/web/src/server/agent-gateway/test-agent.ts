// For integration tests: a scripted agent over a real WebSocket, and the gateway on a plain HTTP
// server on an ephemeral port (no Next needed).
import { createServer, type Server } from 'node:http';
import WebSocket from 'ws';
import { decodeServerFrame } from '@fulcrum/protocol/codec';
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ServerFrame } from '@fulcrum/protocol/frames';
import type { AgentGateway } from './agent-gateway';

/** The gateway listening on 127.0.0.1 at an ephemeral port. */
export async function listenGateway(gateway: AgentGateway): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === AGENT_WS_PATH) gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}${AGENT_WS_PATH}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A scripted agent: records every server frame, answers pings unless told not to. */
export class TestAgent {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  autoPong = true;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const decoded = decodeServerFrame(data as Buffer);
      if (!decoded.ok) throw new Error(`server sent an invalid frame: ${decoded.message}`);
      this.frames.push(decoded.frame);
      if (decoded.frame.type === 'ping' && this.autoPong) this.send({ v: PROTOCOL_VERSION, type: 'pong', nonce: decoded.frame.nonce });
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a socket to the gateway (no frame sent yet). */
  static async open(url: string): Promise<TestAgent> {
    const ws = new WebSocket(url);
    const agent = new TestAgent(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return agent;
  }

  /** Opens a socket and says hello with the token. */
  static async connect(url: string, token: string, hello: Record<string, unknown> = {}): Promise<TestAgent> {
    const agent = await TestAgent.open(url);
    agent.send({ v: PROTOCOL_VERSION, type: 'hello', token, agentVersion: '0.1.0-test', hostname: 'test-host', capabilities: ['ipvs'], lastAppliedGeneration: null, ...hello });
    return agent;
  }

  /** Sends any value as JSON (or a raw string as is). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the next frame of a type that arrives after `after` frames were seen (default: any not yet taken). */
  async next<T extends ServerFrame['type']>(type: T, options: { timeoutMs?: number; after?: number } = {}): Promise<Extract<ServerFrame, { type: T }>> {
    const deadline = Date.now() + (options.timeoutMs ?? 3000);
    let from = options.after ?? 0;
    for (;;) {
      const index = this.frames.findIndex((f, i) => i >= from && f.type === type);
      if (index >= 0) return this.frames[index] as Extract<ServerFrame, { type: T }>;
      from = this.frames.length;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} frame within ${options.timeoutMs ?? 3000} ms (got ${this.frames.map((f) => f.type).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames of one type received so far. */
  all<T extends ServerFrame['type']>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.frames.filter((f) => f.type === type) as Array<Extract<ServerFrame, { type: T }>>;
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    await this.closed;
  }
}
