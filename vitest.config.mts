import { defineConfig } from 'vitest/config';

// Three kinds of test, run by scripts/test.ts in this order:
//   unit         pure code, no services          *.test.ts
//   integration  a real Postgres (embedded)      *.integration.test.ts
//   lab          a real IPVS kernel (UML lab)    *.lab.test.ts
const ignore = ['**/node_modules/**', '**/.next/**', '**/dist/**'];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...ignore, '**/*.integration.test.ts', '**/*.lab.test.ts', 'apps/web/e2e/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/src/**/*.integration.test.ts'],
          exclude: ignore,
          globalSetup: ['packages/db/src/testing/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['{apps,packages}/*/src/**/*.lab.test.ts'],
          exclude: ignore,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
