import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { labGate } from '@fulcrum/lab/lab-gate';
import { defaultTopology } from '@fulcrum/lab/topology';
import { buildEstate, type BuiltEstate } from './build-estate';
import { keepScreenshot, logInAsAdmin, trpcMutation } from './helpers';
import { startProduct, type RunningProduct } from './product';

// The scenario against real kernels: the product started by `npm start` on the lab's host
// address, the built agent on both directors and both real servers of the UML lab, and the lab's
// client sending steady traffic to the VIP. Everything is read from the browser: values move,
// the observed split follows the weights (1:1, then 1:3 after an edit in the browser), a drain
// stops new connections and ends DRAINED, Restore brings the weight back, every step is in the
// audit log, and stopping director-a's keepalived shows director-b MASTER within about a second.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const AGENT_BUNDLE = path.join(repoRoot, 'apps/agent/dist/agent.cjs');
const gate = labGate();

// The part of @fulcrum/lab/lab this spec uses. lab.ts is loaded at run time rather than imported:
// under this app's tsconfig (Next's Node typings, where ProcessEnv requires NODE_ENV) its spawn
// calls do not type-check, although the lab package's own typecheck passes.
type LabProcess = { stop: () => Promise<unknown> };
type Lab = {
  hostAddress: string;
  topology: { freeAddresses: string[] };
  addressOf: (host: string) => string;
  spawn: (host: string, argv: string[], options: { name: string }) => Promise<LabProcess>;
  execOk: (host: string, argv: string[]) => Promise<string>;
  stop: () => Promise<unknown>;
};
const LAB_MODULE = '@fulcrum/lab/lab';
async function startLab(spec: unknown, options: { log: (line: string) => void }): Promise<Lab> {
  const mod = (await import(LAB_MODULE)) as { startLab: (spec: unknown, options: { log: (line: string) => void }) => Promise<Lab> };
  return mod.startLab(spec, options);
}

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

/**
 * startLab, waiting while another lab holds the machine (one lab at a time), and booting once more
 * when the guest died during boot (seen right after a stale lab was cleaned up).
 */
async function startLabWhenFree(): Promise<Lab> {
  const deadline = Date.now() + 8 * 60_000;
  let bootRetries = 1;
  for (;;) {
    try {
      return await startLab(defaultTopology({ realServers: 2 }), { log: (line) => console.log(`[lab] ${line}`) });
    } catch (error) {
      const message = (error as Error).message;
      if (Date.now() > deadline) throw error;
      if (/already running/i.test(message)) await new Promise((r) => setTimeout(r, 15_000));
      else if (/exited during boot/i.test(message) && bootRetries-- > 0) await new Promise((r) => setTimeout(r, 5_000));
      else throw error;
    }
  }
}

/** A number shown in a live cell ("12", "0.4"). */
async function numberIn(cell: Locator): Promise<number> {
  return Number((await cell.textContent())?.trim() ?? 'NaN');
}

/** Observed share (percent) of one real server's live row, null while "—". */
async function observedShare(page: Page, endpoint: string): Promise<number | null> {
  const text = (await page.locator(`[data-testid="live-rs-row"][data-endpoint="${endpoint}"] [data-testid="live-observed-share"]`).first().textContent())?.trim() ?? '—';
  return text === '—' ? null : Number(text.replace('%', ''));
}

