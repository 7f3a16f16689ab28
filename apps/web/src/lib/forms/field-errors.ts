import type { z } from 'zod';

/** Messages per input field, as the server sends them (`fieldErrors`) and as forms show them. */
export type FieldErrors = Record<string, string[]>;

/**
 * Groups zod issues by their top-level field, the same keys the server uses, so one component
 * shows client-side and server-side complaints alike. Nested paths (`vips.2`) stay on their
 * field (`vips`) with the position in the message, since a list is edited as one input.
 */
export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const result: FieldErrors = {};
  for (const issue of error.issues) {
    const [head, ...rest] = issue.path;
    const key = head === undefined ? '_form' : String(head);
    const where = rest.length > 0 && typeof rest[0] === 'number' ? `Item ${rest[0] + 1}: ` : '';
    const message = `${where}${issue.message}`;
    const list = (result[key] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return result;
}

/** Parses a form's text as an integer, or returns the text unchanged so the schema reports it. */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/** Like numberOrText, but an empty box means "not set" (null). */
export function optionalNumber(text: string): number | string | null {
  return text.trim() === '' ? null : numberOrText(text);
}

/** Empty text means "not set" (null); anything else is sent trimmed. */
export function optionalText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}

/** Splits a list typed one per line or separated by commas/spaces. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
