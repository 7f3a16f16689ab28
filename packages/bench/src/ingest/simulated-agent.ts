import WebSocket from 'ws';
import { decodeServerFrame } from '@fulcrum/protocol/codec';
import { AgentFrame, AGENT_WS_PATH, PROTOCOL_VERSION, type DestinationStats, type ServiceStats } from '@fulcrum/protocol/frames';
import { destinationKey, serviceKey } from '@fulcrum/lvs/model/ipvs';

// A director agent as the server sees it — a real WebSocket speaking the real protocol (hello with a
// node token, applied for every snapshot, pong for every ping, stats frames) — without a kernel: its
// stats name exactly the services and destinations of the snapshot the server sent it. Each stats
// frame carries a marker in every destination's kernel weight (1, 2, 3 … per frame), which the live
// view shows per director as kernelWeights: the subscriber knows which frame it is looking at, and
// the agent knows when that frame left it.

/** One simulated director agent. */
export class SimulatedAgent {
  /** Marker → when the frame carrying it was handed to the socket (Date.now()). */
  readonly sentAt = new Map<number, number>();
  framesSent = 0;
  bytesSent = 0;
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private parts: string[] | null = null;
  private rest = '';
  private marker = 0;
  nodeName = '';

  constructor(
    private readonly serverUrl: string,
    private readonly token: string,
  ) {}

  /** Connects, says hello, and resolves once the first snapshot was answered with applied. */
  async connect(timeoutMs = 60_000): Promise<void> {
    const ws = new WebSocket(`${this.serverUrl.replace(/^http/, 'ws')}${AGENT_WS_PATH}`, { perMessageDeflate: false });
    this.ws = ws;
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => ((resolveReady = resolve), (rejectReady = reject)));
    const timer = setTimeout(() => rejectReady(new Error(`simulated agent: no snapshot within ${timeoutMs} ms`)), timeoutMs);
    ws.on('message', (data) => {
      const decoded = decodeServerFrame(data as Buffer);
      if (!decoded.ok) return;
      const frame = decoded.frame;
      if (frame.type === 'welcome') this.nodeName = frame.nodeName;
      else if (frame.type === 'ping') this.send({ v: PROTOCOL_VERSION, type: 'pong', nonce: frame.nonce });
      else if (frame.type === 'snapshot') {
        if (frame.node.role === 'DIRECTOR') this.prepareStats(frame.node.ipvs.services);
        this.send({ v: PROTOCOL_VERSION, type: 'applied', generation: frame.generation, status: 'applied', changes: 0, errors: [], missing: [], durationMs: 1 });
        clearTimeout(timer);
        resolveReady();
      }
    });
    ws.on('close', (code, reason) => rejectReady(new Error(`simulated agent closed: ${code} ${reason.toString()}`)));
    ws.on('error', (e) => rejectReady(e));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.send({ v: PROTOCOL_VERSION, type: 'hello', token: this.token, agentVersion: '0.1.0-bench', hostname: 'bench-simulated', capabilities: ['ipvs', 'keepalived'], lastAppliedGeneration: null });
    await ready;
  }

  private send(frame: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /**
   * The stats frame as text once, split where the marker goes: each second costs a join instead of
   * encoding 1,000 objects again (the load generator must not eat the cores the server is measured on).
   */
  private prepareStats(services: Array<Parameters<typeof serviceKey>[0] & { destinations: Array<{ address: string; port: number }> }>): void {
    const PLACEHOLDER = 65_535;
    const serviceStats: ServiceStats[] = services.map((s) => ({ serviceKey: serviceKey(s), activeConn: 3, inactConn: 7, connsPerSec: 1.5, packetsInPerSec: 20, packetsOutPerSec: 0, bytesInPerSec: 2000, bytesOutPerSec: 0 }));
    const destinations: DestinationStats[] = services.flatMap((s) =>
      s.destinations.map((d) => ({ serviceKey: serviceKey(s), destinationKey: destinationKey(d), weight: PLACEHOLDER, activeConn: 3, inactConn: 7, persistConn: 0, connsPerSec: 1.5, packetsInPerSec: 20, packetsOutPerSec: 0, bytesInPerSec: 2000, bytesOutPerSec: 0 })),
    );
    const body = JSON.stringify({ services: serviceStats, destinations });
    // the frame must be what the protocol says a stats frame is: checked once, here
    const checked = AgentFrame.safeParse(JSON.parse(`{"v":${PROTOCOL_VERSION},"type":"stats","sampledAt":${Date.now()},${body.slice(1)}`));
    if (!checked.success) throw new Error(`the simulated stats frame no longer matches the protocol (packages/protocol changed?): ${checked.error.message.slice(0, 500)}`);
    this.rest = body.slice(1);
    this.parts = this.rest.split(`"weight":${PLACEHOLDER}`);
  }

  /** Sends a stats frame every `periodMs`, the first after `offsetMs` (agents are not in step). */
  startStats(periodMs: number, offsetMs: number): void {
    const tick = () => {
      if (this.parts !== null && this.ws?.readyState === WebSocket.OPEN) {
        const marker = (this.marker++ % 65_000) + 1;
        const at = Date.now();
        const text = `{"v":${PROTOCOL_VERSION},"type":"stats","sampledAt":${at},${this.parts.join(`"weight":${marker}`)}`;
        this.sentAt.set(marker, at);
        this.ws.send(text);
        this.framesSent++;
        this.bytesSent += text.length;
      }
      this.timer = setTimeout(tick, periodMs - ((Date.now() - started - offsetMs) % periodMs));
    };
    const started = Date.now();
    this.timer = setTimeout(tick, offsetMs);
  }

  stopStats(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  async close(): Promise<void> {
    this.stopStats();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(resolve, 2000).unref();
    });
  }
}
