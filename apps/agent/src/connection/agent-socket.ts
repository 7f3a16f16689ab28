import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES } from '@fulcrum/protocol/frames';

/** The few things the connection needs from a WebSocket: events in, text and close out. */
export interface AgentSocket {
  send(text: string): void;
  /** Clean close (close frame with a code). */
  close(code: number, reason: string): void;
  /** Drop the TCP connection at once (the peer is silent; a close handshake would hang). */
  terminate(): void;
  /** Bytes queued for sending and not yet handed to the kernel. */
  bufferedAmount(): number;
}

/** Callbacks a socket reports to. */
export interface AgentSocketEvents {
  onOpen(): void;
  onMessage(data: string): void;
  /** Bytes arrived (possibly part of a large frame still on its way): the link is alive. */
  onActivity(): void;
  /** Exactly once per socket, whatever ended it. */
  onClose(code: number, reason: string): void;
}

/** Opens a socket to a URL (the real one is ws; tests pass fakes). */
export type OpenSocket = (url: string, events: AgentSocketEvents) => AgentSocket;

/** A socket factory backed by the ws library. */
export function createWsOpener(options: { caFile?: string } = {}): OpenSocket {
  const ca = options.caFile ? readFileSync(options.caFile) : undefined;
  return (url, events) => {
    const ws = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000, perMessageDeflate: false, ...(ca ? { ca } : {}) });
    let closed = false;
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      events.onClose(code, reason);
    };
    ws.on('open', () => events.onOpen());
    // A 1–2 MB snapshot over a slow link can take longer than the heartbeat budget: pings queue behind
    // it on the same TCP stream. Raw bytes arriving prove the link alive (an extra 'data' listener on
    // the upgraded socket; ws keeps its own).
    ws.on('upgrade', (response) => response.socket.on('data', () => events.onActivity()));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        events.onMessage('\u0000binary');
        return;
      }
      events.onMessage(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
    });
    ws.on('close', (code, reason) => finish(code, reason.toString('utf8')));
    // an error is followed by close in ws; the message is kept for the log line
    ws.on('error', (error) => {
      if (ws.readyState === WebSocket.CLOSED) finish(1006, error.message);
      else (ws as { lastError?: string }).lastError = error.message;
    });
    ws.on('unexpected-response', (_request, response) => {
      ws.terminate();
      finish(1006, `HTTP ${response.statusCode ?? '?'} on upgrade`);
    });
    return {
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
      },
      close: (code, reason) => {
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
      },
      terminate: () => {
        ws.terminate();
        finish(1006, 'terminated');
      },
      bufferedAmount: () => ws.bufferedAmount,
    };
  };
}
