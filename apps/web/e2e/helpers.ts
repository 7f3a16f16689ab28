import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type APIRequestContext, type APIResponse, type Page, type TestInfo } from '@playwright/test';

const screenshotDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** The admin `npm start` printed on its first start (set by global-setup.ts). */
export function printedAdmin(): { username: string; password: string } {
  const username = process.env.FULCRUM_E2E_ADMIN_USERNAME;
  const password = process.env.FULCRUM_E2E_ADMIN_PASSWORD;
  if (!username || !password) throw new Error('global setup did not record the admin login');
  return { username, password };
}

/**
 * The password the first spec that meets the printed admin sets in place of the one-time password:
 * fixed, so every spec can log in as admin whichever of them ran first.
 */
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password-2026';

/**
 * Logs in as the printed admin: with the one-time password (then replaced by E2E_ADMIN_PASSWORD,
 * as the first-login dialog demands) or, when an earlier spec already replaced it, with that one.
 */
export async function logInAsAdmin(page: Page, admin: { username: string; password: string } = printedAdmin()): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  const heading = page.getByRole('heading', { name: 'Clusters', level: 1 });
  await expect(heading.or(page.getByTestId('login-error'))).toBeVisible();
  if (await page.getByTestId('login-error').isVisible()) {
    await logIn(page, admin.username, E2E_ADMIN_PASSWORD);
    return;
  }
  // The first-login dialog opens after the page's own queries: ask the server rather than racing it.
  const me = (await (await trpcQuery(page.request, 'auth.me', null)).json()) as { result: { data: { json: { mustChangePassword: boolean } } } };
  const dialog = page.getByTestId('change-password-dialog');
  if (me.result.data.json.mustChangePassword) {
    await dialog.getByLabel('Current password').fill(admin.password);
    await dialog.getByLabel('New password', { exact: true }).fill(E2E_ADMIN_PASSWORD);
    await dialog.getByLabel('Repeat new password').fill(E2E_ADMIN_PASSWORD);
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await expect(dialog).toBeHidden();
  }
}

/** Logs in through the login page and waits for the clusters list. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Clusters', level: 1 })).toBeVisible();
}

/** A full-page screenshot kept as an artifact: e2e/screenshots/<name>.png and attached to the report. */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  // Let queries settle and success toasts expire so the picture shows the page, not a transition.
  // Not 'networkidle': cluster pages hold a live SSE subscription open, so the network never idles.
  await page.waitForLoadState('load');
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });
  await expect(page.locator('[data-testid="toast-success"], [data-testid="toast-info"]')).toHaveCount(0, { timeout: 15_000 });
  // From the top: the app header is sticky and would otherwise print in the middle of the page.
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

/** A tRPC query over plain HTTP (superjson wire format), as any client could send it. */
export function trpcQuery(request: APIRequestContext, procedure: string, input: unknown): Promise<APIResponse> {
  return request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
}

/** A tRPC mutation over plain HTTP (superjson wire format). */
export function trpcMutation(request: APIRequestContext, procedure: string, input: unknown): Promise<APIResponse> {
  return request.post(`/api/trpc/${procedure}`, { data: { json: input } });
}

/** The `data` of a tRPC error answer: code, httpStatus, and Fulcrum's appCode and fieldErrors. */
export async function trpcErrorData(response: APIResponse): Promise<{ code: string; httpStatus: number; appCode: string | null; fieldErrors: Record<string, string[]> | null }> {
  const body = (await response.json()) as { error?: { json?: { data?: unknown } } };
  const data = body.error?.json?.data;
  if (!data) throw new Error(`not a tRPC error answer: ${JSON.stringify(body)}`);
  return data as { code: string; httpStatus: number; appCode: string | null; fieldErrors: Record<string, string[]> | null };
}
