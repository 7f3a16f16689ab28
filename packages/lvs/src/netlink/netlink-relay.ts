import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { decodeMessages, errnoText, messageErrno, NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN, type NetlinkMessage } from './netlink-message';

/**
 * Node has no AF_NETLINK sockets, and the agent is one plain-JavaScript file with no native addon. Perl
 * (perl-base is Essential in Debian and Ubuntu: present on every such host) has socket(2) with any
 * domain, so this fixed script holds one netlink socket open and relays raw datagrams both ways:
 * stdin  → [u32 length][datagram] → send() to the kernel;
 * kernel → recv() → [u32 length][datagram] → stdout (length 0: the socket overran and lost replies).
 * It never interprets a byte: every message is built and parsed in TypeScript (netlink-message.ts).
 * argv is ['-e', RELAY_SCRIPT, '<netlink protocol number>'] — nothing else reaches perl.
 */
export const RELAY_SCRIPT = String.raw`
use strict; use warnings;
use Socket qw(SOCK_RAW SOL_SOCKET SO_RCVBUF);
use Errno qw(ENOBUFS EINTR);
my $proto = shift @ARGV;
die "netlink protocol must be a number\n" unless defined $proto && $proto =~ /^[0-9]{1,2}$/;
socket(my $s, 16, SOCK_RAW, $proto) or die "netlink socket: $!\n";
my $kernel = pack('SSLL', 16, 0, 0, 0);
bind($s, $kernel) or die "netlink bind: $!\n";
setsockopt($s, SOL_SOCKET, 33, pack('i', 8388608)) or setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack('i', 8388608));
binmode STDIN; binmode STDOUT;
my $child = fork() // die "fork: $!\n";
if ($child == 0) {
  close STDIN;
  while (1) {
    my $buf = '';
    if (!defined recv($s, $buf, 4194304, 0)) {
      next if $!{EINTR};
      if ($!{ENOBUFS}) { $buf = ''; } else { die "netlink recv: $!\n"; }
    }
    my $out = pack('L', length $buf) . $buf;
    my $off = 0;
    while ($off < length $out) {
      my $n = syswrite(STDOUT, $out, length($out) - $off, $off);
      exit 0 unless defined $n;
      $off += $n;
    }
  }
}
sub readn {
  my ($n) = @_; my $buf = '';
  while (length($buf) < $n) {
    my $r = sysread(STDIN, $buf, $n - length($buf), length($buf));
    next if !defined $r && $!{EINTR};
    return undef if !$r;
  }
  return $buf;
}
while (defined(my $h = readn(4))) {
  my $msg = readn(unpack('L', $h));
  last unless defined $msg;
  defined(send($s, $msg, 0, $kernel)) or die "netlink send: $!\n";
}
kill 'TERM', $child; waitpid($child, 0);
`;

