import { expect, test } from '@playwright/test';
import { E2E_ADMIN_PASSWORD, keepScreenshot, logIn, printedAdmin, trpcErrorData, trpcMutation, trpcQuery } from './helpers';

// The issue's scenario end to end against the running product: the printed admin builds the seed's
// estate in a new cluster through the UI, edits a weight inline, reads the audit log, is stopped by
// validation and by a stale version, and creates an operator (weights and services only) and a
// viewer who can look but not touch — in the UI and at the API. One test with steps: each step
// builds on the state the previous one committed, as an operator's session would.

const CLUSTER = 'e2e-edge';
const VIP = '192.168.241.11';
const SERVICE_KEY = `TCP ${VIP}:80`;
const VIEWER = { username: 'vera', password: 'viewer-pass-2026' };
const OPERATOR = { username: 'otto', password: 'operator-pass-2026' };

type ClusterGet = {
  services: Array<{ id: string; serviceKey: string; realServers: Array<{ id: string; address: string; weight: number; version: number }> }>;
};

test('an admin builds an HA estate, an operator tunes weights, a viewer can only look', async ({ page, browser, playwright, baseURL }, testInfo) => {
  const admin = printedAdmin();
  // Fixed, so the other specs can log in as admin after this one replaced the one-time password.
  const adminPassword = E2E_ADMIN_PASSWORD;
  let clusterId = '';

  await test.step('the login page greets an operator', async () => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await keepScreenshot(page, testInfo, 'login');
  });

  await test.step('the printed admin logs in and must replace the one-time password', async () => {
    await logIn(page, admin.username, admin.password);
    const dialog = page.getByTestId('change-password-dialog');
    await expect(dialog.getByRole('heading', { name: 'Set your own password' })).toBeVisible();
    // Escape does not dismiss a required password change.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Current password').fill(admin.password);
    await dialog.getByLabel('New password', { exact: true }).fill(adminPassword);
    await dialog.getByLabel('Repeat new password').fill(adminPassword);
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('toast-success').filter({ hasText: 'Password changed' })).toBeVisible();
    await expect(dialog).toBeHidden();
  });

  await test.step('create a new cluster', async () => {
    await page.getByRole('button', { name: 'New cluster' }).click();
    const dialog = page.getByTestId('cluster-dialog');
    await dialog.getByLabel('Name').fill(CLUSTER);
    await dialog.getByLabel('Description').fill('End-to-end: the seed estate built by hand');
    await dialog.getByRole('button', { name: 'Create cluster' }).click();
    await page.waitForURL(/\/clusters\/[0-9a-f-]{36}$/);
    clusterId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByRole('heading', { name: CLUSTER, level: 1 })).toBeVisible();
    await expect(page.getByText('No nodes yet')).toBeVisible();
    await expect(page.getByText('No virtual services yet')).toBeVisible();
  });

  await test.step('add the two directors', async () => {
    for (const [name, address] of [
      ['lb-a', '198.18.0.11'],
      ['lb-b', '198.18.0.12'],
    ] as const) {
      await page.getByRole('button', { name: 'Add node' }).click();
      const dialog = page.getByTestId('node-dialog');
      await dialog.getByLabel('Name').fill(name);
      await dialog.getByLabel('Role').selectOption('DIRECTOR');
      await dialog.getByLabel('Management address').fill(address);
      await dialog.getByRole('button', { name: 'Add node' }).click();
      await expect(dialog).toBeHidden();
      await expect(page.locator(`[data-testid="node-row"][data-node-name="${name}"]`)).toContainText('never connected');
    }
  });

  await test.step('pair them with the VIP', async () => {
    await page.getByRole('button', { name: 'New HA pair' }).click();
    const dialog = page.getByTestId('ha-pair-dialog');
    await dialog.getByLabel('Name').fill('edge-pair');
    await dialog.getByLabel('Interface').fill('eth0');
    await dialog.getByLabel('VRID').fill('51');
    await dialog.getByLabel('Primary director').selectOption({ label: 'lb-a (198.18.0.11)' });
    await dialog.getByLabel('Secondary director').selectOption({ label: 'lb-b (198.18.0.12)' });
    await dialog.getByLabel('VIPs').fill(VIP);
    await dialog.getByRole('button', { name: 'Create HA pair' }).click();
    await expect(dialog).toBeHidden();
    const card = page.getByRole('region', { name: 'HA pair edge-pair' });
    await expect(card.locator('[data-role="PRIMARY"]')).toContainText('lb-a');
    await expect(card.locator('[data-role="PRIMARY"]')).toContainText('prio 150');
    await expect(card.locator('[data-role="SECONDARY"]')).toContainText('lb-b');
    await expect(card.getByTestId('pair-vip')).toHaveText(VIP);
    await expect(card).toContainText('auth not set');
  });

  await test.step('create the service TCP 192.168.241.11:80 wrr, persistence 20', async () => {
    await page.getByRole('button', { name: 'New virtual service' }).click();
    const dialog = page.getByTestId('service-dialog');
    await dialog.getByLabel('Protocol').selectOption('TCP');
    await dialog.getByLabel('VIP address').fill(VIP);
    await dialog.getByLabel('Port').fill('80');
    await dialog.getByLabel('Scheduler').selectOption('wrr');
    await dialog.getByLabel('Persistence (s)').fill('20');
    await dialog.getByRole('button', { name: 'Create service' }).click();
    await expect(dialog).toBeHidden();
    const card = page.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });
    await expect(card.getByRole('heading', { name: SERVICE_KEY })).toBeVisible();
    await expect(card).toContainText('wrr');
    await expect(card).toContainText('persistent 20 s');
    await expect(card).toContainText('No real servers yet');
  });

  const service = page.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });

  await test.step('add two DR real servers with weight 1', async () => {
    for (const address of ['192.168.241.15', '192.168.241.16']) {
      await service.getByRole('button', { name: `Add real server to ${SERVICE_KEY}` }).click();
      const dialog = page.getByTestId('real-server-dialog');
      await dialog.getByLabel('Address').fill(address);
      await expect(dialog.getByLabel('Port')).toHaveValue('80');
      await dialog.getByLabel('Weight').fill('1');
      await dialog.getByLabel('Forwarding').selectOption('DR');
      await dialog.getByRole('button', { name: 'Add real server' }).click();
      await expect(dialog).toBeHidden();
      const row = service.locator(`[data-testid="real-server-row"][data-endpoint="${address}:80"]`);
      await expect(row).toContainText('DR');
      await expect(row.getByTestId('weight-value')).toHaveText(/^1/);
    }
    await expect(service.getByTestId('real-server-row')).toHaveCount(2);
  });

  await test.step('edit a weight inline: Escape cancels, Enter saves the committed value', async () => {
    const cancelled = service.getByRole('button', { name: /^Weight of 192\.168\.241\.16:80: 1\./ });
    await cancelled.click();
    const cancelBox = service.getByRole('textbox', { name: 'Weight of 192.168.241.16:80' });
    await cancelBox.fill('9');
    await cancelBox.press('Escape');
    await expect(cancelBox).toBeHidden();
    await expect(service.getByRole('button', { name: /^Weight of 192\.168\.241\.16:80: 1\./ })).toBeVisible();

    const weight = service.getByRole('button', { name: /^Weight of 192\.168\.241\.15:80: 1\./ });
    await weight.focus();
    await page.keyboard.press('Enter');
    const box = service.getByRole('textbox', { name: 'Weight of 192.168.241.15:80' });
    await expect(box).toBeFocused();
    await box.fill('3');
    await box.press('Enter');
    await expect(service.getByRole('button', { name: 'Weight of 192.168.241.15:80: 3. Edit' })).toBeVisible();
    await expect(service).toContainText('total weight 4');
    await expect(page.getByTestId('cluster-generation')).toBeVisible();
    await keepScreenshot(page, testInfo, 'cluster');
  });

  await test.step('an invalid address is refused with a field error and creates nothing', async () => {
    await service.getByRole('button', { name: `Add real server to ${SERVICE_KEY}` }).click();
    const dialog = page.getByTestId('real-server-dialog');
    await dialog.getByLabel('Address').fill('192.168.241.300');
    await dialog.getByRole('button', { name: 'Add real server' }).click();
    const address = dialog.getByLabel('Address');
    await expect(address).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByTestId('field-error')).toContainText('Not a valid IP address');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(service.getByTestId('real-server-row')).toHaveCount(2);

    // The server refuses it the same way when the browser's check is bypassed.
    const detail = (await (await trpcQuery(page.request, 'cluster.get', { clusterId })).json()) as { result: { data: { json: ClusterGet } } };
    const serviceId = detail.result.data.json.services.find((s) => s.serviceKey === SERVICE_KEY)!.id;
    const refused = await trpcMutation(page.request, 'realServer.create', { virtualServiceId: serviceId, address: '192.168.241.300', port: 80, weight: 1, forwarding: 'DR' });
    expect(refused.status()).toBe(400);
    const error = await trpcErrorData(refused);
    expect(error.appCode).toBe('VALIDATION');
    expect(error.fieldErrors?.address?.[0]).toContain('Not a valid IP address');
    await page.reload();
    await expect(service.getByTestId('real-server-row')).toHaveCount(2);
  });

  await test.step('the audit log shows every change with before and after', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
    const rows = page.getByTestId('audit-row');
    for (const [action, count] of [
      ['cluster.create', 1],
      ['node.create', 2],
      ['haPair.create', 1],
      ['service.create', 1],
      ['realServer.create', 2],
      ['realServer.setWeight', 1],
    ] as const) {
      await expect(page.locator(`[data-testid="audit-row"][data-action="${action}"]`)).toHaveCount(count);
    }
    // Newest first: the weight change, made by the admin.
    await expect(rows.first()).toHaveAttribute('data-action', 'realServer.setWeight');
    await expect(rows.first()).toContainText(admin.username);
    await rows.first().getByRole('button', { name: /Show changes/ }).click();
    const weightRow = page.getByTestId('audit-diff').locator('tr[data-kind="changed"]');
    await expect(weightRow).toContainText('weight');
    await expect(weightRow).toContainText('1');
    await expect(weightRow).toContainText('3');
    await keepScreenshot(page, testInfo, 'audit-log');
  });

  await test.step('a stale edit is refused, names who changed it, and the page catches up', async () => {
    await page.getByRole('link', { name: CLUSTER }).click();
    const row = service.locator('[data-endpoint="192.168.241.16:80"]');
    await row.getByRole('button', { name: 'Edit real server 192.168.241.16:80' }).click();
    const dialog = page.getByTestId('real-server-dialog');
    await expect(dialog.getByLabel('Weight')).toHaveValue('1');
    // Meanwhile the weight changes under the open form (the same API another operator's browser uses).
    const detail = (await (await trpcQuery(page.request, 'cluster.get', { clusterId })).json()) as { result: { data: { json: ClusterGet } } };
    const rs = detail.result.data.json.services[0]!.realServers.find((r) => r.address === '192.168.241.16')!;
    expect((await trpcMutation(page.request, 'realServer.setWeight', { id: rs.id, version: rs.version, weight: 2 })).ok()).toBe(true);
    await dialog.getByLabel('Weight').fill('5');
    await dialog.getByRole('button', { name: 'Save real server' }).click();
    const toast = page.getByTestId('toast-error');
    await expect(toast).toContainText('was changed after you loaded it');
    await expect(toast).toContainText(admin.username);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(row.getByTestId('weight-value')).toHaveText(/^2/);
    await toast.getByRole('button', { name: 'Dismiss notification' }).click();
  });

  await test.step('create a viewer and an operator', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    for (const [user, displayName, role] of [
      [VIEWER, 'Vera Viewer', 'VIEWER'],
      [OPERATOR, 'Otto Operator', 'OPERATOR'],
    ] as const) {
      await page.getByRole('button', { name: 'New user' }).click();
      const dialog = page.getByTestId('user-dialog');
      await dialog.getByLabel('Username').fill(user.username);
      await dialog.getByLabel('Display name').fill(displayName);
      await dialog.getByLabel('Role').selectOption(role);
      await dialog.getByLabel('First password').fill(user.password);
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await expect(dialog).toBeHidden();
      await expect(page.locator(`[data-testid="user-row"][data-username="${user.username}"]`)).toContainText(role === 'VIEWER' ? 'Viewer' : 'Operator');
    }
    await keepScreenshot(page, testInfo, 'users');
    await page.getByRole('link', { name: 'Clusters' }).click();
    await expect(page.getByRole('link', { name: `Cluster ${CLUSTER}` })).toContainText(/Real servers\s*2/);
    await keepScreenshot(page, testInfo, 'clusters');
  });

  await test.step('the viewer sees no edit controls and the API refuses their mutation', async () => {
    const context = await browser.newContext({ baseURL });
    const viewerPage = await context.newPage();
    await logIn(viewerPage, VIEWER.username, VIEWER.password);
    await expect(viewerPage.getByRole('button', { name: 'New cluster' })).toHaveCount(0);
    await expect(viewerPage.getByRole('link', { name: 'Users' })).toHaveCount(0);
    await viewerPage.getByRole('link', { name: `Cluster ${CLUSTER}` }).click();
    const viewerService = viewerPage.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });
    await expect(viewerService.getByTestId('real-server-row')).toHaveCount(2);
    await expect(viewerPage.getByRole('button', { name: /^(New|Add|Edit|Delete|Issue token|Token)\b/ })).toHaveCount(0);
    await expect(viewerPage.getByRole('button', { name: /^Weight of/ })).toHaveCount(0);
    await expect(viewerService.locator('[data-endpoint="192.168.241.15:80"]').getByTestId('weight-value')).toHaveText('3');
    await expect(viewerService.locator('[data-endpoint="192.168.241.16:80"]').getByTestId('weight-value')).toHaveText('2');
    await keepScreenshot(viewerPage, testInfo, 'cluster-as-viewer');

    const detail = (await (await trpcQuery(viewerPage.request, 'cluster.get', { clusterId })).json()) as { result: { data: { json: ClusterGet } } };
    const rs = detail.result.data.json.services[0]!.realServers.find((r) => r.address === '192.168.241.15')!;
    const refused = await trpcMutation(viewerPage.request, 'realServer.setWeight', { id: rs.id, version: rs.version, weight: 50 });
    expect(refused.status()).toBe(403);
    expect((await trpcErrorData(refused)).code).toBe('FORBIDDEN');
    const after = (await (await trpcQuery(viewerPage.request, 'cluster.get', { clusterId })).json()) as { result: { data: { json: ClusterGet } } };
    expect(after.result.data.json.services[0]!.realServers.find((r) => r.id === rs.id)!.weight).toBe(3);
    await context.close();
  });

  await test.step('an operator edits services and weights, but not pairs, nodes or the cluster', async () => {
    const context = await browser.newContext({ baseURL });
    const operatorPage = await context.newPage();
    await logIn(operatorPage, OPERATOR.username, OPERATOR.password);
    await expect(operatorPage.getByRole('button', { name: 'New cluster' })).toHaveCount(0);
    await operatorPage.getByRole('link', { name: `Cluster ${CLUSTER}` }).click();
    await expect(operatorPage.getByRole('button', { name: 'New virtual service' })).toBeVisible();
    await expect(operatorPage.getByRole('button', { name: `Add real server to ${SERVICE_KEY}` })).toBeVisible();
    for (const name of ['New HA pair', 'Add node', 'Edit HA pair edge-pair', 'Edit node lb-a', `Edit cluster ${CLUSTER}`]) {
      await expect(operatorPage.getByRole('button', { name })).toHaveCount(0);
    }
    const operatorService = operatorPage.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });
    await operatorService.getByRole('button', { name: /^Weight of 192\.168\.241\.16:80: 2\./ }).click();
    const box = operatorService.getByRole('textbox', { name: 'Weight of 192.168.241.16:80' });
    await box.fill('70000');
    await box.press('Enter');
    await expect(operatorService.getByRole('alert')).toContainText('between 0 and 65535');
    await box.fill('4');
    await box.press('Enter');
    await expect(operatorService.getByRole('button', { name: 'Weight of 192.168.241.16:80: 4. Edit' })).toBeVisible();
    await context.close();
  });

  await test.step('an admin resets the viewer’s password: shown once, to be changed at login', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: `Reset password of ${VIEWER.username}` }).click();
    const dialog = page.getByTestId('reset-password-dialog');
    await dialog.getByRole('button', { name: 'Reset password' }).click();
    const oneTime = (await dialog.getByTestId('one-time-password').textContent())?.trim() ?? '';
    expect(oneTime.length).toBeGreaterThanOrEqual(12);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.locator(`[data-testid="user-row"][data-username="${VIEWER.username}"]`)).toContainText('one-time password');

    const context = await browser.newContext({ baseURL });
    const viewerPage = await context.newPage();
    await logIn(viewerPage, VIEWER.username, oneTime);
    await expect(viewerPage.getByTestId('change-password-dialog').getByRole('heading', { name: 'Set your own password' })).toBeVisible();
    await context.close();
  });

  await test.step('the user menu works from the keyboard and logs out', async () => {
    const menuButton = page.getByTestId('user-menu-button');
    await expect(menuButton).toHaveAccessibleName(`Account: ${admin.username} (Admin)`);
    await menuButton.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Account' });
    await expect(menu.getByRole('menuitem', { name: 'Change password' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(menuButton).toBeFocused();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Log out' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/login$/);
    const afterLogout = await page.request.get('/api/trpc/cluster.list');
    expect(afterLogout.status()).toBe(401);
  });

  await test.step('without a session the API answers 401 and pages send you to the login', async () => {
    const anonymous = await playwright.request.newContext({ baseURL });
    const response = await anonymous.get('/api/trpc/cluster.list');
    expect(response.status()).toBe(401);
    expect((await trpcErrorData(response)).code).toBe('UNAUTHORIZED');
    await anonymous.dispose();

    const context = await browser.newContext({ baseURL });
    const anonymousPage = await context.newPage();
    await anonymousPage.goto(`/clusters/${clusterId}/audit`);
    await expect(anonymousPage).toHaveURL(new RegExp(`/login\\?next=${encodeURIComponent(`/clusters/${clusterId}/audit`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    await context.close();
  });
});
