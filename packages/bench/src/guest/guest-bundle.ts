import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SOURCE = fileURLToPath(new URL('./bench-guest.ts', import.meta.url));

/** Bundles bench-guest.ts into `dir` (on hostfs, so the guest runs it at the same path); returns its path. */
export async function bundleGuestScript(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'bench-guest.cjs');
  await build({ entryPoints: [SOURCE], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
  return outfile;
}
