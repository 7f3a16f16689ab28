/** WebSocket close codes of the agent protocol (4000–4999 are the application's). */
export const CloseCode = {
  /** Server shutting down or agent stopping (SIGTERM): reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Frame over MAX_FRAME_BYTES (ws closes with it by itself). */
  TOO_LARGE: 1009,
  /** No valid hello within the handshake timeout, or a first frame that is not hello. */
  HANDSHAKE_FAILED: 4000,
  /** Token unknown, revoked or rotated: do not retry fast — an admin must issue a new token. */
  UNAUTHORIZED: 4401,
  /** The node was deleted while connected. */
  NODE_GONE: 4404,
  /** No pong to two heartbeats in a row. */
  HEARTBEAT_TIMEOUT: 4408,
  /** Another connection presented the same node's token: the newer one wins. */
  REPLACED: 4409,
  /** Too many invalid frames: the peer is broken. */
  PROTOCOL_ERROR: 4422,
  /** The agent speaks another protocol version. */
  UNSUPPORTED_VERSION: 4426,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which an agent waits the longest backoff step before trying again: retrying fast cannot help. */
export const SLOW_RETRY_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.UNAUTHORIZED, CloseCode.UNSUPPORTED_VERSION, CloseCode.NODE_GONE]);
