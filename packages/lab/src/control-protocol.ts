import { z } from 'zod';

// The lab control channel: JSON lines over one TCP connection from the host to the control agent in
// the guest's root namespace. Both sides safeParse every line; a bad line gets an `error` frame and
// never kills the agent. Requests carry an `id`; responses echo it. `exited` is an unsolicited event.

export const CONTROL_PROTOCOL_VERSION = 1;

/** Longest accepted line: large `ipvsadm -Ln` dumps fit, a runaway stream does not. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Longest stdout/stderr the agent keeps per exec (the rest is dropped and flagged). */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

// "guest" is the guest's root namespace (where the bridge and tap live); every other name is a lab host.
const TargetHost = z.string().regex(/^[a-z][a-z0-9-]{0,23}$/);
const Argv = z.array(z.string().max(65_536).refine((arg) => !arg.includes('\0'), 'NUL in argument')).min(1).max(4096);
const Env = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().refine((v) => !v.includes('\0'))).default({});
const RequestId = z.number().int().nonnegative();
export const LabSignal = z.enum(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGSTOP', 'SIGCONT', 'SIGUSR1', 'SIGUSR2']);
export type LabSignal = z.infer<typeof LabSignal>;

export const HelloFrame = z.object({ type: z.literal('hello'), v: z.literal(CONTROL_PROTOCOL_VERSION), token: z.string().min(16).max(256) });
export const ExecFrame = z.object({
  type: z.literal('exec'),
  id: RequestId,
  host: TargetHost,
  argv: Argv,
  env: Env,
  stdin: z.string().max(MAX_CAPTURE_BYTES).optional(),
  timeoutMs: z.number().int().min(1).max(3_600_000),
  /** Run with its own tmpfs on /tmp and /run (a private mount namespace). */
  privateTmp: z.boolean().default(false),
});
export const SpawnFrame = z.object({
  type: z.literal('spawn'),
  id: RequestId,
  host: TargetHost,
  argv: Argv,
  env: Env,
  /** Absolute path (on hostfs, so the host reads it directly) that receives stdout and stderr. */
  logPath: z.string().regex(/^\/[^\0]*$/),
  privateTmp: z.boolean().default(false),
});
export const SignalFrame = z.object({
  type: z.literal('signal'),
  id: RequestId,
  pid: z.number().int().min(2),
  signal: LabSignal,
});
export const PingFrame = z.object({ type: z.literal('ping'), id: RequestId });
export const ShutdownFrame = z.object({ type: z.literal('shutdown'), id: RequestId });

/** Every frame the host may send. */
export const HostFrame = z.discriminatedUnion('type', [HelloFrame, ExecFrame, SpawnFrame, SignalFrame, PingFrame, ShutdownFrame]);
export type HostFrame = z.infer<typeof HostFrame>;
export type HostFrameInput = z.input<typeof HostFrame>;

export const WelcomeFrame = z.object({ type: z.literal('welcome'), v: z.literal(CONTROL_PROTOCOL_VERSION) });
export const ExecResultFrame = z.object({
  type: z.literal('exec-result'),
  id: RequestId,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
  durationMs: z.number(),
});
export const SpawnedFrame = z.object({ type: z.literal('spawned'), id: RequestId, pid: z.number().int() });
export const OkFrame = z.object({ type: z.literal('ok'), id: RequestId });
export const PongFrame = z.object({ type: z.literal('pong'), id: RequestId, uptimeSeconds: z.number() });
export const ErrorFrame = z.object({
  type: z.literal('error'),
  id: RequestId.nullable(),
  code: z.enum(['BAD_FRAME', 'UNAUTHENTICATED', 'NO_SUCH_HOST', 'SPAWN_FAILED', 'NO_SUCH_PROCESS', 'INTERNAL']),
  message: z.string(),
});
/** A spawned process ended (sent to every authenticated connection). */
export const ExitedFrame = z.object({
  type: z.literal('exited'),
  pid: z.number().int(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
});

/** Every frame the guest agent may send. */
export const GuestFrame = z.discriminatedUnion('type', [WelcomeFrame, ExecResultFrame, SpawnedFrame, OkFrame, PongFrame, ErrorFrame, ExitedFrame]);
export type GuestFrame = z.infer<typeof GuestFrame>;
export type ExecResultFrame = z.infer<typeof ExecResultFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/** Serialises one frame as a JSON line. */
export function encodeFrame(frame: HostFrameInput | GuestFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

/** Result of parsing one line: the frame, or a one-line reason. */
export type ParsedFrame<T> = { ok: true; frame: T } | { ok: false; error: string; id: number | null };

/** Parses one JSON line against a schema without throwing; recovers the request id when it can. */
export function parseFrame<S extends z.ZodType>(schema: S, line: string): ParsedFrame<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON', id: null };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, frame: result.data };
  const maybeId = (raw as { id?: unknown } | null)?.id;
  const id = typeof maybeId === 'number' && Number.isInteger(maybeId) && maybeId >= 0 ? maybeId : null;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, error: `invalid frame: ${where}${issue?.message ?? 'unknown'}`, id };
}

/**
 * Splits a byte stream into lines. Holds partial lines between chunks and refuses a line longer than
 * `maxBytes` (the connection should then be closed: framing can no longer be trusted).
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number = MAX_FRAME_BYTES) {}

  /** Feeds a chunk; returns the complete lines it finished. Throws when a line exceeds the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > this.maxBytes) throw new Error(`frame longer than ${this.maxBytes} bytes`);
      const line = Buffer.concat([...this.pending, piece]).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      if (line.trim().length > 0) lines.push(line);
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxBytes) throw new Error(`frame longer than ${this.maxBytes} bytes`);
      this.pending.push(Buffer.from(rest));
    }
    return lines;
  }
}
