import { ratio, summarize, type Summary } from './stats';

// Every number the bench produces is a Figure: what was timed (label), at which size, its runs, their
// median and p99, its ratio to the references measured in the same boot, and the target it is held
// against (printed, never asserted). Things that could not be measured are said, not invented.

/** The five sections of issue 8. */
export type SectionId = 'edit' | 'convergence' | 'agent' | 'ingest' | 'failover';

export const SECTION_TITLES: Record<SectionId, string> = {
  edit: '1. Edit latency: one weight change',
  convergence: '2. Convergence: empty table → N destinations',
  agent: '3. Agent cost on a director (stats at 1 Hz)',
  ingest: '4. Server ingest: simulated agents × destinations at 1 Hz',
  failover: '5. Failover: keepalived stopped on the MASTER',
};

/** One measured figure. */
export type Figure = {
  section: SectionId;
  /** "100", "10 × 1,000", "sync on" … */
  size: string;
  /** Stable id within section + size, used to find references. */
  id: string;
  label: string;
  unit: 'ms' | '% core' | 'MiB' | '%' | 'count';
  /** Fulcrum's own figure, a raw-tool reference, or context. */
  kind: 'fulcrum' | 'reference' | 'context';
  samples: number[];
  summary: Summary;
  /** Median of this figure ÷ median of each reference (same section and size); NaN when the reference is 0. */
  ratios: Array<{ to: string; value: number; referenceMedian: number }>;
  target: { text: string; met: boolean | null } | null;
  note: string | null;
};

/** The whole run, as written to .fulcrum/bench/<ISO time>.json. */
export type BenchReport = {
  startedAt: string;
  finishedAt: string | null;
  options: Record<string, unknown>;
  environment: Record<string, unknown>;
  figures: Figure[];
  /** What could not be measured here, and why. */
  notMeasured: string[];
  notes: string[];
  errors: Array<{ section: SectionId; message: string }>;
};

/** Collects figures as the sections produce them. */
export class FigureBook {
  readonly figures: Figure[] = [];

  add(figure: Omit<Figure, 'summary' | 'ratios' | 'target' | 'note'> & { note?: string | null; target?: Figure['target'] }): Figure {
    const full: Figure = { ...figure, summary: summarize(figure.samples), ratios: [], target: figure.target ?? null, note: figure.note ?? null };
    this.figures.push(full);
    return full;
  }

  find(section: SectionId, size: string, id: string): Figure | undefined {
    return this.figures.find((f) => f.section === section && f.size === size && f.id === id);
  }

  /** Adds "÷ reference" to `figureId` for each reference id (medians; skipped when either is missing). */
  compare(section: SectionId, size: string, figureId: string, referenceIds: string[]): void {
    const figure = this.find(section, size, figureId);
    if (!figure) return;
    for (const id of referenceIds) {
      const reference = this.find(section, size, id);
      if (!reference) continue;
      figure.ratios.push({ to: reference.label, value: ratio(figure.summary.median, reference.summary.median), referenceMedian: reference.summary.median });
    }
  }
}

function formatNumber(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'count') return String(Math.round(value));
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 100 ? `${Math.round(value)}` : value.toFixed(1);
  if (unit === 'MiB') return value.toFixed(1);
  return value.toFixed(value >= 100 ? 0 : 1);
}

function unitLabel(unit: Figure['unit']): string {
  return unit === 'ms' ? 'ms' : unit === '% core' ? '% of a core' : unit === 'MiB' ? 'MiB' : unit === '%' ? '%' : '';
}

/** The printed table: one block per section, a row per figure. */
export function renderTable(report: BenchReport): string {
  const out: string[] = [];
  const sections = Object.keys(SECTION_TITLES) as SectionId[];
  for (const section of sections) {
    const figures = report.figures.filter((f) => f.section === section);
    const errors = report.errors.filter((e) => e.section === section);
    if (figures.length === 0 && errors.length === 0) continue;
    out.push('', SECTION_TITLES[section]);
    const rows: string[][] = [['size', 'figure', 'median', 'p99', 'runs', 'vs reference (median ÷ median)', 'target']];
    for (const f of figures) {
      const unit = unitLabel(f.unit);
      rows.push([
        f.size,
        `${f.kind === 'reference' ? '  ref: ' : f.kind === 'context' ? '  · ' : ''}${f.label}${unit ? ` (${unit})` : ''}`,
        formatNumber(f.summary.median, f.unit),
        formatNumber(f.summary.p99, f.unit),
        String(f.summary.runs),
        f.ratios.map((r) => (Number.isFinite(r.value) ? `${r.value.toFixed(2)}× ${r.to}` : `n/a (reference median ${r.referenceMedian}): ${r.to}`)).join('; '),
        f.target ? `${f.target.met === null ? '?' : f.target.met ? 'met' : 'NOT met'}: ${f.target.text}` : '',
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.min(i === 1 ? 64 : i === 5 ? 60 : 40, Math.max(...rows.map((r) => r[i]!.length))));
    for (const [n, row] of rows.entries()) {
      out.push(row.map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
      if (n === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    for (const f of figures.filter((x) => x.note)) out.push(`  note (${f.size}, ${f.label}): ${f.note}`);
    for (const e of errors) out.push(`  FAILED: ${e.message}`);
  }
  if (report.notMeasured.length > 0) out.push('', 'Not measured here:', ...report.notMeasured.map((n) => `  - ${n}`));
  if (report.notes.length > 0) out.push('', 'Notes:', ...report.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
