import { describe, expect, it } from 'vitest';
import { formatDuration, StepPrinter, type Step } from './operation-progress';

const step = (id: string, status: Step['status'], detail = '', durationMs: number | null = null): Step => ({ id, label: `Step ${id}`, status, detail, durationMs });

describe('StepPrinter', () => {
  it('prints each step once when it starts and once when it ends, across snapshots', () => {
    const printer = new StepPrinter();
    expect(printer.lines([step('ssh', 'running')])).toEqual(['  … Step ssh']);
    expect(printer.lines([step('ssh', 'running')])).toEqual([]);
    // ssh ended and check ran entirely between two polls: check still gets both lines
    expect(printer.lines([step('ssh', 'ok', 'host key matches', 312), step('check', 'ok', 'root, Node.js v20', 1480), step('upload', 'running')])).toEqual([
      '  ✓ Step ssh: host key matches (312 ms)',
      '  … Step check',
      '  ✓ Step check: root, Node.js v20 (1.5 s)',
      '  … Step upload',
    ]);
    expect(printer.lines([step('ssh', 'ok', 'host key matches', 312), step('check', 'ok', 'root, Node.js v20', 1480), step('upload', 'failed', 'disk full', 20), step('rollback', 'skipped')])).toEqual([
      '  ✗ Step upload: disk full (20 ms)',
      '  … Step rollback',
      '  – Step rollback: skipped',
    ]);
  });

  it('escapes control characters a host could put in a detail', () => {
    const printer = new StepPrinter();
    expect(printer.lines([step('check', 'failed', 'sh: 1: node: not found\n\x1b]0;owned\x07', 5)])).toEqual(['  … Step check', '  ✗ Step check: sh: 1: node: not found\\n\\x1b]0;owned\\x07 (5 ms)']);
  });
});

describe('formatDuration', () => {
  it('uses ms below a second and tenths of seconds above', () => {
    expect([formatDuration(0), formatDuration(999), formatDuration(1000), formatDuration(61_234), formatDuration(null)]).toEqual(['0 ms', '999 ms', '1.0 s', '61.2 s', '']);
  });
});