test.describe('live operations in the lab', () => {
  test.skip(gate.skip, gate.reason ?? '');
  // Lab boot, product start, agents, two 60 s observation windows and a failover.
  test.setTimeout(14 * 60_000);

  let lab: Lab | undefined;
  let product: RunningProduct | undefined;
  let agentDir = '';
  const processes: LabProcess[] = [];

  test.afterAll(async () => {
    for (const p of processes) await p.stop().catch(() => undefined);
    await product?.stop();
    await lab?.stop();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  });

  test('traffic, split, drain, restore and failover, read from the browser', async ({ browser }, testInfo) => {
    let estate: BuiltEstate;
    let vip = '';
    let rs1 = '';
    let rs2 = '';
    let page: Page;

    await test.step('boot the lab, build the agent, start the product on the lab host address', async () => {
      execFileSync('npm', ['run', 'build', '-w', '@fulcrum/agent'], { cwd: repoRoot, stdio: 'ignore' });
      lab = await startLabWhenFree();
      const port = await freePort();
      // The e2e global setup built the web app already: start from that build.
      product = await startProduct({ host: lab.hostAddress, port, rebuild: false, env: { FULCRUM_AGENT_KERNEL_TABLE_MS: '2000', FULCRUM_AGENT_RECONCILE_MS: '3000' } });
      const context = await browser.newContext({ baseURL: product.url });
      page = await context.newPage();
      await logInAsAdmin(page, { username: product.username, password: product.password });
      vip = lab.topology.freeAddresses[0]!;
      rs1 = `${lab.addressOf('rs-1')}:80`;
      rs2 = `${lab.addressOf('rs-2')}:80`;
    });

    await test.step('the seed-like estate: two directors in a pair, two DR real servers with agents, weight 1 each', async () => {
      estate = await buildEstate(page.request, {
        cluster: 'lab',
        directors: [
          { name: 'director-a', address: lab!.addressOf('director-a') },
          { name: 'director-b', address: lab!.addressOf('director-b') },
        ],
        realServerNodes: [
          { name: 'rs-1', address: lab!.addressOf('rs-1') },
          { name: 'rs-2', address: lab!.addressOf('rs-2') },
        ],
        pair: { name: 'lab-pair', interface: 'eth0', virtualRouterId: 51, vips: [vip] },
        service: { address: vip, port: 80, scheduler: 'wrr' },
        realServers: [
          { address: lab!.addressOf('rs-1'), weight: 1 },
          { address: lab!.addressOf('rs-2'), weight: 1 },
        ],
      });
    });

    await test.step('enroll and start an agent on every lab host', async () => {
      agentDir = mkdtempSync(path.join(repoRoot, '.fulcrum', 'e2e-agents-'));
      writeFileSync(path.join(agentDir, 'none.json'), '{}');
      for (const node of [...estate.directors, ...estate.realServerNodes]) {
        const issued = await trpcMutation(page.request, 'node.issueToken', { id: node.id });
        expect(issued.ok()).toBe(true);
        const token = ((await issued.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
        const dir = path.join(agentDir, node.name);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(path.join(dir, 'token'), `${token}\n`);
        chmodSync(path.join(dir, 'token'), 0o600);
        const argv = [
          process.execPath,
          AGENT_BUNDLE,
          '--server', `ws://${lab!.hostAddress}:${new URL(product!.url).port}/ws/agent`,
          '--token-file', path.join(dir, 'token'),
          '--config', path.join(agentDir, 'none.json'),
          '--hostname', node.name,
          '--state-dir', path.join(dir, 'state'),
          '--run-dir', `/run/fulcrum-agent-${node.name}`,
          '--keepalived-config', path.join(dir, 'keepalived.conf'),
          '--rate-interval-ms', '1000',
        ];
        processes.push(await lab!.spawn(node.name, argv, { name: 'agent' }));
      }
      await page.goto(`/clusters/${estate.clusterId}`);
      for (const name of ['director-a', 'director-b', 'rs-1', 'rs-2']) {
        await expect(page.locator(`[data-testid="node-row"][data-node-name="${name}"] [data-testid="apply-status"]`)).toHaveAttribute('data-state', 'applied', { timeout: 60_000 });
      }
      const pair = page.getByRole('region', { name: 'HA pair lab-pair' });
      await expect(pair.locator('[data-node-name="director-a"] [data-testid="vrrp-state"]')).toHaveText('MASTER', { timeout: 30_000 });
      await expect(pair.locator('[data-node-name="director-b"] [data-testid="vrrp-state"]')).toHaveText('BACKUP');
      await expect(pair.locator('[data-node-name="director-a"] [data-testid="vips-held"]')).toContainText(vip);
    });

    const service = () => page.getByRole('region', { name: `Virtual service TCP ${vip}:80` });
    const liveRow = (endpoint: string) => service().locator(`[data-testid="live-rs-row"][data-endpoint="${endpoint}"]`);

    await test.step('steady client traffic moves the live values; the split tracks the weights 1:1', async () => {
      processes.push(await lab!.spawn('client', ['sh', '-c', `while :; do curl -s -o /dev/null --max-time 2 http://${vip}/; sleep 0.05; done`], { name: 'traffic' }));
      const total = service().getByTestId('live-total-row');
      await expect.poll(async () => numberIn(total.getByTestId('live-cps')), { timeout: 30_000, message: 'VIP conns/s rises above 1' }).toBeGreaterThan(1);
      await expect(liveRow(rs1).getByTestId('live-configured-share')).toHaveText('50%');
      await expect
        .poll(async () => observedShare(page, rs1), { timeout: 60_000, message: 'rs-1 gets about half of the new connections' })
        .toBeGreaterThanOrEqual(38);
      expect(await observedShare(page, rs1)).toBeLessThanOrEqual(62);
      await page.getByTestId('kernel-table').first().scrollIntoViewIfNeeded();
      await expect(page.locator('[data-testid="kernel-table"][data-node-name="director-a"] [data-testid="kernel-table-text"]')).toContainText(rs1);
      await expect(page.locator('[data-testid="kernel-table"][data-node-name="director-a"] [data-testid="kernel-table-age"]')).toContainText(/read (just now|\d+ s ago)/);
      // Short DR connections keep ActiveConn near 0: the picture shows new connections per second.
      await service().getByText('conns/s', { exact: true }).first().click();
      await expect(service().getByTestId('graph-title')).toHaveText('New connections/s');
      await keepScreenshot(page, testInfo, 'lab-live-dashboard');
      await service().getByText('ActiveConn', { exact: true }).first().click();
    });

    await test.step('weight 3 on rs-2, edited in the browser: the observed split moves to about 1:3', async () => {
      await service().getByRole('button', { name: new RegExp(`^Weight of ${rs2.replace(/\./g, '\\.')}: 1\\.`) }).click();
      const box = service().getByRole('textbox', { name: `Weight of ${rs2}` });
      await box.fill('3');
      await box.press('Enter');
      await expect(service().getByRole('button', { name: `Weight of ${rs2}: 3. Edit` })).toBeVisible();
      await expect(liveRow(rs1).getByTestId('live-configured-share')).toHaveText('25%');
      await expect(liveRow(rs2).getByTestId('live-configured-share')).toHaveText('75%');
      // The observed share covers the last minute: wait for the 1:1 minute to roll out of it.
      await expect
        .poll(async () => observedShare(page, rs1), { timeout: 120_000, intervals: [2000], message: 'rs-1 falls to about a quarter of the new connections' })
        .toBeLessThanOrEqual(33);
      expect(await observedShare(page, rs1)).toBeGreaterThanOrEqual(15);
      await expect(service().locator('[data-testid="graph-annotation"][data-kind="weight"]').first()).toBeVisible();
    });

    await test.step('drain rs-1 with one click and Enter: new connections stop, counters fall, the job ends DRAINED', async () => {
      // Connections the real servers hold open for 25 s: wrr at 1:3 sends one in four to rs-1, so
      // the drain has active connections to wait for (ActiveConn > 0) before it can end.
      processes.push(await lab!.spawn('client', ['sh', '-c', `for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null --max-time 60 "http://${vip}/hold?seconds=25" & done; wait`], { name: 'hold' }));
      await expect.poll(async () => numberIn(liveRow(rs1).getByTestId('live-active')), { timeout: 15_000, message: 'rs-1 holds active connections' }).toBeGreaterThan(0);
      await service().getByRole('button', { name: `Drain ${rs1}` }).click();
      const dialog = page.getByTestId('drain-dialog');
      await dialog.getByLabel('Deadline (seconds)').press('Enter');
      await expect(dialog).toBeHidden();
      const progress = service().getByRole('status', { name: `Drain of ${rs1}` });
      await expect(progress.getByTestId('drain-state')).toHaveText('RUNNING');
      await expect.poll(async () => numberIn(progress.getByTestId('drain-active')), { timeout: 10_000, message: 'the drain counts the held connections' }).toBeGreaterThan(0);
      await keepScreenshot(page, testInfo, 'lab-drain-in-progress');
      await expect(progress.getByTestId('drain-state')).toHaveText('RUNNING');
      await expect.poll(async () => numberIn(liveRow(rs1).getByTestId('live-cps')), { timeout: 20_000, message: 'rs-1 gets no new connections' }).toBe(0);
      await expect(progress.getByTestId('drain-state')).toHaveText('DRAINED', { timeout: 60_000 });
      await expect(progress.getByTestId('drain-active')).toHaveText('0');
      // From the client's side: 20 new connections through the VIP, none answered by rs-1.
      const answers = (await lab!.execOk('client', ['sh', '-c', `for i in $(seq 1 20); do curl -s --max-time 3 http://${vip}/; done`])).split('\n').filter(Boolean);
      expect(answers).toHaveLength(20);
      expect(answers.filter((name) => name === 'rs-1')).toEqual([]);
      // rs-2 keeps serving (the rate is the kernel's 2 s estimator: poll rather than read once).
      await expect.poll(async () => numberIn(liveRow(rs2).getByTestId('live-cps')), { timeout: 20_000, message: 'rs-2 takes the new connections' }).toBeGreaterThan(0);
      await expect(service().locator('[data-testid="graph-annotation"][data-kind="drain"]').first()).toBeVisible();
    });

    await test.step('Restore brings rs-1 back at its old weight and it takes connections again', async () => {
      await service().getByRole('button', { name: `Restore ${rs1} to weight 1` }).click();
      await expect(service().locator(`[data-testid="real-server-row"][data-endpoint="${rs1}"]`)).toHaveAttribute('data-admin-state', 'READY');
      await expect(service().locator(`[data-testid="real-server-row"][data-endpoint="${rs1}"] [data-testid="weight-value"]`)).toHaveText(/^1/);
      await expect(liveRow(rs1).getByTestId('live-configured-share')).toHaveText('25%');
      await expect.poll(async () => numberIn(liveRow(rs1).getByTestId('live-cps')), { timeout: 20_000, message: 'rs-1 takes new connections again' }).toBeGreaterThan(0);
    });

    await test.step('a drain with a 10 s deadline while connections are held ends TIMED_OUT; Force ends it FORCED; Restore', async () => {
      processes.push(await lab!.spawn('client', ['sh', '-c', `for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null --max-time 60 "http://${vip}/hold?seconds=40" & done; wait`], { name: 'hold-long' }));
      await expect.poll(async () => numberIn(liveRow(rs1).getByTestId('live-active')), { timeout: 15_000, message: 'rs-1 holds active connections' }).toBeGreaterThan(0);
      await service().getByRole('button', { name: `Drain ${rs1}` }).click();
      const dialog = page.getByTestId('drain-dialog');
      await dialog.getByLabel('Deadline (seconds)').fill('10');
      await dialog.getByLabel('Deadline (seconds)').press('Enter');
      await expect(dialog).toBeHidden();
      const progress = service().getByRole('status', { name: `Drain of ${rs1}` });
      await expect(progress.getByTestId('drain-state')).toHaveText('TIMED_OUT', { timeout: 30_000 });
      await expect(progress.getByTestId('drain-reason')).toContainText('deadline passed');
      await service().getByRole('button', { name: `Force the drain of ${rs1}` }).click();
      await expect(progress.getByTestId('drain-state')).toHaveText('FORCED');
      await service().getByRole('button', { name: `Restore ${rs1} to weight 1` }).click();
      await expect(service().locator(`[data-testid="real-server-row"][data-endpoint="${rs1}"]`)).toHaveAttribute('data-admin-state', 'READY');
    });

    await test.step('a weight changed by hand on director-b shows as drift, actual vs desired; Revert undoes it', async () => {
      await lab!.execOk('director-b', ['ipvsadm', '-e', '-t', `${vip}:80`, '-r', rs2, '-g', '-w', '7']);
      const node = page.locator('[data-testid="node-row"][data-node-name="director-b"]');
      await expect(node.getByTestId('drift-button')).toHaveText('1 drift', { timeout: 30_000 });
      await node.getByTestId('drift-button').click();
      const dialog = page.getByTestId('drift-dialog');
      const item = dialog.getByTestId('drift-item');
      await expect(item).toHaveCount(1);
      await expect(item).toContainText(rs2);
      await expect(item).toContainText('7');
      await expect(dialog.getByRole('button', { name: 'Adopt the drift of director-b' })).toBeVisible();
      await keepScreenshot(page, testInfo, 'lab-drift-dialog');
      await dialog.getByRole('button', { name: 'Revert the drift of director-b' }).click();
      await expect(dialog).toBeHidden();
      await expect(node.getByTestId('drift-none')).toHaveText('none', { timeout: 30_000 });
      await expect.poll(async () => lab!.execOk('director-b', ['ipvsadm', '-L', '-n', '-t', `${vip}:80`]), { timeout: 15_000 }).toMatch(new RegExp(`${rs2.replace(/\./g, '\\.')}\\s+Route\\s+3\\b`));
    });

    await test.step('each step is in the audit log', async () => {
      await page.getByRole('link', { name: 'Audit log' }).click();
      for (const action of ['realServer.setWeight', 'drain.start', 'drain.force', 'drain.restore', 'node.revertDrift']) {
        await expect(page.locator(`[data-testid="audit-row"][data-action="${action}"]`).first()).toBeVisible();
      }
      await page.goBack();
    });

    await test.step("stopping director-a's keepalived shows director-b MASTER within about a second", async () => {
      const pair = page.getByRole('region', { name: 'HA pair lab-pair' });
      await pair.scrollIntoViewIfNeeded();
      await expect(pair.locator('[data-node-name="director-a"] [data-testid="vrrp-state"]')).toHaveText('MASTER');
      const pid = (await lab!.execOk('director-a', ['cat', '/run/fulcrum-agent-director-a/keepalived.pid'])).trim();
      // Watched every animation frame in the page: Playwright's own polling backs off to 1 s steps.
      const seen = page.waitForFunction(
        () => document.querySelector('[aria-label="HA pair lab-pair"] [data-node-name="director-b"] [data-testid="vrrp-state"]')?.textContent === 'MASTER',
        null,
        { polling: 'raf', timeout: 5_000 },
      );
      const stoppedAt = Date.now();
      await lab!.execOk('director-a', ['kill', '-TERM', pid]);
      await seen;
      const seenAfterMs = Date.now() - stoppedAt;
      console.log(`director-b MASTER in the browser ${seenAfterMs} ms after keepalived on director-a was stopped`);
      testInfo.annotations.push({ type: 'failover-ms', description: String(seenAfterMs) });
      await expect(pair.locator('[data-node-name="director-b"] [data-testid="vips-held"]')).toContainText(vip);
      await expect(pair.getByTestId('vrrp-transition').first()).toContainText('MASTER');
      // The failover is marked on the service's graph too (the list beside the canvas names each marker).
      await expect(service().locator('[data-testid="graph-annotation"][data-kind="failover"]').first()).toBeVisible({ timeout: 10_000 });
      await keepScreenshot(page, testInfo, 'lab-ha-failover');
      expect(seenAfterMs).toBeLessThan(2_000);
    });
  });
});
