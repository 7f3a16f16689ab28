import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the guest sees the same path through hostfs). */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Where results (<ISO time>.json) and per-run work files go (git-ignored .fulcrum/). */
export const BENCH_DIR = join(REPO_ROOT, '.fulcrum', 'bench');
