/** One line of a before/after view: a field path and how it changed. */
export type DiffRow = {
  path: string;
  kind: 'added' | 'removed' | 'changed' | 'unchanged';
  before?: unknown;
  after?: unknown;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects become dot paths; arrays and scalars are leaves (a VIP list reads better whole). */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) out.set(prefix, {});
    for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  out.set(prefix || '(value)', value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Compares an audit record's `before` and `after` JSON field by field. A create has only `after`
 * (everything added), a delete only `before` (everything removed). Rows keep the order of the
 * fields as written, `after`'s first, so the view matches the object's shape.
 */
export function diffAuditJson(before: unknown, after: unknown): DiffRow[] {
  const left = new Map<string, unknown>();
  const right = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, '', left);
  if (after !== null && after !== undefined) flatten(after, '', right);
  const paths = [...new Set([...right.keys(), ...left.keys()])];
  return paths.map((path): DiffRow => {
    const hasBefore = left.has(path);
    const hasAfter = right.has(path);
    if (!hasBefore) return { path, kind: 'added', after: right.get(path) };
    if (!hasAfter) return { path, kind: 'removed', before: left.get(path) };
    const b = left.get(path);
    const a = right.get(path);
    return { path, kind: sameJson(a, b) ? 'unchanged' : 'changed', before: b, after: a };
  });
}

/** A JSON value as an operator reads it: strings bare, lists comma-separated, null as "—". */
export function formatAuditValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