/** A netlink request the kernel refused (NLMSG_ERROR with an errno), or a relay that failed. */
export class NetlinkError extends Error {
  readonly code = 'NETLINK_FAILED';
  constructor(
    message: string,
    /** errno from the kernel; 0 when the relay itself failed. */
    readonly errno: number,
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

/** How a request ends: with an acknowledgement (NLM_F_ACK), or with NLMSG_DONE after a dump. */
export type ReplyKind = 'ack' | 'dump';

interface Pending {
  kind: ReplyKind;
  messages: NetlinkMessage[];
  resolve(messages: NetlinkMessage[]): void;
  reject(error: Error): void;
}

/** Options to open a relay. */
export interface NetlinkRelayOptions {
  /** Absolute path of perl. */
  perlPath: string;
  /** Netlink protocol: 16 = NETLINK_GENERIC, 0 = NETLINK_ROUTE. */
  protocol: number;
  /** A request with no complete reply after this long fails (default 30 s). */
  timeoutMs?: number;
}

const MAX_DATAGRAM = 64 * 1024;

/**
 * One netlink socket (through the perl relay) with pipelined requests matched to their replies by
 * sequence number. Batches pack many messages into each datagram and keep a bounded window of
 * unanswered ones, so acknowledgements never overrun the receive buffer.
 */
export class NetlinkRelay {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 1;
  private inbound: Buffer = Buffer.alloc(0);
  private stderr = '';
  private failure: NetlinkError | null = null;
  private readonly timeoutMs: number;
  /** Resolves when the relay process has exited. */
  readonly exited: Promise<void>;

  constructor(options: NetlinkRelayOptions) {
    if (!Number.isInteger(options.protocol) || options.protocol < 0 || options.protocol > 31) throw new Error(`netlink protocol ${options.protocol} is not 0–31`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.child = spawn(options.perlPath, ['-e', RELAY_SCRIPT, String(options.protocol)], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.child.stdin.on('error', () => undefined); // a dead relay is reported through 'exit'
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.fail(`cannot run ${options.perlPath}: ${e.message}`);
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.fail(`netlink relay exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
        resolve();
      });
    });
    // An idle relay must not keep the process alive; a pending request must (see holdProcess).
    this.child.unref();
    this.pipes(this.child.stderr).unref?.();
    this.pipes(this.child.stdin).unref?.();
    this.holdProcess(false);
  }

  private pipes(stream: unknown): { ref?: () => void; unref?: () => void } {
    return stream as { ref?: () => void; unref?: () => void };
  }

  private holdProcess(hold: boolean): void {
    const stdout = this.pipes(this.child.stdout);
    if (hold) stdout.ref?.();
    else stdout.unref?.();
  }

  /** True until the relay has died (then every call fails with the reason). */
  get alive(): boolean {
    return this.failure === null;
  }

  /** Sends one request built around its sequence number and waits for its reply. */
  request(build: (seq: number) => Buffer, kind: ReplyKind): Promise<NetlinkMessage[]> {
    const seq = this.takeSeq();
    const reply = this.expect(seq, kind);
    this.write(build(seq));
    return this.withTimeout(reply, [seq]);
  }

  /**
   * Sends many acknowledged requests, `window` unanswered at most, packed into datagrams of up to
   * 64 KiB. Resolves with each request's errno (0 = done) in order; never rejects for a refused
   * request, only when the relay fails.
   */
  async batch(builds: ReadonlyArray<(seq: number) => Buffer>, window = 512): Promise<number[]> {
    const results = new Array<number>(builds.length).fill(0);
    const inFlight = new Set<Promise<void>>();
    let datagram: Buffer[] = [];
    let size = 0;
    const flush = (): void => {
      if (datagram.length > 0) this.write(Buffer.concat(datagram));
      datagram = [];
      size = 0;
    };
    for (const [index, build] of builds.entries()) {
      if (inFlight.size >= window) {
        flush();
        await Promise.race(inFlight);
      }
      const seq = this.takeSeq();
      const message = build(seq);
      if (size > 0 && size + message.length > MAX_DATAGRAM) flush();
      datagram.push(message);
      size += message.length;
      const done: Promise<void> = this.withTimeout(this.expect(seq, 'ack'), [seq])
        .then(
          () => undefined,
          (e: Error) => {
            if (!(e instanceof NetlinkError) || e.errno === 0) throw e;
            results[index] = e.errno;
          },
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    flush();
    await Promise.all(inFlight);
    return results;
  }

  /** Stops the relay (pending requests fail). */
  close(): void {
    this.fail('netlink relay closed');
    this.child.stdin.end();
    this.child.kill('SIGTERM');
  }

  private takeSeq(): number {
    const seq = this.nextSeq;
    this.nextSeq = this.nextSeq >= 0x7fffffff ? 1 : this.nextSeq + 1;
    return seq;
  }

  private expect(seq: number, kind: ReplyKind): Promise<NetlinkMessage[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending.size === 0) this.holdProcess(true);
    return new Promise<NetlinkMessage[]>((resolve, reject) => this.pending.set(seq, { kind, messages: [], resolve, reject })).finally(() => {
      this.pending.delete(seq);
      if (this.pending.size === 0) this.holdProcess(false);
    });
  }

  private withTimeout<T>(promise: Promise<T>, seqs: number[]): Promise<T> {
    const timer = setTimeout(() => {
      for (const seq of seqs) this.pending.get(seq)?.reject(new NetlinkError(`no netlink reply within ${this.timeoutMs} ms`, 0));
    }, this.timeoutMs);
    timer.unref();
    return promise.finally(() => clearTimeout(timer));
  }

  private write(datagram: Buffer): void {
    if (this.failure) return;
    const header = Buffer.alloc(4);
    header.writeUInt32LE(datagram.length);
    this.child.stdin.write(Buffer.concat([header, datagram]));
  }

  private onData(chunk: Buffer): void {
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= 4) {
      const length = this.inbound.readUInt32LE(0);
      if (this.inbound.length < 4 + length) break;
      const datagram = this.inbound.subarray(4, 4 + length);
      this.inbound = this.inbound.subarray(4 + length);
      if (length === 0) {
        // the receive buffer overran: some replies are lost for good, so nothing pending can complete
        this.failPending(new NetlinkError('the netlink receive buffer overran: replies were lost', 105));
        continue;
      }
      try {
        for (const message of decodeMessages(datagram)) this.onMessage(message);
      } catch (e) {
        this.failPending(new NetlinkError(`undecodable netlink reply: ${(e as Error).message}`, 0));
      }
    }
  }

  private onMessage(message: NetlinkMessage): void {
    const pending = this.pending.get(message.seq);
    if (!pending) return; // a reply to a request that timed out
    if (message.type === NLMSG_ERROR) {
      const errno = messageErrno(message);
      this.pending.delete(message.seq);
      if (errno === 0) pending.resolve(pending.messages);
      else pending.reject(new NetlinkError(errnoText(errno), errno));
      return;
    }
    if (message.type === NLMSG_DONE) {
      const errno = messageErrno(message);
      this.pending.delete(message.seq);
      if (errno > 0) pending.reject(new NetlinkError(errnoText(errno), errno));
      else pending.resolve(pending.messages);
      return;
    }
    if (message.type === NLMSG_OVERRUN) {
      this.pending.delete(message.seq);
      pending.reject(new NetlinkError('netlink overrun', 105));
      return;
    }
    pending.messages.push(message); // a reply or dump part; the ack or NLMSG_DONE that follows completes it
  }

  private failPending(error: NetlinkError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new NetlinkError(why, 0);
    this.failPending(this.failure);
  }
}
