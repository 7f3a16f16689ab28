import { installAgent, removeAgent, upgradeAgent, type StepReport } from '@fulcrum/installer/agent-operations';
import { InstallError } from '@fulcrum/installer/install-error';
import type { StartAgentOperationInput } from '@fulcrum/installer/install-target';
import { SshSession } from '@fulcrum/installer/ssh-session';
import { assertRole, type Actor } from '../auth/actor';
import type { Db } from '../db';
import { AppError, fieldError } from '../errors/app-error';
import { issueNodeToken, revokeNodeToken } from '../nodes/node-mutations';
import { readAgentBundle } from './agent-bundle';
import { createAgentWatcher } from './agent-watcher';
import { trustedHostKey, trustSshHostKey } from './ssh-host-keys';

// An install, upgrade or removal runs in the background of the server process that accepted it; its
// row in AgentOperation is the record the UI and the CLI follow (steps as they run, then the verdict).
// Credentials live only in this process's memory for the length of the operation.

const OPERATION_SELECT = {
  id: true,
  clusterId: true,
  nodeId: true,
  nodeName: true,
  kind: true,
  status: true,
  host: true,
  port: true,
  username: true,
  steps: true,
  errorCode: true,
  error: true,
  agentVersion: true,
  startedBy: true,
  startedAt: true,
  finishedAt: true,
} as const;

const VERB = { INSTALL: 'install', UPGRADE: 'upgrade', REMOVE: 'removal' } as const;

/** True for names and addresses that always mean "this host" (so an agent there would dial itself). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || /^127\./.test(bare) || bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** Where the agent should connect to when the input names no server URL. */
export type ServerUrlDefault = { fromEnv: string | null; fromRequest: string | null };

/**
 * Checks and records an operation, then runs it in the background (admin). Resolves with its id as
 * soon as the row is committed; follow it with getAgentOperation.
 */
export async function startAgentOperation(options: { db: Db; actor: Actor; input: StartAgentOperationInput; serverUrlDefault: ServerUrlDefault }): Promise<{ id: string }> {
  assertRole(options.actor, 'ADMIN');
  const { db, actor, input } = options;
  const node = await db.node.findUnique({ where: { id: input.nodeId }, select: { id: true, clusterId: true, name: true } });
  if (!node) throw new AppError('NOT_FOUND', 'That node no longer exists');

  const trusted = await trustedHostKey(db, input.target.host, input.target.port);
  if (trusted === null && input.hostKeyFingerprint === undefined) {
    throw fieldError('hostKeyFingerprint', `The host key of ${input.target.host}:${input.target.port} is not trusted yet: scan it, compare the fingerprint with the host's (ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub) and confirm it`);
  }
  if (trusted !== null && input.hostKeyFingerprint !== undefined && input.hostKeyFingerprint !== trusted.fingerprint) {
    throw fieldError('hostKeyFingerprint', `Fulcrum already trusts ${trusted.fingerprint} for ${input.target.host}:${input.target.port}, not ${input.hostKeyFingerprint}: if the host key really changed, forget the old one first`);
  }
  const expectedFingerprint = trusted?.fingerprint ?? input.hostKeyFingerprint!;
  const serverUrl = input.serverUrl ?? options.serverUrlDefault.fromEnv ?? options.serverUrlDefault.fromRequest;
  if (input.kind === 'INSTALL' && !serverUrl) throw fieldError('serverUrl', 'Give the URL the agent uses to reach Fulcrum (ws://host:port/ws/agent)');
  if (input.kind === 'INSTALL' && serverUrl && isLoopback(new URL(serverUrl).hostname) && !isLoopback(input.target.host)) {
    throw fieldError(
      'serverUrl',
      `The agent would connect to ${serverUrl}, a loopback address of ${input.target.host} itself: give an address of this Fulcrum server that the host can reach (start Fulcrum with --host 0.0.0.0, or set FULCRUM_AGENT_SERVER_URL)`,
    );
  }
  // Fail fast on a missing bundle rather than after connecting.
  const bundle = input.kind === 'REMOVE' ? null : readAgentBundle();

  const id = await db.$transaction(async (tx) => {
    const running = await tx.agentOperation.findFirst({ where: { nodeId: node.id, status: 'RUNNING' }, select: { kind: true, startedBy: true } });
    if (running) throw new AppError('IN_USE', `An agent ${VERB[running.kind]} for ${node.name} is already running (started by ${running.startedBy}): wait for it to finish`);
    const operation = await tx.agentOperation.create({
      data: { clusterId: node.clusterId, nodeId: node.id, nodeName: node.name, kind: input.kind, host: input.target.host, port: input.target.port, username: input.target.username, startedBy: actor.username },
      select: { id: true },
    });
    await tx.auditEvent.create({
      data: {
        clusterId: node.clusterId,
        actorId: actor.userId,
        actorName: actor.username,
        action: `agent.${input.kind.toLowerCase()}.start`,
        objectType: 'Node',
        objectId: node.id,
        summary: `started the agent ${VERB[input.kind]} on ${node.name} over SSH as ${input.target.username}@${input.target.host}:${input.target.port}`,
        // Never the credentials: only how they were given.
        after: { operationId: operation.id, host: input.target.host, port: input.target.port, username: input.target.username, auth: input.auth.method, serverUrl: input.kind === 'INSTALL' ? serverUrl : null, agentVersion: bundle?.version ?? null },
      },
    });
    return operation.id;
  });

  void runAgentOperation({ db, actor, operationId: id, input, node, expectedFingerprint, hostKeyWasTrusted: trusted !== null, serverUrl, bundle }).catch((error: unknown) => {
    console.error(`agent operation ${id} crashed:`, error);
  });
  return { id };
}

