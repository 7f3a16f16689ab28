import { AGENT_LAYOUT, DETACHED_START_SCRIPT, DETACHED_STOP_SCRIPT, InstallManifest, renderAgentConfig, type ServiceManager } from './agent-layout';
import { InstallError } from './install-error';
import type { SshSession } from './ssh-session';

// Install, upgrade and remove of the agent on a host, as a list of steps reported as they run. The
// connection is opened by the caller (host key already checked); waiting for the agent to connect
// back is delegated to the server through AgentWatcher. A failed install removes what it created.

/** What the UI and the CLI show for each step. */
export type StepStatus = 'running' | 'ok' | 'failed' | 'skipped';
export type StepReport = { id: string; label: string; status: StepStatus; detail: string; durationMs: number | null };

/** The server's view of the node's agent, used to wait for it after a start. */
export interface AgentWatcher {
  /** Resolves with the version once an agent of `version` connected for this node after `since`. */
  waitUntilConnected(options: { since: Date; version: string; timeoutMs: number }): Promise<{ agentVersion: string }>;
  /** Resolves once the node applied the current generation; rejects with the agent's error otherwise. */
  waitUntilApplied(options: { timeoutMs: number }): Promise<{ generation: number }>;
}

/** What an install needs besides the connection. */
export type InstallPlan = {
  bundle: Buffer;
  bundleVersion: string;
  systemdUnit: string;
  serverUrl: string;
  nodeId: string;
  nodeName: string;
  /** Called only once the host passed its checks: the node's fresh token (rotating any earlier one). */
  issueToken: () => Promise<string>;
  watcher: AgentWatcher;
  nodePath?: string;
  connectTimeoutMs?: number;
};

type Report = (step: StepReport) => void;

