import { connect, type Socket } from 'node:net';
import {
  CONTROL_PROTOCOL_VERSION,
  GuestFrame,
  LineSplitter,
  encodeFrame,
  parseFrame,
  type ExecResultFrame,
  type HostFrameInput,
  type LabSignal,
} from './control-protocol';

/** Options for one command run in a lab host. */
export interface ExecOptions {
  env?: Record<string, string>;
  stdin?: string;
  /** Kill the command (its whole process group) after this long; default 30 s. */
  timeoutMs?: number;
  /** Give the command its own tmpfs on /tmp and /run. */
  privateTmp?: boolean;
}

/** What a command run in a lab host produced. */
export interface ExecResult {
  host: string;
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

/** Thrown when the control agent answers a request with an error frame. */
export class LabControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LabControlError';
  }
}

/** How a spawned process ended. */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
}

type Pending = { resolve: (frame: GuestFrame) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
type ResponseFor<T extends GuestFrame['type']> = Extract<GuestFrame, { type: T }>;

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
// Margin for the agent to notice its own timeout, kill, and answer before the host gives up.
const REPLY_MARGIN_MS = 15_000;

/** Host side of the lab control channel: one authenticated TCP connection, requests multiplexed by id. */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exits = new Map<number, ProcessExit>();
  private readonly exitListeners = new Set<(pid: number, exit: ProcessExit) => void>();
  private closedError: Error | null = null;
  private markClosed: () => void = () => undefined;
  /** Resolves when the connection closes (the lab stopped, or the guest died). */
  readonly closed: Promise<void> = new Promise((resolve) => {
    this.markClosed = resolve;
  });

  private constructor(private readonly socket: Socket) {}

  /** Connects to the control agent and authenticates with the per-boot token. */
  static async connect(options: { address: string; port: number; token: string; timeoutMs?: number }): Promise<ControlClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = connect({ host: options.address, port: options.port });
    socket.setNoDelay(true);
    const client = new ControlClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`lab control agent at ${options.address}:${options.port} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const splitter = new LineSplitter();
      let welcomed = false;
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('connect', () => socket.write(encodeFrame({ type: 'hello', v: CONTROL_PROTOCOL_VERSION, token: options.token })));
      socket.on('data', (chunk: Buffer) => {
        let lines: string[];
        try {
          lines = splitter.push(chunk);
        } catch (error) {
          socket.destroy(error as Error);
          return;
        }
        for (const line of lines) {
          const parsed = parseFrame(GuestFrame, line);
          if (!parsed.ok) {
            process.stderr.write(`lab control: ignoring bad frame from guest: ${parsed.error}\n`);
            continue;
          }
          if (!welcomed) {
            clearTimeout(timer);
            if (parsed.frame.type !== 'welcome') {
              socket.destroy();
              reject(new LabControlError('UNAUTHENTICATED', parsed.frame.type === 'error' ? parsed.frame.message : 'no welcome'));
              return;
            }
            welcomed = true;
            resolve();
            continue;
          }
          client.onFrame(parsed.frame);
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        client.onClose();
        if (!welcomed) reject(new Error('lab control connection closed before welcome'));
      });
    });
    socket.on('error', () => undefined);
    return client;
  }

  private onFrame(frame: GuestFrame): void {
    if (frame.type === 'exited') {
      const exit = { exitCode: frame.exitCode, signal: frame.signal };
      this.exits.set(frame.pid, exit);
      for (const listener of this.exitListeners) listener(frame.pid, exit);
      return;
    }
    if (frame.type === 'welcome') return;
    const id = frame.id;
    if (id === null) {
      process.stderr.write(`lab control: guest error: ${frame.type === 'error' ? frame.message : frame.type}\n`);
      return;
    }
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (frame.type === 'error') pending.reject(new LabControlError(frame.code, frame.message));
    else pending.resolve(frame);
  }

  private onClose(): void {
    this.closedError ??= new Error('lab control connection closed');
    this.markClosed();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(this.closedError);
      this.pending.delete(id);
    }
  }

  private request<T extends GuestFrame['type']>(frame: HostFrameInput, expected: T, timeoutMs: number): Promise<ResponseFor<T>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = 'id' in frame ? frame.id : 0;
    return new Promise<ResponseFor<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`lab control: no answer to ${frame.type} #${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (response) => {
          if (response.type === expected) resolve(response as ResponseFor<T>);
          else reject(new Error(`lab control: expected ${expected}, got ${response.type}`));
        },
        reject,
        timer,
      });
      this.socket.write(encodeFrame(frame));
    });
  }

  /** Runs argv in a lab host ("guest" = the guest root namespace) and collects its output. */
  async exec(host: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const frame: ExecResultFrame = await this.request(
      {
        type: 'exec',
        id: this.nextId++,
        host,
        argv,
        env: options.env ?? {},
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
        timeoutMs,
        privateTmp: options.privateTmp ?? false,
      },
      'exec-result',
      timeoutMs + REPLY_MARGIN_MS,
    );
    const { type: _type, id: _id, ...result } = frame;
    return { host, argv, ...result };
  }

  /** Starts a long-running process in a lab host with output appended to logPath; returns its guest pid. */
  async spawn(host: string, argv: string[], options: { env?: Record<string, string>; logPath: string; privateTmp?: boolean }): Promise<number> {
    const frame = await this.request(
      { type: 'spawn', id: this.nextId++, host, argv, env: options.env ?? {}, logPath: options.logPath, privateTmp: options.privateTmp ?? false },
      'spawned',
      REPLY_MARGIN_MS,
    );
    return frame.pid;
  }

  /** Sends a signal to the process group of a process this lab spawned. */
  async signal(pid: number, signal: LabSignal): Promise<void> {
    await this.request({ type: 'signal', id: this.nextId++, pid, signal }, 'ok', REPLY_MARGIN_MS);
  }

  /** Round trip to the agent; returns the guest's uptime in seconds. */
  async ping(): Promise<number> {
    const frame = await this.request({ type: 'ping', id: this.nextId++ }, 'pong', REPLY_MARGIN_MS);
    return frame.uptimeSeconds;
  }

  /** Asks the agent to kill everything it spawned and exit (the guest then powers off). */
  async shutdown(timeoutMs = 3_000): Promise<void> {
    await this.request({ type: 'shutdown', id: this.nextId++ }, 'ok', timeoutMs);
  }

  /** The exit of a spawned process, if it has been reported. */
  exitOf(pid: number): ProcessExit | undefined {
    return this.exits.get(pid);
  }

  /** Subscribes to exits of spawned processes; returns the unsubscribe function. */
  onExit(listener: (pid: number, exit: ProcessExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.closedError !== null;
  }

  /** Closes the connection (processes in the guest keep running). */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
