import type { z } from 'zod';

/** Input that failed a schema before it could reach argv, a config file or the kernel. */
export class LvsValidationError extends Error {
  /** Stable code for the server's error formatter. */
  readonly code = 'VALIDATION_ERROR';
  /** One line per problem: "path: message". */
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super(`Invalid ${what}: ${issues.join('; ')}`);
    this.name = 'LvsValidationError';
    this.issues = issues;
  }
}

/** Text from the kernel or a tool that does not match the expected format: never guessed into a model. */
export class LvsParseError extends Error {
  /** Stable code for the server's error formatter. */
  readonly code = 'PARSE_ERROR';
  /** 1-based line number in the parsed text (0 when the whole input is at fault). */
  readonly line: number;
  /** The offending line as read. */
  readonly text: string;
  constructor(message: string, line: number, text: string) {
    super(`${message} (line ${line}: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)})`);
    this.name = 'LvsParseError';
    this.line = line;
    this.text = text;
  }
}

/** Parses `value` with `schema` or throws LvsValidationError naming every issue. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new LvsValidationError(
    what,
    result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`),
  );
}
