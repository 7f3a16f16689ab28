import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BENCH_DIR } from './paths';
import type { SectionId } from './report';

/** What `npm run bench -- …` accepts. */
export const USAGE = `Usage: npm run bench -- [options]
  --sizes 100,1000,10000   destinations per director for the lab sections (default 100,1000,10000)
  --repeat K               runs per figure (default 5)
  --quick                  smoke mode: sizes 20,200, repeat 2, 10 s windows, ingest 5 × 100
  --sections LIST          any of edit,convergence,agent,ingest,failover (default: all)
  --agent-window-ms MS     agent cost window (default 60000; quick 10000)
  --ingest-window-ms MS    server ingest window (default 60000; quick 10000)
  --rebuild                build the web app first (npm start reuses an existing build, which may
                           predate the source; the JSON says when the build was made)
  --out DIR                where <ISO time>.json goes (default .fulcrum/bench)`;

const ALL_SECTIONS: SectionId[] = ['edit', 'convergence', 'agent', 'failover', 'ingest'];

/** Parsed options. */
export type BenchOptions = {
  sizes: number[];
  repeat: number;
  quick: boolean;
  sections: SectionId[];
  agentWindowMs: number;
  agentSubWindowMs: number;
  ingestWindowMs: number;
  ingestSubWindowMs: number;
  outDir: string;
  rebuild: boolean;
};

const Size = z.coerce.number().int().min(1).max(20_000);

/** Parses argv (without node and the script); throws with the usage on a bad option. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      repeat: { type: 'string' },
      quick: { type: 'boolean', default: false },
      sections: { type: 'string' },
      'agent-window-ms': { type: 'string' },
      'ingest-window-ms': { type: 'string' },
      out: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const sizes = (values.sizes ?? (quick ? '20,200' : '100,1000,10000')).split(',').map((s) => Size.parse(s.trim()));
  const repeat = z.coerce.number().int().min(1).max(100).parse(values.repeat ?? (quick ? 2 : 5));
  const sections = values.sections ? values.sections.split(',').map((s) => z.enum(ALL_SECTIONS as [SectionId, ...SectionId[]]).parse(s.trim())) : ALL_SECTIONS;
  const agentWindowMs = z.coerce.number().int().min(2000).parse(values['agent-window-ms'] ?? (quick ? 10_000 : 60_000));
  const ingestWindowMs = z.coerce.number().int().min(2000).parse(values['ingest-window-ms'] ?? (quick ? 10_000 : 60_000));
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    repeat,
    quick,
    sections,
    agentWindowMs,
    agentSubWindowMs: Math.min(quick ? 2000 : 10_000, Math.floor(agentWindowMs / 2)),
    ingestWindowMs,
    ingestSubWindowMs: Math.min(quick ? 2000 : 10_000, Math.floor(ingestWindowMs / 2)),
    outDir: values.out ?? BENCH_DIR,
    rebuild: values.rebuild ?? false,
  };
}