type RunOptions = {
  db: Db;
  actor: Actor;
  operationId: string;
  input: StartAgentOperationInput;
  node: { id: string; clusterId: string; name: string };
  expectedFingerprint: string;
  hostKeyWasTrusted: boolean;
  serverUrl: string | null;
  bundle: ReturnType<typeof readAgentBundle> | null;
};

async function runAgentOperation(options: RunOptions): Promise<void> {
  const { db, actor, operationId, input, node } = options;
  const steps: StepReport[] = [];
  // Step updates are written in order, one at a time; the last write always carries every step.
  let writes = Promise.resolve();
  const report = (step: StepReport) => {
    const index = steps.findIndex((s) => s.id === step.id);
    if (index === -1) steps.push(step);
    else steps[index] = step;
    const snapshot = structuredClone(steps);
    writes = writes.then(() => db.agentOperation.update({ where: { id: operationId }, data: { steps: snapshot }, select: { id: true } }).then(() => undefined)).catch(() => undefined);
  };

  let session: SshSession | null = null;
  let agentVersion: string | null = null;
  let outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; code: string; message: string };
  try {
    const started = performance.now();
    const target = input.target;
    const connectLabel = `Connect to ${target.username}@${target.host}:${target.port} over SSH`;
    report({ id: 'ssh', label: connectLabel, status: 'running', detail: '', durationMs: null });
    try {
      session = await SshSession.open({ target, auth: input.auth, expectedFingerprint: options.expectedFingerprint });
    } catch (error) {
      report({ id: 'ssh', label: connectLabel, status: 'failed', detail: (error as Error).message, durationMs: Math.round(performance.now() - started) });
      throw error;
    }
    report({ id: 'ssh', label: connectLabel, status: 'ok', detail: `host key ${session.hostKey.algorithm} ${session.hostKey.fingerprint} ${options.hostKeyWasTrusted ? 'matches the trusted one' : 'confirmed by you, now trusted'}`, durationMs: Math.round(performance.now() - started) });
    if (!options.hostKeyWasTrusted) await trustSshHostKey({ db, actor, clusterId: node.clusterId, host: target.host, port: target.port, key: session.hostKey });

    const watcher = createAgentWatcher({ db, nodeId: node.id, serverUrl: options.serverUrl });
    if (input.kind === 'INSTALL') {
      const bundle = options.bundle!;
      const result = await installAgent(
        session,
        {
          bundle: bundle.content,
          bundleVersion: bundle.version,
          systemdUnit: bundle.systemdUnit,
          serverUrl: options.serverUrl!,
          nodeId: node.id,
          nodeName: node.name,
          nodePath: input.nodePath,
          watcher,
          issueToken: async () => (await issueNodeToken({ db, actor, input: { id: node.id } })).token,
        },
        report,
      );
      agentVersion = result.agentVersion;
    } else if (input.kind === 'UPGRADE') {
      const bundle = options.bundle!;
      const result = await upgradeAgent(session, { bundle: bundle.content, bundleVersion: bundle.version, watcher }, report);
      agentVersion = result.agentVersion;
    } else {
      await removeAgent(session, report);
      // The token on the host is gone with the files; revoking it makes any copy of it useless too.
      await revokeNodeToken({ db, actor, input: { id: node.id } });
    }
    outcome = { status: 'SUCCEEDED' };
  } catch (error) {
    const code = error instanceof InstallError ? error.code : error instanceof AppError ? error.code : 'INTERNAL';
    const message = error instanceof InstallError || error instanceof AppError ? error.message : `Unexpected error: ${(error as Error).message ?? String(error)}`;
    if (!(error instanceof InstallError) && !(error instanceof AppError)) console.error(`agent operation ${operationId}:`, error);
    outcome = { status: 'FAILED', code, message };
  } finally {
    session?.close();
  }

  await writes;
  const failed = outcome.status === 'FAILED' ? outcome : null;
  await db.$transaction(async (tx) => {
    await tx.agentOperation.update({
      where: { id: operationId },
      data: { status: outcome.status, steps: structuredClone(steps), errorCode: failed?.code ?? null, error: failed?.message ?? null, agentVersion, finishedAt: new Date() },
      select: { id: true },
    });
    await tx.auditEvent.create({
      data: {
        clusterId: node.clusterId,
        actorId: actor.userId,
        actorName: actor.username,
        action: `agent.${input.kind.toLowerCase()}.${failed ? 'fail' : 'succeed'}`,
        objectType: 'Node',
        objectId: node.id,
        summary: failed
          ? `the agent ${VERB[input.kind]} on ${node.name} failed: ${failed.message}`
          : input.kind === 'REMOVE'
            ? `removed the agent from ${node.name} (${input.target.host}) and revoked its token`
            : `${input.kind === 'INSTALL' ? 'installed' : 'upgraded'} agent ${agentVersion} on ${node.name} (${input.target.host}); it is connected`,
        after: { operationId, status: outcome.status, errorCode: failed?.code ?? null, agentVersion },
      },
    });
  });
}