/** Runs one step: reports it running, then ok (with the detail it returns) or failed. */
async function step<T extends { detail: string }>(report: Report, id: string, label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  report({ id, label, status: 'running', detail: '', durationMs: null });
  try {
    const result = await work();
    report({ id, label, status: 'ok', detail: result.detail, durationMs: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report({ id, label, status: 'failed', detail: message, durationMs: Math.round(performance.now() - started) });
    throw error;
  }
}

const MIN_NODE_MAJOR = 20;

/** What the checks found out about a host. */
export type HostFacts = { system: string; privilege: 'root' | 'sudo'; nodePath: string; nodeVersion: string; serviceManager: ServiceManager; freeMb: number };

async function checkPrivilege(session: SshSession): Promise<'root' | 'sudo'> {
  if (session.loggedInAsRoot) return 'root';
  const sudo = await session.run(['sudo', '-n', 'true']);
  if (sudo.exitCode === 0) return 'sudo';
  const user = session.target.username;
  if (sudo.exitCode === 127 || /not found/i.test(sudo.stderr)) {
    throw new InstallError('NO_ROOT', `"${user}" is not root and sudo is not installed on ${session.target.host}: log in as root, or install sudo and allow "${user}" to use it without a password`);
  }
  if (/password is required|a terminal is required/i.test(sudo.stderr)) {
    throw new InstallError('NO_ROOT', `"${user}" is not root and sudo asks for a password: allow "${user}" passwordless sudo (NOPASSWD in /etc/sudoers.d/) or log in as root`);
  }
  throw new InstallError('NO_ROOT', `"${user}" is not root and may not use sudo on ${session.target.host} (${sudo.stderr.trim().split('\n').at(-1) ?? `exit ${sudo.exitCode}`}): log in as root or grant "${user}" passwordless sudo`);
}

async function findNode(session: SshSession, nodePath: string | undefined): Promise<{ path: string; version: string }> {
  const candidates: string[] = [];
  if (nodePath) candidates.push(nodePath);
  else {
    const onPath = await session.run(['sh', '-c', 'command -v node']);
    const found = onPath.stdout.trim();
    if (onPath.exitCode === 0 && found.startsWith('/')) candidates.push(found);
    candidates.push('/usr/bin/node', '/usr/local/bin/node');
  }
  for (const candidate of [...new Set(candidates)]) {
    const probe = await session.run([candidate, '-p', 'process.versions.node']);
    const version = probe.stdout.trim();
    if (probe.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(version)) continue;
    if (Number(version.split('.')[0]) < MIN_NODE_MAJOR) {
      throw new InstallError('NODE_TOO_OLD', `Node.js at ${candidate} is ${version}; the agent needs Node.js ${MIN_NODE_MAJOR} or newer: upgrade it (or give the path of a newer one)`);
    }
    return { path: candidate, version };
  }
  throw new InstallError(
    'NO_NODE',
    nodePath
      ? `No working Node.js at ${nodePath} on ${session.target.host}: check the path (it must run "node -p process.versions.node")`
      : `Node.js was not found on ${session.target.host} (looked on the login PATH, /usr/bin/node and /usr/local/bin/node): install Node.js ${MIN_NODE_MAJOR} or newer (e.g. Debian 13: apt install nodejs), or give its path`,
  );
}

async function freeMegabytes(session: SshSession): Promise<{ freeMb: number; mount: string }> {
  for (const dir of [AGENT_LAYOUT.installDir, '/opt', '/']) {
    const df = await session.run(['df', '-Pk', dir]);
    if (df.exitCode !== 0) continue;
    const fields = df.stdout.trim().split('\n').at(-1)?.split(/\s+/) ?? [];
    const availableKb = Number(fields[3]);
    if (Number.isFinite(availableKb)) return { freeMb: Math.floor(availableKb / 1024), mount: fields[5] ?? dir };
  }
  return { freeMb: Number.POSITIVE_INFINITY, mount: '/' };
}

/** Checks what the agent needs on the host, and says exactly what is missing. */
export async function checkHost(session: SshSession, options: { nodePath?: string; neededMb: number }): Promise<HostFacts> {
  const uname = await session.mustRun(['uname', '-sm']);
  const system = uname.stdout.trim();
  if (!system.startsWith('Linux')) throw new InstallError('NOT_LINUX', `${session.target.host} runs ${system || 'an unknown system'}; the agent needs Linux (IPVS, keepalived)`);
  const privilege = await checkPrivilege(session);
  const node = await findNode(session, options.nodePath);
  const systemd = await session.run(['test', '-d', '/run/systemd/system']);
  const { freeMb, mount } = await freeMegabytes(session);
  if (freeMb < options.neededMb) {
    throw new InstallError('DISK_FULL', `Only ${freeMb} MB free on ${mount} of ${session.target.host}; the agent needs about ${options.neededMb} MB: free some space and try again`);
  }
  return { system, privilege, nodePath: node.path, nodeVersion: node.version, serviceManager: systemd.exitCode === 0 ? 'systemd' : 'detached', freeMb };
}

async function readManifest(session: SshSession): Promise<InstallManifest | null> {
  const cat = await session.run(['cat', AGENT_LAYOUT.manifest], { asRoot: true });
  if (cat.exitCode !== 0) return null;
  try {
    return InstallManifest.parse(JSON.parse(cat.stdout));
  } catch {
    throw new InstallError('COMMAND_FAILED', `${AGENT_LAYOUT.manifest} on ${session.target.host} is not a Fulcrum install manifest: remove the agent by hand (see apps/agent/README.md)`);
  }
}

async function startAgent(session: SshSession, manifest: Pick<InstallManifest, 'serviceManager' | 'nodePath'>): Promise<string> {
  if (manifest.serviceManager === 'systemd') {
    await session.mustRun(['systemctl', 'daemon-reload'], { asRoot: true });
    await session.mustRun(['systemctl', 'enable', '--now', AGENT_LAYOUT.serviceName], { asRoot: true });
    return `systemd unit ${AGENT_LAYOUT.serviceName} enabled and started`;
  }
  await session.mustRun([AGENT_LAYOUT.startScript, manifest.nodePath], { asRoot: true });
  return `started detached (no systemd on this host: it will not restart after a crash or reboot; log ${AGENT_LAYOUT.detachedLog})`;
}

async function stopAgent(session: SshSession, serviceManager: ServiceManager): Promise<void> {
  if (serviceManager === 'systemd') {
    await session.run(['systemctl', 'disable', '--now', AGENT_LAYOUT.serviceName], { asRoot: true });
    return;
  }
  await session.run([AGENT_LAYOUT.stopScript], { asRoot: true, timeoutMs: 30_000 });
}

/**
 * Removes files, then folders that are empty. A folder still holding files the agent itself wrote
 * (e.g. /etc/fulcrum/keepalived.conf, which the running keepalived still uses) is kept and named.
 */
async function removePaths(session: SshSession, files: readonly string[], directories: readonly string[]): Promise<{ failed: string[]; kept: string[] }> {
  const failed: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const rm = await session.run(['rm', '-f', '--', file], { asRoot: true });
    if (rm.exitCode !== 0) failed.push(file);
  }
  for (const dir of [...directories].reverse()) {
    if ((await session.run(['rmdir', '--', dir], { asRoot: true })).exitCode === 0) continue;
    if ((await session.run(['test', '-e', dir], { asRoot: true })).exitCode !== 0) continue;
    const listing = await session.run(['ls', '-A', '--', dir], { asRoot: true });
    kept.push(`${dir} (still holds ${listing.stdout.trim().split('\n').join(', ') || 'files'})`);
  }
  return { failed, kept };
}

/** Installs and starts the agent, waits for it to connect and apply its snapshot. */
export async function installAgent(session: SshSession, plan: InstallPlan, report: Report): Promise<{ facts: HostFacts; agentVersion: string; generation: number }> {
  const neededMb = Math.ceil((plan.bundle.length * 3) / (1024 * 1024)) + 10;
  const facts = await step(report, 'check', 'Check the host', async () => {
    const facts = await checkHost(session, { nodePath: plan.nodePath, neededMb });
    const existing = await session.run(['test', '-e', AGENT_LAYOUT.manifest], { asRoot: true });
    if (existing.exitCode === 0) {
      throw new InstallError('ALREADY_INSTALLED', `An agent is already installed on ${session.target.host} (${AGENT_LAYOUT.manifest}): upgrade it, or remove it first`);
    }
    const manager = facts.serviceManager === 'systemd' ? 'systemd' : 'no systemd (the agent will be started detached)';
    return { ...facts, detail: `${facts.system}, ${facts.privilege === 'root' ? 'root' : 'root through sudo'}, Node.js ${facts.nodeVersion} at ${facts.nodePath}, ${manager}, ${facts.freeMb} MB free` };
  });

  // Everything created from here on is recorded, so a failure can take it back.
  const createdFiles: string[] = [];
  const createdDirs: string[] = [];
  let started = false;
  try {
    await step(report, 'upload', 'Upload the agent, its configuration and token', async () => {
      for (const dir of [AGENT_LAYOUT.installDir, AGENT_LAYOUT.configDir]) {
        if ((await session.run(['test', '-d', dir])).exitCode !== 0) {
          await session.mustRun(['mkdir', '-m', '0755', dir], { asRoot: true });
          createdDirs.push(dir);
        }
      }
      const write = async (path: string, content: Buffer | string, mode: '0600' | '0644' | '0755') => {
        createdFiles.push(path);
        await session.writeRootFile(path, content, mode);
      };
      await write(AGENT_LAYOUT.bundle, plan.bundle, '0644');
      await write(AGENT_LAYOUT.config, renderAgentConfig({ serverUrl: plan.serverUrl }), '0600');
      await write(AGENT_LAYOUT.token, `${await plan.issueToken()}\n`, '0600');
      if (facts.serviceManager === 'systemd') {
        await write(AGENT_LAYOUT.systemdUnit, plan.systemdUnit.replaceAll('/usr/bin/node ', `${facts.nodePath} `), '0644');
      } else {
        await write(AGENT_LAYOUT.startScript, DETACHED_START_SCRIPT, '0755');
        await write(AGENT_LAYOUT.stopScript, DETACHED_STOP_SCRIPT, '0755');
      }
      const manifest: InstallManifest = {
        formatVersion: 1,
        agentVersion: plan.bundleVersion,
        nodeId: plan.nodeId,
        nodeName: plan.nodeName,
        serviceManager: facts.serviceManager,
        nodePath: facts.nodePath,
        installedAt: new Date().toISOString(),
        files: [...createdFiles, AGENT_LAYOUT.manifest],
        directories: [...createdDirs],
      };
      await write(AGENT_LAYOUT.manifest, `${JSON.stringify(manifest, null, 2)}\n`, '0644');
      return { detail: `agent ${plan.bundleVersion} (${(plan.bundle.length / 1024 / 1024).toFixed(1)} MB) in ${AGENT_LAYOUT.installDir}, config and token (0600) in ${AGENT_LAYOUT.configDir}` };
    });

    const startedAt = new Date();
    await step(report, 'start', 'Start the agent', async () => {
      started = true;
      return { detail: await startAgent(session, facts) };
    });
    const connected = await step(report, 'connect', 'Wait for the agent to connect to Fulcrum', async () => {
      const timeoutMs = plan.connectTimeoutMs ?? 60_000;
      const result = await plan.watcher.waitUntilConnected({ since: startedAt, version: plan.bundleVersion, timeoutMs });
      return { ...result, detail: `agent ${result.agentVersion} connected to ${plan.serverUrl}` };
    });
    const applied = await step(report, 'apply', 'Wait for the node to apply its desired state', async () => {
      const result = await plan.watcher.waitUntilApplied({ timeoutMs: 60_000 });
      return { ...result, detail: `generation ${result.generation} applied` };
    });
    return { facts, agentVersion: connected.agentVersion, generation: applied.generation };
  } catch (error) {
    await step(report, 'rollback', 'Take back what this install created', async () => {
      if (started) await stopAgent(session, facts.serviceManager);
      if (started && facts.serviceManager === 'systemd') await session.run(['systemctl', 'daemon-reload'], { asRoot: true });
      const { failed, kept } = await removePaths(session, createdFiles, createdDirs);
      if (failed.length > 0) throw new InstallError('COMMAND_FAILED', `could not remove ${failed.join(', ')}: remove them by hand`);
      const removed = createdFiles.length + createdDirs.length === 0 ? 'nothing had been created' : `removed ${[...createdFiles, ...createdDirs].join(', ')}`;
      return { detail: kept.length > 0 ? `${removed}; kept ${kept.join('; ')}` : removed };
    }).catch(() => undefined);
    throw error;
  }
}

/** Replaces the agent bundle, restarts it and waits until the new version is connected. */
export async function upgradeAgent(
  session: SshSession,
  plan: { bundle: Buffer; bundleVersion: string; watcher: AgentWatcher; connectTimeoutMs?: number },
  report: Report,
): Promise<{ previousVersion: string; agentVersion: string }> {
  const manifest = await step(report, 'check', 'Read what is installed', async () => {
    const manifest = await readManifest(session);
    if (!manifest) throw new InstallError('NOT_INSTALLED', `No Fulcrum agent is installed on ${session.target.host} (${AGENT_LAYOUT.manifest} is missing): install it first`);
    await checkPrivilege(session);
    return { ...manifest, detail: `agent ${manifest.agentVersion} for node ${manifest.nodeName}, ${manifest.serviceManager === 'systemd' ? 'systemd' : 'detached (no systemd)'}` };
  });
  await step(report, 'upload', `Upload agent ${plan.bundleVersion}`, async () => {
    await session.writeRootFile(AGENT_LAYOUT.bundle, plan.bundle, '0644');
    const updated: InstallManifest = { ...InstallManifest.parse(manifest), agentVersion: plan.bundleVersion };
    await session.writeRootFile(AGENT_LAYOUT.manifest, `${JSON.stringify(updated, null, 2)}\n`, '0644');
    return { detail: `${AGENT_LAYOUT.bundle} replaced (${(plan.bundle.length / 1024 / 1024).toFixed(1)} MB)` };
  });
  const restartedAt = new Date();
  await step(report, 'restart', 'Restart the agent', async () => {
    if (manifest.serviceManager === 'systemd') {
      await session.mustRun(['systemctl', 'restart', AGENT_LAYOUT.serviceName], { asRoot: true });
      return { detail: `systemctl restart ${AGENT_LAYOUT.serviceName}` };
    }
    await stopAgent(session, 'detached');
    return { detail: await startAgent(session, manifest) };
  });
  const connected = await step(report, 'connect', 'Wait for the new agent to connect', async () => {
    const result = await plan.watcher.waitUntilConnected({ since: restartedAt, version: plan.bundleVersion, timeoutMs: plan.connectTimeoutMs ?? 60_000 });
    return { ...result, detail: `agent ${result.agentVersion} connected (was ${manifest.agentVersion})` };
  });
  return { previousVersion: manifest.agentVersion, agentVersion: connected.agentVersion };
}

/** Stops the agent and deletes what the installer put on the host; the kernel state is left as it is. */
export async function removeAgent(session: SshSession, report: Report): Promise<{ removed: string[] }> {
  const manifest = await step(report, 'check', 'Read what is installed', async () => {
    const manifest = await readManifest(session);
    if (!manifest) throw new InstallError('NOT_INSTALLED', `No Fulcrum agent is installed on ${session.target.host} (${AGENT_LAYOUT.manifest} is missing): nothing to remove`);
    await checkPrivilege(session);
    return { ...manifest, detail: `agent ${manifest.agentVersion} for node ${manifest.nodeName}` };
  });
  await step(report, 'stop', 'Stop the agent', async () => {
    await stopAgent(session, manifest.serviceManager);
    return { detail: manifest.serviceManager === 'systemd' ? `${AGENT_LAYOUT.serviceName} disabled and stopped` : 'stopped (SIGTERM)' };
  });
  const removed = await step(report, 'remove', 'Delete the installed files', async () => {
    const { failed, kept } = await removePaths(session, manifest.files, manifest.directories);
    if (manifest.serviceManager === 'systemd') await session.run(['systemctl', 'daemon-reload'], { asRoot: true });
    if (failed.length > 0) throw new InstallError('COMMAND_FAILED', `could not remove ${failed.join(', ')}: remove them by hand`);
    const keptNote = kept.length > 0 ? `; kept ${kept.join('; ')}` : '';
    return { removed: manifest.files, detail: `removed ${manifest.files.join(', ')}${keptNote}; IPVS, VIPs, sysctls and a running keepalived left as they are` };
  });
  return { removed: removed.removed };
}
