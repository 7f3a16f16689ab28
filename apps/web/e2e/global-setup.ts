import type { FullConfig } from '@playwright/test';
import { startProduct } from './product';

/**
 * Starts the product once for the suite (see product.ts) on the port chosen in
 * playwright.config.ts, hands the printed admin login to the tests through the environment, and
 * returns the teardown that stops it and removes its state.
 *
 * The web app is rebuilt so the tests see the current code; FULCRUM_E2E_REUSE_BUILD=1 keeps an
 * existing build (faster when iterating on tests only). With FULCRUM_E2E_BASE_URL set, nothing is
 * started: the suite runs against that product, logging in with FULCRUM_E2E_ADMIN_USERNAME and
 * FULCRUM_E2E_ADMIN_PASSWORD (a first-start one-time password, as `npm start --dev` prints it).
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  if (process.env.FULCRUM_E2E_BASE_URL) {
    if (!process.env.FULCRUM_E2E_ADMIN_USERNAME || !process.env.FULCRUM_E2E_ADMIN_PASSWORD) {
      throw new Error('FULCRUM_E2E_BASE_URL needs FULCRUM_E2E_ADMIN_USERNAME and FULCRUM_E2E_ADMIN_PASSWORD');
    }
    return async () => undefined;
  }
  const port = process.env.FULCRUM_E2E_PORT;
  if (!port) throw new Error('FULCRUM_E2E_PORT is not set: run through playwright.config.ts');
  const product = await startProduct({ host: '127.0.0.1', port, rebuild: process.env.FULCRUM_E2E_REUSE_BUILD !== '1' });
  process.env.FULCRUM_E2E_BASE_URL = product.url;
  process.env.FULCRUM_E2E_ADMIN_USERNAME = product.username;
  process.env.FULCRUM_E2E_ADMIN_PASSWORD = product.password;
  return product.stop;
}
