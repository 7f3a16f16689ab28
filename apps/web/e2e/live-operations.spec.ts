import { expect, test, type Locator, type Page } from '@playwright/test';
import { buildEstate, type BuiltEstate } from './build-estate';
import { keepScreenshot, logIn, logInAsAdmin, trpcMutation } from './helpers';

// Live operations against the running product with NO agents connected: what the operator sees
// before any director reports (empty live values, offline apply status, no kernel readings), and
// the drain workflow end to end through the UI — validation, the last-serving-server confirmation,
// Force, Restore, maintenance — with each step in the audit log, the graph's markers and the
// viewer's read-only view. Traffic, observed split and failover need the lab: live-lab.spec.ts.

const VIP = '198.18.0.200';
const SERVICE_KEY = `TCP ${VIP}:80`;
const RS1 = '198.18.0.31:80';
const RS2 = '198.18.0.32:80';
const VIEWER = { username: 'lina', password: 'viewer-pass-live-2026' };

function rowOf(service: Locator, endpoint: string): Locator {
  return service.locator(`[data-testid="real-server-row"][data-endpoint="${endpoint}"]`);
}

function progressOf(service: Locator, endpoint: string): Locator {
  return service.getByRole('status', { name: `Drain of ${endpoint}` });
}

async function openDrainDialog(page: Page, service: Locator, endpoint: string): Promise<Locator> {
  await service.getByRole('button', { name: `Drain ${endpoint}` }).click();
  const dialog = page.getByTestId('drain-dialog');
  await expect(dialog.getByRole('heading', { name: `Drain ${endpoint}` })).toBeVisible();
  return dialog;
}

