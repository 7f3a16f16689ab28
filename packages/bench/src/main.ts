// `npm run bench`: how fast Fulcrum applies and observes, side by side with ipvsadm and keepalived in
// the same lab boot (issue 8). Starts the UML lab and the real product, runs the five sections,
// prints the table and writes it as JSON to .fulcrum/bench/<ISO time>.json. Method: README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeBulkTable, type CreatedService } from './lab/bulk-table';
import { startLabSession, type LabSession } from './lab/lab-session';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { REPO_ROOT } from './paths';
import { ApiClient } from './product/api-client';
import { startProduct } from './product/product';
import { FigureBook, renderTable, type BenchReport, type SectionId } from './report';
import { measureAgentCost } from './sections/agent-cost';
import { measureConvergence } from './sections/convergence';
import { measureEditLatency } from './sections/edit-latency';
import { measureFailover } from './sections/failover';
import { ingestScales, measureIngest } from './sections/ingest';
import { runReferences, type ReferenceRuns } from './sections/references';

const LAB_SECTIONS: SectionId[] = ['edit', 'convergence', 'agent', 'failover'];

function say(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function environment(): Record<string, unknown> {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  let umlKernel: unknown = null;
  try {
    umlKernel = JSON.parse(readFileSync('/var/lib/fulcrum/uml/kernel.json', 'utf8'));
  } catch {
    // no lab kernel recorded
  }
  let webBuiltAt: string | null = null;
  try {
    webBuiltAt = statSync(join(REPO_ROOT, 'apps/web/.next/BUILD_ID')).mtime.toISOString();
  } catch {
    // no build yet: npm start makes one
  }
  const headAt = git(['log', '-1', '--format=%cI']);
  return {
    webBuild: { builtAt: webBuiltAt, headCommittedAt: headAt, olderThanHead: webBuiltAt !== null && headAt !== null && Date.parse(webBuiltAt) < Date.parse(headAt) },
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release() },
    node: process.version,
    git: { commit: git(['rev-parse', 'HEAD']), dirty: (git(['status', '--porcelain']) ?? '').length > 0 },
    umlKernel,
    lab: 'one UML guest with one vCPU: client, director-a, director-b, ref, rs-1, rs-2 are network namespaces sharing it',
  };
}

