import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labGate } from '@fulcrum/lab/lab-gate';
import { BENCH_DIR, REPO_ROOT } from './paths';
import type { BenchReport, SectionId } from './report';

// The smoke run of `npm run bench`: --quick (sizes 20 and 200, 2 runs, 10 s windows, ingest 5 × 100)
// as a child process, exactly as a person runs it. It checks that every section produced numbers and
// the JSON was written — never the targets (those are printed by the bench, not asserted).

const gate = labGate();
const SECTIONS: SectionId[] = ['edit', 'convergence', 'agent', 'ingest', 'failover'];

describe.skipIf(gate.skip)('npm run bench -- --quick', () => {
  // A fresh clone has no .fulcrum/bench yet.
  mkdirSync(BENCH_DIR, { recursive: true });
  const outDir = mkdtempSync(join(BENCH_DIR, 'smoke-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('prints the table and writes the JSON with numbers in every section', async () => {
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'packages/bench/src/main.ts'), '--quick', '--out', outDir], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 11 * 60_000 }, () => undefined);
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });
    console.log(`bench --quick: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s\n${output.slice(-6000)}`);
    const files = readdirSync(outDir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(outDir, files[0]!), 'utf8')) as BenchReport;
    expect(report.errors).toEqual([]);
    expect(code).toBe(0);
    expect(output).toContain('1. Edit latency');
    for (const section of SECTIONS) {
      const figures = report.figures.filter((f) => f.section === section);
      expect(figures.length, section).toBeGreaterThan(0);
      for (const f of figures) {
        expect(f.summary.runs, `${section} ${f.size} ${f.label}`).toBeGreaterThan(0);
        expect(Number.isFinite(f.summary.median) && Number.isFinite(f.summary.p99), `${section} ${f.size} ${f.label}`).toBe(true);
        if (f.unit === 'ms' && f.id !== 'lag' && f.id !== 'back-server') expect(f.summary.median, `${section} ${f.size} ${f.label}`).toBeGreaterThan(0);
        // a ratio to a reference that measured 0 (a CPU figure below one clock tick) is n/a, not a number
        for (const r of f.ratios) if (r.referenceMedian > 0) expect(Number.isFinite(r.value), `${section} ${f.size} ${f.label} ÷ ${r.to}`).toBe(true);
      }
    }
    // every lab size has Fulcrum's figure and both references, with the ratios computed
    for (const size of ['20', '200']) {
      expect(report.figures.find((f) => f.section === 'edit' && f.size === size && f.id === 'kernels')?.ratios).toHaveLength(2);
      expect(report.figures.find((f) => f.section === 'convergence' && f.size === size && f.id === 'kernels')?.ratios).toHaveLength(2);
      expect(report.figures.find((f) => f.section === 'agent' && f.size === size && f.id === 'cpu')?.ratios).toHaveLength(2);
    }
    expect(report.figures.find((f) => f.section === 'failover' && f.id === 'server')?.ratios).toHaveLength(1);
  }, 12 * 60_000);
});