test('live operations without agents: empty live state, drain workflow, audit and roles', async ({ page, browser, baseURL }, testInfo) => {
  let estate: BuiltEstate;

  await test.step('an admin builds an estate with two real servers (no agents)', async () => {
    await logInAsAdmin(page);
    estate = await buildEstate(page.request, {
      cluster: 'e2e-live-no-agents',
      directors: [
        { name: 'lb-a', address: '198.18.0.21' },
        { name: 'lb-b', address: '198.18.0.22' },
      ],
      pair: { name: 'pair-1', interface: 'eth0', virtualRouterId: 61, vips: [VIP] },
      service: { address: VIP, port: 80 },
      realServers: [
        { address: '198.18.0.31', weight: 1 },
        { address: '198.18.0.32', weight: 1 },
      ],
    });
    await page.goto(`/clusters/${estate.clusterId}`);
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  });

  const service = page.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });

  await test.step('live values are there but zero, the split has no observation yet, counts are labelled as estimates', async () => {
    const live = service.getByTestId('service-live');
    await expect(live.getByTestId('live-rs-row')).toHaveCount(2);
    for (const endpoint of [RS1, RS2]) {
      const row = live.locator(`[data-testid="live-rs-row"][data-endpoint="${endpoint}"]`);
      await expect(row.getByTestId('live-active')).toHaveText('0');
      await expect(row.getByTestId('live-inact')).toHaveText('0');
      await expect(row.getByTestId('live-observed-share')).toHaveText('—');
      await expect(row.getByTestId('live-configured-share')).toHaveText('50%');
    }
    await expect(live.getByTestId('live-chart')).toBeVisible();
    await live.getByText('InActConn', { exact: true }).click();
    await expect(live.getByTestId('graph-title')).toHaveText("InActConn (director's estimate: FIN_WAIT entries linger for the tcpfin timeout)");
    await expect(live).toContainText('Director’s estimate (DR/TUN)');
  });

  await test.step('nodes are offline with nothing applied; directors have no VRRP state and no kernel reading', async () => {
    for (const name of ['lb-a', 'lb-b']) {
      const node = page.locator(`[data-testid="node-row"][data-node-name="${name}"]`);
      await expect(node.getByTestId('apply-status')).toHaveAttribute('data-state', 'offline');
      await expect(node.getByTestId('drift-none')).toHaveText('none');
      const kernel = page.locator(`[data-testid="kernel-table"][data-node-name="${name}"]`);
      await expect(kernel.getByTestId('kernel-table-age')).toHaveText('no reading yet');
    }
    const pair = page.getByRole('region', { name: 'HA pair pair-1' });
    await expect(pair.getByTestId('pair-director')).toHaveCount(2);
    await expect(pair.getByTestId('vrrp-state')).toHaveText(['UNKNOWN', 'UNKNOWN']);
    await expect(pair).toContainText('None recorded yet.');
    await keepScreenshot(page, testInfo, 'live-cluster-no-agents');
  });

  await test.step('the drain dialog validates its options before sending', async () => {
    const dialog = await openDrainDialog(page, service, RS1);
    await expect(dialog.getByLabel('Deadline (seconds)')).toHaveValue('300');
    await expect(dialog.getByLabel('Done at ActiveConn ≤')).toHaveValue('0');
    await expect(dialog.getByTestId('port-reuse-note')).toContainText('conn_reuse_mode');
    await expect(dialog.getByTestId('port-reuse-note')).toContainText('not prevented in this cluster');
    await dialog.getByLabel('Deadline (seconds)').fill('5');
    await dialog.getByLabel('Done at ActiveConn ≤').fill('-1');
    await dialog.getByRole('button', { name: 'Start drain' }).click();
    await expect(dialog.getByTestId('field-error')).toHaveCount(2);
    await expect(dialog).toContainText('Deadline must be at least 10 seconds');
    await expect(dialog).toContainText('Threshold must be 0 or more');
    await keepScreenshot(page, testInfo, 'drain-dialog-validation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(rowOf(service, RS1)).toHaveAttribute('data-admin-state', 'READY');
  });

  await test.step('one click and Enter drains rs-1; without director counters it keeps RUNNING with a countdown', async () => {
    const dialog = await openDrainDialog(page, service, RS1);
    await dialog.getByLabel('Deadline (seconds)').press('Enter');
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('toast-success').filter({ hasText: `Draining ${RS1}` })).toBeVisible();
    const progress = progressOf(service, RS1);
    await expect(progress.getByTestId('drain-state')).toHaveText('RUNNING');
    await expect(progress.getByTestId('drain-time')).toHaveText(/^[45] min \d\d s left$/);
    await expect(progress.getByTestId('drain-active')).toHaveText('0');
    await expect(rowOf(service, RS1)).toHaveAttribute('data-admin-state', 'DRAINING');
    // The configured weight is kept for Restore; the split now expects everything on rs-2.
    await expect(service.locator(`[data-testid="live-rs-row"][data-endpoint="${RS2}"]`).getByTestId('live-configured-share')).toHaveText('100%');
  });

  await test.step('draining the last serving server asks for confirmation, then goes ahead', async () => {
    const dialog = await openDrainDialog(page, service, RS2);
    await dialog.getByRole('button', { name: 'Start drain' }).click();
    await expect(dialog.getByTestId('drain-confirmation')).toContainText('without a ready, healthy real server');
    await expect(rowOf(service, RS2)).toHaveAttribute('data-admin-state', 'READY');
    await dialog.getByRole('button', { name: 'Drain anyway' }).click();
    await expect(dialog).toBeHidden();
    await expect(progressOf(service, RS2).getByTestId('drain-state')).toHaveText('RUNNING');
    await keepScreenshot(page, testInfo, 'drain-in-progress-no-agents');
  });

  await test.step('Force ends rs-1 as FORCED; Restore brings both back to their weights', async () => {
    await service.getByRole('button', { name: `Force the drain of ${RS1}` }).click();
    await expect(progressOf(service, RS1).getByTestId('drain-state')).toHaveText('FORCED');
    await expect(rowOf(service, RS1)).toHaveAttribute('data-admin-state', 'DRAINED');
    await service.getByRole('button', { name: `Restore ${RS1} to weight 1` }).click();
    await expect(progressOf(service, RS1)).toHaveCount(0);
    await expect(rowOf(service, RS1)).toHaveAttribute('data-admin-state', 'READY');
    await service.getByRole('button', { name: `Restore ${RS2} to weight 1` }).click();
    await expect(rowOf(service, RS2)).toHaveAttribute('data-admin-state', 'READY');
    await expect(rowOf(service, RS2).getByTestId('weight-value')).toHaveText(/^1/);
  });

  await test.step('maintenance takes rs-2 out at once and Restore puts it back', async () => {
    await service.getByRole('button', { name: `Maintenance for ${RS2}` }).click();
    const dialog = page.getByTestId('maintenance-dialog');
    await dialog.getByRole('button', { name: 'Put in maintenance' }).click();
    await expect(dialog).toBeHidden();
    await expect(rowOf(service, RS2)).toHaveAttribute('data-admin-state', 'MAINT');
    await service.getByRole('button', { name: `Restore ${RS2}`, exact: true }).click();
    await expect(rowOf(service, RS2)).toHaveAttribute('data-admin-state', 'READY');
  });

  await test.step('the service page shows all four graphs with the drain steps marked', async () => {
    await service.getByRole('link', { name: SERVICE_KEY }).click();
    await page.waitForURL(new RegExp(`/services/${estate.serviceId}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(SERVICE_KEY);
    await expect(page.getByTestId('graph')).toHaveCount(4);
    await expect(page.locator('[data-testid="graph-annotation"][data-kind="drain"]').first()).toBeVisible();
    await expect(page.locator('[data-testid="graph-annotation"][data-kind="restore"]').first()).toBeVisible();
    await expect(page.locator('[data-testid="graph-annotation"][data-kind="maint"]').first()).toBeVisible();
    // Arrow keys move between ranges like any radio group.
    await page.getByRole('radio', { name: 'Live 15 min' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('radio', { name: '1 h' })).toBeChecked();
    await expect(page.getByTestId('live-chart')).toHaveCount(4);
  });

  await test.step('each step is in the audit log', async () => {
    await page.goto(`/clusters/${estate.clusterId}/audit`);
    for (const [action, count] of [
      ['drain.start', 2],
      ['drain.force', 1],
      ['drain.restore', 3],
      ['realServer.setMaintenance', 1],
    ] as const) {
      await expect(page.locator(`[data-testid="audit-row"][data-action="${action}"]`)).toHaveCount(count);
    }
    await expect(page.locator('[data-testid="audit-row"][data-action="drain.start"]').last()).toContainText('started draining');
  });

  await test.step('a viewer sees a running drain and the live values, but no action buttons', async () => {
    const created = await trpcMutation(page.request, 'user.create', { username: VIEWER.username, displayName: 'Lina Viewer', role: 'VIEWER', password: VIEWER.password });
    expect(created.ok()).toBe(true);
    await page.goto(`/clusters/${estate.clusterId}`);
    const dialog = await openDrainDialog(page, service, RS1);
    await dialog.getByRole('button', { name: 'Start drain' }).click();
    await expect(progressOf(service, RS1).getByTestId('drain-state')).toHaveText('RUNNING');

    const context = await browser.newContext({ baseURL });
    const viewerPage = await context.newPage();
    await logIn(viewerPage, VIEWER.username, VIEWER.password);
    await viewerPage.goto(`/clusters/${estate.clusterId}`);
    const viewerService = viewerPage.getByRole('region', { name: `Virtual service ${SERVICE_KEY}` });
    await expect(progressOf(viewerService, RS1).getByTestId('drain-state')).toHaveText('RUNNING');
    await expect(viewerService.getByTestId('live-rs-row')).toHaveCount(2);
    await expect(viewerPage.getByRole('button', { name: /^(Drain|Force|Restore|Maintenance|Adopt|Revert)\b/ })).toHaveCount(0);
    await expect(viewerPage.getByTestId('drain-button')).toHaveCount(0);
    const refused = await trpcMutation(viewerPage.request, 'drain.restore', { realServerId: estate.realServers[0]!.id });
    expect(refused.status()).toBe(403);
    await keepScreenshot(viewerPage, testInfo, 'live-cluster-as-viewer');
    await context.close();
  });
});
