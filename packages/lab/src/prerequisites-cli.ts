// `npx tsx packages/lab/src/prerequisites-cli.ts`: installs what the UML lab needs (root only).
import { ensureLabPrerequisites } from './prerequisites';

try {
  await ensureLabPrerequisites();
} catch (error) {
  process.stderr.write(`lab prerequisites failed: ${(error as Error).message}\n`);
  process.exit(1);
}
