import { z } from 'zod';
import { AgentFrame, MAX_FRAME_BYTES, PROTOCOL_VERSION, ServerFrame } from './frames';

/** Why a frame could not be decoded: for the error frame and the log. */
export type DecodeFailure = { ok: false; code: 'INVALID_FRAME' | 'FRAME_TOO_LARGE'; message: string };
/** A decoded, validated frame or the reason it is not one. */
export type DecodeResult<T> = { ok: true; frame: T } | DecodeFailure;

function decode<T>(schema: z.ZodType<T>, data: string | Buffer | ArrayBuffer | Buffer[]): DecodeResult<T> {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8');
  if (Buffer.byteLength(text, 'utf8') > MAX_FRAME_BYTES) return { ok: false, code: 'FRAME_TOO_LARGE', message: `Frame is larger than ${MAX_FRAME_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'INVALID_FRAME', message: 'Frame is not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION) {
    return { ok: false, code: 'INVALID_FRAME', message: `Protocol version ${String((json as { v: unknown }).v)} is not ${PROTOCOL_VERSION}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, code: 'INVALID_FRAME', message: `${issue?.message ?? 'Invalid frame'}${where}` };
  }
  return { ok: true, frame: parsed.data };
}

/** Parses and validates a frame received from an agent. Never throws. */
export function decodeAgentFrame(data: string | Buffer | ArrayBuffer | Buffer[]): DecodeResult<AgentFrame> {
  return decode(AgentFrame, data);
}

/** Parses and validates a frame received from the server. Never throws. */
export function decodeServerFrame(data: string | Buffer | ArrayBuffer | Buffer[]): DecodeResult<ServerFrame> {
  return decode(ServerFrame, data);
}

/** Serialises a frame; throws if it would exceed MAX_FRAME_BYTES (a sender bug, not a peer's). */
export function encodeFrame(frame: AgentFrame | ServerFrame): string {
  const text = JSON.stringify(frame);
  if (Buffer.byteLength(text, 'utf8') > MAX_FRAME_BYTES) throw new Error(`Refusing to send a ${frame.type} frame larger than ${MAX_FRAME_BYTES} bytes`);
  return text;
}
