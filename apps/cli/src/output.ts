import type { Io } from './terminal';

// Text for people on stdout, or (--json) exactly one JSON document on stdout and nothing else there,
// so `fulcrum ... --json | jq` always has something to parse. Problems go to stderr in both modes.

export class Output {
  constructor(
    private readonly io: Io,
    readonly isJson: boolean,
  ) {}

  /** A line for people; nothing in --json mode. */
  line(text = ''): void {
    if (!this.isJson) this.io.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** The one JSON document of a --json run; nothing in text mode. */
  result(value: unknown): void {
    if (this.isJson) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A problem, on stderr in both modes. */
  problem(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
