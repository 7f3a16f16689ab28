import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// One free port for the whole run, chosen here so the test workers (which inherit the environment
// of this process) agree with the global setup on where the product listens. FULCRUM_E2E_BASE_URL
// points the suite at a product that is already running instead (see e2e/global-setup.ts).
process.env.FULCRUM_E2E_PORT ??= execFileSync(
  process.execPath,
  ['-e', 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'],
  { encoding: 'utf8' },
).trim();
const baseURL = process.env.FULCRUM_E2E_BASE_URL ?? `http://127.0.0.1:${process.env.FULCRUM_E2E_PORT}`;

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  // The product is started once (embedded Postgres, migrations, first admin, production build).
  globalSetup: './e2e/global-setup.ts',
  // The first run may build the web app: allow for it in the setup, not in each test. The lab spec
  // boots a UML lab (waiting while another lab holds the machine) and watches minute-long windows.
  globalTimeout: 30 * 60_000,
  timeout: 180_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    baseURL,
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      // Playwright cannot download its browsers here: Debian's chromium (apt-get install chromium).
      executablePath: process.env.FULCRUM_E2E_CHROMIUM ?? '/usr/bin/chromium',
      // Without the networking flags chromium keeps calling home on a machine with no internet.
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