/** Runs the benchmark; returns the report and the JSON path. */
export async function runBench(options: BenchOptions): Promise<{ report: BenchReport; jsonPath: string }> {
  if (options.rebuild) {
    say('building the web app (next build)…');
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/next'), ['build'], { cwd: join(REPO_ROOT, 'apps/web'), stdio: 'ignore', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  }
  const startedAt = new Date();
  const book = new FigureBook();
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: null,
    options: { ...options },
    environment: environment(),
    figures: book.figures,
    notMeasured: [
      'One ipvsadm process per rule at 10,000 destinations (≈ 7 min in this lab): not run; the references of issue 8 (ipvsadm -R batch, ipvsadm -e, keepalived start/reload) are.',
    ],
    notes: [
      'Every figure is median and p99 over its runs (nearest rank: with fewer than 100 runs, p99 is the largest). Ratios are median ÷ median of figures measured in the same lab boot.',
      'The lab guest has ONE vCPU shared by both directors, their agents, the watchers and the real servers: Fulcrum applies to two directors on one CPU, a reference runs in one namespace (ref) alone, with the directors idle.',
      'Times are host clock = guest clock (UML): stamps from guest watchers and from the bench process compare directly.',
    ],
    errors: [],
  };
  const build = report.environment.webBuild as { builtAt: string | null; olderThanHead: boolean };
  if (build.olderThanHead) report.notes.push(`The web app build (${build.builtAt}) is older than the last commit: the tRPC layer ran that build's code (run with --rebuild to measure the current source; the gateway and the agents are always the current source).`);
  const workDir = join(options.outDir, `work-${process.pid}`);
  mkdirSync(options.outDir, { recursive: true });
  const fail = (section: SectionId, e: unknown) => {
    const message = (e as Error).stack ?? String(e);
    report.errors.push({ section, message: (e as Error).message ?? String(e) });
    say(`${section} FAILED: ${message}`);
  };
  const wants = (s: SectionId) => options.sections.includes(s);

  let session: LabSession | null = null;
  let ownProductLog = '';
  try {
    if (LAB_SECTIONS.some(wants)) {
      session = await startLabSession({ workDir, say });
      for (const n of options.sizes) {
        const size = n.toLocaleString('en-US');
        let references: ReferenceRuns | null = null;
        if (wants('edit') || wants('convergence')) {
          try {
            say(`references at ${size}: ipvsadm -R, ipvsadm -e, keepalived start and reload in the ref namespace`);
            references = await runReferences(session, n, options.repeat);
          } catch (e) {
            fail(wants('convergence') ? 'convergence' : 'edit', e);
          }
        }
        if (!wants('edit') && !wants('convergence') && !wants('agent')) continue;
        let table: CreatedService[];
        try {
          say(`convergence at ${size}: empty → ${size} destinations through the API`);
          table = await measureConvergence(session, book, { n, repeat: wants('convergence') ? options.repeat : 1, references, record: wants('convergence') });
        } catch (e) {
          fail('convergence', e);
          break;
        }
        if (wants('edit')) {
          try {
            say(`edit latency at ${size}`);
            await measureEditLatency(session, book, { n, repeat: options.repeat, table, references });
          } catch (e) {
            fail('edit', e);
          }
        }
        if (wants('agent')) {
          try {
            say(`agent cost at ${size}: ${options.agentWindowMs / 1000} s window`);
            await measureAgentCost(session, book, { n, windowMs: options.agentWindowMs, subWindowMs: options.agentSubWindowMs });
          } catch (e) {
            fail('agent', e);
          }
        }
        try {
          await removeBulkTable(session, table);
        } catch (e) {
          fail('convergence', e);
          break;
        }
      }
      if (wants('failover')) {
        try {
          say(`failover: ${options.repeat} trials with connection sync on, ${options.repeat} with it off`);
          await measureFailover(session, book, { repeat: options.repeat });
        } catch (e) {
          fail('failover', e);
        }
      }
    }
    if (wants('ingest')) {
      try {
        // the lab's product when there is one (its own clusters), else a product on loopback
        let product = session?.product ?? null;
        let api = session?.api ?? null;
        let own: Awaited<ReturnType<typeof startProduct>> | null = null;
        if (!product || !api) {
          own = await startProduct({ host: '127.0.0.1', say });
          product = own;
          api = new ApiClient(own.url);
          await api.logInReplacingOneTimePassword(own.admin, 'bench-admin-password-2026');
        }
        try {
          if (session) for (const agent of session.agents.values()) await agent.stop(); // the lab's agents would only add noise now
          await measureIngest(book, { product, api, scales: ingestScales(options.quick), windowMs: options.ingestWindowMs, subWindowMs: options.ingestSubWindowMs, say });
        } finally {
          ownProductLog = own?.log() ?? '';
          await own?.remove();
        }
      } catch (e) {
        fail('ingest', e);
      }
    }
  } catch (e) {
    fail(LAB_SECTIONS.find(wants) ?? 'ingest', e);
  } finally {
    // the server's own account of a failure (a 500 says only "see the server log")
    const productLog = session?.product.log() ?? ownProductLog;
    if (report.errors.length > 0 && productLog) writeFileSync(join(options.outDir, `${startedAt.toISOString()}.product.log`), productLog);
    await session?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  report.finishedAt = new Date().toISOString();
  const jsonPath = join(options.outDir, `${startedAt.toISOString()}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { report, jsonPath };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  say(`sizes ${options.sizes.join(', ')}; repeat ${options.repeat}; sections ${options.sections.join(', ')}${options.quick ? ' (quick)' : ''}`);
  const { report, jsonPath } = await runBench(options);
  process.stdout.write(`${renderTable(report)}\n\nJSON: ${jsonPath}\n`);
  process.exit(report.errors.length > 0 ? 1 : 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