/** One operation with its steps. */
export async function getAgentOperation(options: { db: Db; input: { id: string } }) {
  const operation = await options.db.agentOperation.findUnique({ where: { id: options.input.id }, select: OPERATION_SELECT });
  if (!operation) throw new AppError('NOT_FOUND', 'That agent operation does not exist');
  return { ...operation, steps: operation.steps as StepReport[] };
}

/** The latest operations of a node (newest first). */
export async function listAgentOperations(options: { db: Db; input: { nodeId: string; limit?: number } }) {
  const rows = await options.db.agentOperation.findMany({ where: { nodeId: options.input.nodeId }, orderBy: { startedAt: 'desc' }, take: options.input.limit ?? 10, select: OPERATION_SELECT });
  return rows.map((row) => ({ ...row, steps: row.steps as StepReport[] }));
}

/**
 * At start-up: operations still RUNNING were cut off by a stop of the server. They are marked
 * FAILED with that reason, since nothing is driving them any more.
 */
export async function failInterruptedAgentOperations(db: Db): Promise<number> {
  const { count } = await db.agentOperation.updateMany({
    where: { status: 'RUNNING' },
    data: { status: 'FAILED', errorCode: 'INTERRUPTED', error: 'The Fulcrum server stopped while this operation ran: check the host and run it again', finishedAt: new Date() },
  });
  return count;
}
