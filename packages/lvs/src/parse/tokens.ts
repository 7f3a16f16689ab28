import { isIP } from 'node:net';
import { canonicalizeAddress, splitAddressPort } from '../model/address';
import { LvsParseError } from '../model/errors';
import { SCHEDULERS, type Scheduler } from '../model/primitives';
import { SCHEDULER_FLAGS, type SchedulerFlag } from '../model/ipvs';

/** A line of input with its 1-based number, for error reporting. */
export interface NumberedLine {
  line: number;
  text: string;
}

/** Splits text into numbered lines, dropping a final empty line; CRLF tolerated. */
export function numberLines(text: string): NumberedLine[] {
  const lines = text.split('\n').map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, '') }));
  if (lines.length > 0 && lines[lines.length - 1]?.text === '') lines.pop();
  return lines;
}

/** Parser helpers bound to one line, so every failure names it. */
export class LineReader {
  constructor(readonly at: NumberedLine) {}
  /** Throws LvsParseError for this line. */
  fail(message: string): never {
    throw new LvsParseError(message, this.at.line, this.at.text);
  }
  /** A decimal integer within [min, max]. */
  int(token: string | undefined, what: string, min: number, max: number): number {
    if (token === undefined || !/^\d{1,12}$/.test(token)) this.fail(`Expected ${what}, got ${token === undefined ? 'end of line' : JSON.stringify(token)}`);
    const n = Number(token);
    if (n < min || n > max) this.fail(`${what} ${n} out of range ${min}–${max}`);
    return n;
  }
  /**
   * A firewall mark, 1–2^32-1. ipvsadm 1.31 prints marks with %d, so marks above 2^31-1 come out negative
   * (4294967295 is saved as "-f -1" and listed as "FWM  -1"; seen in the lab): read them back as unsigned.
   */
  fwmark(token: string | undefined): number {
    if (token !== undefined && /^-\d{1,10}$/.test(token)) {
      const n = Number(token);
      if (n < -2147483648) this.fail(`firewall mark ${n} out of range`);
      return n + 4294967296;
    }
    return this.int(token, 'firewall mark', 1, 4294967295);
  }
  /** A hexadecimal integer of exactly `digits` digits (kernel %0NX), or any length when digits is 0. */
  hex(token: string | undefined, what: string, digits = 0): number {
    const re = digits > 0 ? new RegExp(`^[0-9A-Fa-f]{${digits}}$`) : /^[0-9A-Fa-f]{1,16}$/;
    if (token === undefined || !re.test(token)) this.fail(`Expected hexadecimal ${what}, got ${JSON.stringify(token ?? '')}`);
    return parseInt(token, 16);
  }
  /** "addr:port" or "[v6]:port". */
  addressPort(token: string | undefined, what: string): { address: string; port: number } {
    const parsed = token === undefined ? null : splitAddressPort(token);
    if (!parsed) this.fail(`Expected ${what} as address:port, got ${JSON.stringify(token ?? '')}`);
    return parsed;
  }
  /** A bare IP address (kernel-printed IPv6 full form included), canonicalized. */
  address(token: string | undefined, what: string): string {
    if (token === undefined || isIP(token) === 0) this.fail(`Expected ${what} address, got ${JSON.stringify(token ?? '')}`);
    return canonicalizeAddress(token);
  }
  /** A known scheduler name. */
  scheduler(token: string | undefined): Scheduler {
    if (token === undefined || !(SCHEDULERS as readonly string[]).includes(token)) this.fail(`Unknown scheduler ${JSON.stringify(token ?? '')}`);
    return token as Scheduler;
  }
  /** A comma-separated list of scheduler flags as print_sched_flags writes them. */
  schedulerFlags(token: string | undefined): SchedulerFlag[] {
    if (token === undefined || token === '') this.fail('Expected scheduler flags');
    const flags = token.split(',');
    for (const f of flags) if (!(SCHEDULER_FLAGS as readonly string[]).includes(f)) this.fail(`Unknown scheduler flag ${JSON.stringify(f)}`);
    return flags as SchedulerFlag[];
  }
}

/** Whitespace tokens of a line. */
export function tokenize(text: string): string[] {
  return text.trim().split(/\s+/).filter((t) => t.length > 0);
}
