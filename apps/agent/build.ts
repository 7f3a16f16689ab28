// `npm run build -w @fulcrum/agent`: bundles src/main.ts into ONE file that runs with plain node ≥ 20
// (no node_modules), and puts the systemd unit beside it. The bundle's first line names its version
// ("// fulcrum-agent 0.1.0"), which is how the server knows what an SSH install or upgrade will put
// on a host before it runs anything there.
//   --version V   stamp another version (tests build an "upgrade" this way)
//   --outdir D    write somewhere else than dist/
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { version: { type: 'string' }, outdir: { type: 'string' } } });
const version = values.version ?? (JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')) as { version: string }).version;
if (!/^[0-9A-Za-z.+-]{1,64}$/.test(version)) throw new Error(`--version must be plain (letters, digits, . + -), got ${JSON.stringify(version)}`);
const outdir = path.resolve(values.outdir ?? path.join(here, 'dist'));
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CJS: an ESM bundle of ws fails at run time with "Dynamic require of events".
  format: 'cjs',
  outfile: path.join(outdir, 'agent.cjs'),
  banner: { js: `// fulcrum-agent ${version}` },
  define: { __FULCRUM_AGENT_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
copyFileSync(path.join(here, 'fulcrum-agent.service'), path.join(outdir, 'fulcrum-agent.service'));
