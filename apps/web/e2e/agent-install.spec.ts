import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { sshHostGate } from '@fulcrum/lab/ssh-host/ssh-host-gate';
import { startSshTestHost, type SshTestHost } from '@fulcrum/lab/ssh-host/ssh-test-host';
import { buildEstate } from './build-estate';
import { keepScreenshot, logIn, logInAsAdmin, trpcMutation } from './helpers';
import { startProduct, type RunningProduct } from './product';

// The agent put on a host over SSH from the browser, against the real product (`npm start` on the
// SSH test host's network) and a real OpenSSH server (Debian's sshd in a network namespace): a wrong
// password fails at login and says so in the step list; install as root with a pasted key after
// confirming the new host key; upgrade as a sudoer with a password to a rebuilt bundle; remove with
// the key read from a file; then a replaced host key shows both fingerprints and blocks everything
// until the old one is forgotten. Operators never see these controls.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const gate = sshHostGate();
const VIP = '198.18.3.202';
const NODE = 'rs-ssh';
const OPERATOR = { username: 'olga', password: 'operator-pass-2026' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Builds the agent bundle stamped with `version` into `dir`: what the product installs. */
function buildBundle(dir: string, version: string): void {
  execFileSync(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'apps/agent/build.ts'), '--outdir', dir, '--version', version], { cwd: repoRoot, stdio: 'pipe' });
}

test.describe('agent install over SSH from the browser', () => {
  test.skip(gate.skip, gate.reason ?? '');
  // sshd start, product start, three operations that each wait for the agent, and the failures.
  test.setTimeout(10 * 60_000);

  let host: SshTestHost | undefined;
  let product: RunningProduct | undefined;
  let bundleDir = '';

  test.afterEach(async ({}, testInfo) => {
    if (host && testInfo.status !== testInfo.expectedStatus) await testInfo.attach('sshd.log', { body: host.sshdLog(), contentType: 'text/plain' });
  });

  test.afterAll(async () => {
    await product?.stop();
    await host?.stop();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  test('install, upgrade and remove the agent; a wrong password and a changed host key are caught', async ({ browser }, testInfo) => {
    let page: Page;
    let clusterId = '';
    const dialog = () => page.getByTestId('agent-install-dialog');
    const row = () => page.locator(`[data-testid="node-row"][data-node-name="${NODE}"]`);
    const operation = () => dialog().getByTestId('agent-operation');
    const step = (id: string) => dialog().locator(`[data-testid="agent-step"][data-step-id="${id}"]`);
    const actionButton = (verb: 'Install' | 'Upgrade' | 'Remove') => dialog().getByRole('button', { name: `${verb} agent` });

    async function openAgentDialog(): Promise<void> {
      await row().getByRole('button', { name: `Agent on ${NODE}: install, upgrade or remove` }).click();
      await expect(dialog()).toBeVisible();
      await expect(dialog().getByRole('heading', { name: `Agent on ${NODE}` })).toBeVisible();
    }

    async function checkHostKey(expected: { trust: 'NEW' | 'TRUSTED' | 'CHANGED'; fingerprint: string }): Promise<void> {
      await dialog().getByRole('button', { name: /^Check (host key|again)$/ }).click();
      await expect(dialog().getByTestId('host-key-fingerprint')).toHaveText(expected.fingerprint);
      await expect(dialog().getByTestId('host-key-trust')).toHaveAttribute('data-trust', expected.trust);
    }

    await test.step('start an SSH test host, build agent 0.1.0, start the product on the host network, log in', async () => {
      host = await startSshTestHost({ index: 4 });
      bundleDir = mkdtempSync(path.join(tmpdir(), 'fulcrum-e2e-bundle-'));
      buildBundle(bundleDir, '0.1.0');
      // The e2e global setup built the web app already: start from that build.
      product = await startProduct({ host: host.hostAddress, port: await freePort(), rebuild: false, env: { FULCRUM_AGENT_BUNDLE: path.join(bundleDir, 'agent.cjs') } });
      const context = await browser.newContext({ baseURL: product.url });
      page = await context.newPage();
      await logInAsAdmin(page, { username: product.username, password: product.password });
    });

    await test.step('a cluster: a director, a DR service on a VIP, and the SSH host as its real server node', async () => {
      const estate = await buildEstate(page.request, {
        cluster: 'ssh-install',
        directors: [{ name: 'director-x', address: '198.18.3.250' }],
        realServerNodes: [{ name: NODE, address: host!.address }],
        pair: { name: 'pair', interface: 'eth0', virtualRouterId: 51, vips: [VIP] },
        service: { address: VIP, port: 80 },
        realServers: [{ address: host!.address, weight: 1 }],
      });
      clusterId = estate.clusterId;
      await page.goto(`/clusters/${clusterId}`);
      await expect(row()).toContainText('never connected');
    });

    await test.step('the dialog starts with Install, the node address, port 22 and root; nothing starts before the host key is checked', async () => {
      await openAgentDialog();
      await expect(dialog().getByRole('radio', { name: 'Install' })).toBeChecked();
      await expect(dialog().getByLabel('Host', { exact: true })).toHaveValue(host!.address);
      await expect(dialog().getByLabel('Port', { exact: true })).toHaveValue('22');
      await expect(dialog().getByLabel('User', { exact: true })).toHaveValue('root');
      await expect(dialog().getByTestId('credentials-note')).toHaveText('Used for this operation only; never stored or logged.');
      await expect(dialog().getByLabel('Agent server URL')).toHaveValue(`ws://${host!.hostAddress}:${new URL(product!.url).port}/ws/agent`);
      await expect(actionButton('Install')).toBeDisabled();
    });

    await test.step('a wrong password: the login is refused, and the step list says so', async () => {
      await dialog().getByLabel('User', { exact: true }).fill(host!.users.sudoer.username);
      await dialog().getByRole('radio', { name: 'Password' }).check();
      await dialog().getByLabel(`Password of ${host!.users.sudoer.username}`).fill('wrong-password');
      await checkHostKey({ trust: 'NEW', fingerprint: host!.hostKeyFingerprint });
      // A new key must be compared and confirmed first.
      await expect(actionButton('Install')).toBeDisabled();
      await dialog().getByLabel(/I compared this fingerprint with the host’s/).check();
      await actionButton('Install').click();
      await expect(operation()).toHaveAttribute('data-status', 'FAILED', { timeout: 60_000 });
      await expect(step('ssh')).toHaveAttribute('data-status', 'failed');
      await expect(step('ssh').getByTestId('agent-step-detail')).toContainText(`refused the login as "${host!.users.sudoer.username}" with that password`);
      await expect(dialog().getByTestId('agent-operation-outcome')).toContainText('The install failed');
      await expect(dialog().getByTestId('agent-operation-outcome')).toContainText('AUTH_REFUSED');
      await keepScreenshot(page, testInfo, 'agent-install-wrong-password');
      // Back in the form, the password is gone: credentials never outlive the operation.
      await dialog().getByRole('button', { name: 'Back to the form' }).click();
      await expect(dialog().getByLabel(`Password of ${host!.users.sudoer.username}`)).toHaveValue('');
      await expect(actionButton('Install')).toBeDisabled();
    });

    await test.step('install as root with the pasted key after confirming the host key: every step ✓, the node connects', async () => {
      await dialog().getByLabel('User', { exact: true }).fill('root');
      await dialog().getByRole('radio', { name: 'Private key' }).check();
      await dialog().getByLabel('Paste the private key').fill(host!.clientKey.privateKey);
      // The failed login did not make the key trusted.
      await checkHostKey({ trust: 'NEW', fingerprint: host!.hostKeyFingerprint });
      await dialog().getByLabel(/I compared this fingerprint with the host’s/).check();
      await actionButton('Install').click();
      await expect(step('ssh')).toBeVisible();
      await expect(step('ssh')).toHaveAttribute('data-status', 'ok', { timeout: 30_000 });
      await expect(step('ssh').getByTestId('agent-step-detail')).toContainText('confirmed by you, now trusted');
      await expect(operation()).toHaveAttribute('data-status', 'SUCCEEDED', { timeout: 150_000 });
      const steps = dialog().getByTestId('agent-step');
      await expect(steps).toHaveCount(6);
      expect(await steps.evaluateAll((items) => items.map((li) => `${li.getAttribute('data-step-id')}:${li.getAttribute('data-status')}`))).toEqual(['ssh:ok', 'check:ok', 'upload:ok', 'start:ok', 'connect:ok', 'apply:ok']);
      for (const duration of await dialog().getByTestId('agent-step-duration').allTextContents()) expect(duration).toMatch(/^\d+(\.\d)? (ms|s)$|min/);
      await expect(dialog().getByTestId('agent-operation-outcome')).toContainText(`Agent 0.1.0 installed on ${NODE}`);
      await keepScreenshot(page, testInfo, 'agent-install-done');
      await dialog().getByRole('button', { name: 'Close', exact: true }).click();
      await expect(dialog()).toBeHidden();
      await expect(row()).toContainText('connected');
      await expect(row()).not.toContainText('never connected');
      await expect(row().getByTestId('agent-version')).toHaveText('v0.1.0');
      await expect(row().getByTestId('agent-last-operation')).toContainText('installed 0.1.0 by admin');
      await expect(row().getByTestId('apply-status')).toHaveAttribute('data-state', 'applied', { timeout: 30_000 });
      // The node applied its DR snapshot on the host: the VIP sits on lo.
      expect((await host!.run(['ip', '-o', 'addr', 'show', 'dev', 'lo'])).stdout).toContain(`${VIP}/32`);
    });

    await test.step('upgrade as a sudoer with a password to a rebuilt bundle: the new version connects', async () => {
      buildBundle(bundleDir, '0.1.1-e2e');
      await openAgentDialog();
      await expect(dialog().getByRole('radio', { name: 'Upgrade' })).toBeChecked();
      // Node.js path and server URL belong to an install.
      await expect(dialog().getByLabel('Agent server URL')).toHaveCount(0);
      await dialog().getByLabel('User', { exact: true }).fill(host!.users.sudoer.username);
      await dialog().getByRole('radio', { name: 'Password' }).check();
      await dialog().getByLabel(`Password of ${host!.users.sudoer.username}`).fill(host!.users.sudoer.password);
      await checkHostKey({ trust: 'TRUSTED', fingerprint: host!.hostKeyFingerprint });
      await expect(dialog().getByTestId('host-key-trust')).toContainText('Trusted');
      await expect(dialog().getByTestId('host-key-confirm')).toHaveCount(0);
      // Keyboard: Enter in a field starts the operation once it is ready.
      await dialog().getByLabel(`Password of ${host!.users.sudoer.username}`).press('Enter');
      await expect(operation()).toHaveAttribute('data-status', 'SUCCEEDED', { timeout: 150_000 });
      await expect(step('connect').getByTestId('agent-step-detail')).toContainText('agent 0.1.1-e2e connected (was 0.1.0)');
      await dialog().getByRole('button', { name: 'Close', exact: true }).click();
      await expect(row().getByTestId('agent-version')).toHaveText('v0.1.1-e2e');
      await expect(row().getByTestId('agent-last-operation')).toContainText('upgraded to 0.1.1-e2e by admin');
    });

    await test.step('remove with the key read from a file: the files are gone and the agent disconnects', async () => {
      await openAgentDialog();
      await dialog().getByRole('radio', { name: 'Remove' }).check();
      await dialog().getByTestId('private-key-file').setInputFiles({ name: 'id_ed25519', mimeType: 'application/octet-stream', buffer: Buffer.from(host!.clientKey.privateKey) });
      await expect(dialog().getByLabel('Paste the private key')).toHaveValue(host!.clientKey.privateKey);
      await checkHostKey({ trust: 'TRUSTED', fingerprint: host!.hostKeyFingerprint });
      await actionButton('Remove').click();
      await expect(operation()).toHaveAttribute('data-status', 'SUCCEEDED', { timeout: 120_000 });
      await expect(dialog().getByTestId('agent-operation-outcome')).toContainText(`Agent removed from ${NODE} and its token revoked`);
      expect(await host!.pathExists('/opt/fulcrum')).toBe(false);
      await page.keyboard.press('Escape');
      await expect(dialog()).toBeHidden();
      await expect(row().getByTestId('agent-last-operation')).toContainText('removed by admin');
      await expect(row()).toContainText('disconnected', { timeout: 15_000 });
    });

    await test.step('a replaced host key: both fingerprints, nothing can start until the old key is forgotten', async () => {
      const trusted = host!.hostKeyFingerprint;
      const presented = await host!.replaceHostKey();
      expect(presented).not.toBe(trusted);
      await openAgentDialog();
      await expect(dialog().getByRole('radio', { name: 'Install' })).toBeChecked();
      await checkHostKey({ trust: 'CHANGED', fingerprint: presented });
      await expect(dialog().getByTestId('host-key-trusted-fingerprint')).toHaveText(trusted);
      await expect(dialog().getByRole('alert').filter({ hasText: 'The host key changed' })).toBeVisible();
      await expect(actionButton('Install')).toBeDisabled();
      await keepScreenshot(page, testInfo, 'agent-install-host-key-changed');

      const confirm = page.getByTestId('confirm-dialog');
      await dialog().getByRole('button', { name: 'Forget the old key' }).click();
      await expect(confirm).toBeVisible();
      // Escape leaves the confirmation only.
      await page.keyboard.press('Escape');
      await expect(confirm).toBeHidden();
      await expect(dialog()).toBeVisible();
      await dialog().getByRole('button', { name: 'Forget the old key' }).click();
      await confirm.getByRole('button', { name: 'Forget the old key' }).click();
      await expect(confirm).toBeHidden();
      await expect(dialog().getByTestId('host-key-trust')).toHaveAttribute('data-trust', 'NEW');
      await expect(dialog().getByTestId('host-key-fingerprint')).toHaveText(presented);
      await dialog().getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog()).toBeHidden();
    });

    await test.step('an operator sees neither the Agent action nor the operations', async () => {
      const created = await trpcMutation(page.request, 'user.create', { username: OPERATOR.username, displayName: 'Olga Operator', role: 'OPERATOR', password: OPERATOR.password });
      expect(created.ok()).toBe(true);
      const context = await browser.newContext({ baseURL: product!.url });
      const operatorPage = await context.newPage();
      await logIn(operatorPage, OPERATOR.username, OPERATOR.password);
      await operatorPage.goto(`/clusters/${clusterId}`);
      await expect(operatorPage.locator(`[data-testid="node-row"][data-node-name="${NODE}"]`)).toBeVisible();
      await expect(operatorPage.getByRole('button', { name: /^Agent on/ })).toHaveCount(0);
      await expect(operatorPage.getByTestId('agent-last-operation')).toHaveCount(0);
      const refused = await trpcMutation(operatorPage.request, 'agentInstall.scanHostKey', { host: host!.address, port: 22 });
      expect(refused.status()).toBe(403);
      await context.close();
    });
  });
});
