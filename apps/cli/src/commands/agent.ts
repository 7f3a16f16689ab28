import { StartAgentOperationInput } from '@fulcrum/installer/install-target';
import { FulcrumApi } from '../api-client';
import type { AgentCommand, Env } from '../args';
import { EXIT, UsageError } from '../cli-error';
import { readSshAuth, resolveLoginPassword } from '../credentials';
import { declinedKeyError, decideHostKey, describeNewKey, unconfirmedKeyError, type HostKeyScan } from '../host-key-trust';
import { flagOfField } from '../input-fields';
import { findNode, readNode } from '../node-lookup';
import { followOperation, StepPrinter, type Operation } from '../operation-progress';
import { Output } from '../output';
import { logIn, logOut } from '../session';
import { canPrompt, printable, promptYesNo, type Io } from '../terminal';

// fulcrum agent install|upgrade|remove: everything local is checked first (flags, key file, secret
// variables, Fulcrum password), then: log in → find the node → settle the host key → start the
// operation on the server → follow its steps to the verdict. The server does the SSH work.

export type CommandContext = { io: Io; env: Env; signal?: AbortSignal };

const DOING = { INSTALL: 'Installing the agent on', UPGRADE: 'Upgrading the agent on', REMOVE: 'Removing the agent from' } as const;
const NOUN = { INSTALL: 'Install', UPGRADE: 'Upgrade', REMOVE: 'Removal' } as const;

/** Loopback names and addresses: what a host reaches as itself, never Fulcrum on another box. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1';
}

/**
 * Where the agent will connect when --agent-url is not given. The server's default is the address
 * the request came to, and a CLI run on the server box usually comes to 127.0.0.1: an agent told
 * that would dial its own loopback. Refused here, before anything is installed.
 */
async function defaultAgentUrl(api: FulcrumApi, targetHost: string): Promise<string> {
  const { serverUrl } = await api.query<{ serverUrl: string | null }>('agentInstall.defaults');
  if (serverUrl === null) throw new UsageError('--agent-url: the server cannot tell which URL agents should use; give --agent-url ws://HOST:PORT/ws/agent with an address of Fulcrum the node reaches');
  if (isLoopback(new URL(serverUrl).hostname) && !isLoopback(targetHost)) {
    throw new UsageError(`--agent-url: by default the agent would connect to ${serverUrl}, which on ${targetHost} is the host itself; give --agent-url ws://HOST:PORT/ws/agent with an address of Fulcrum that ${targetHost} reaches (or start Fulcrum with FULCRUM_AGENT_SERVER_URL)`);
  }
  return serverUrl;
}

/** Settles the host key: the fingerprint to send (undefined: already trusted); throws exit 3 otherwise. */
async function settleHostKey(api: FulcrumApi, command: AgentCommand, io: Io, out: Output, host: string, port: number): Promise<string | undefined> {
  const scan = await api.mutate<HostKeyScan>('agentInstall.scanHostKey', { host, port });
  const decision = decideHostKey(scan, command.acceptHostKey);
  if (decision.kind === 'trusted') {
    out.line(`Host key: ${scan.algorithm} ${scan.fingerprint} (trusted)`);
    return undefined;
  }
  if (decision.kind === 'confirmed') {
    out.line(`Host key: ${scan.algorithm} ${scan.fingerprint} (confirmed with --accept-host-key)`);
    return decision.fingerprint;
  }
  if (!canPrompt(io)) throw unconfirmedKeyError(scan);
  // The question goes to stderr with the prompt, so it is seen even with --json.
  for (const line of describeNewKey(scan)) io.stderr.write(`${line}\n`);
  if (!(await promptYesNo(io, 'Trust this host key? [y/N] '))) throw declinedKeyError(scan);
  return scan.fingerprint;
}

/** The verdict line of a finished operation. */
function verdict(operation: Operation): string {
  if (operation.status === 'FAILED') return `✗ ${NOUN[operation.kind]} failed [${operation.errorCode ?? 'UNKNOWN'}]: ${printable(operation.error ?? 'no reason given')}`;
  const node = printable(operation.nodeName);
  if (operation.kind === 'INSTALL') return `✓ Installed agent ${operation.agentVersion} on ${node}: it is connected`;
  if (operation.kind === 'UPGRADE') return `✓ Upgraded the agent on ${node} to ${operation.agentVersion}: it is connected`;
  return `✓ Removed the agent from ${node}; its token is revoked`;
}

export async function runAgentCommand(command: AgentCommand, context: CommandContext): Promise<number> {
  const { io, env, signal } = context;
  const out = new Output(io, command.common.json);
  // Local first: a missing key file or variable costs no login and leaves no audit trail.
  const auth = readSshAuth(command.auth, env);
  const password = await resolveLoginPassword(env, io, command.common.login);

  const api = new FulcrumApi(command.common.server, signal);
  try {
    // Inside the try: a login that succeeds but is then refused (one-time password) is logged out.
    await logIn(api, command.common.login, password);
    const { clusterId, node } = await findNode(api, command.cluster, command.node);
    const candidate = {
      kind: command.kind,
      nodeId: node.id,
      target: { host: command.host ?? node.managementAddress, port: command.port, username: command.user },
      auth,
      ...(command.agentUrl !== undefined ? { serverUrl: command.agentUrl } : {}),
      ...(command.nodePath !== undefined ? { nodePath: command.nodePath } : {}),
    };
    // Every part was checked on its own; this catches a management address that is no SSH host.
    const checked = StartAgentOperationInput.safeParse(candidate);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const flag = flagOfField(issue.path);
      throw new UsageError(`${flag}: ${issue.message}${flag === '--host' && command.host === undefined ? ` (the node's management address ${JSON.stringify(printable(candidate.target.host))}; give --host)` : ''}`);
    }
    const input = checked.data;
    const { host, port, username } = input.target;
    out.line(`${DOING[command.kind]} ${printable(node.name)} (cluster ${printable(command.cluster)}) over SSH as ${username}@${host}:${port}`);
    if (command.kind === 'INSTALL') {
      const agentUrl = input.serverUrl ?? (await defaultAgentUrl(api, host));
      out.line(`The agent will connect to ${agentUrl}`);
    }
    const hostKeyFingerprint = await settleHostKey(api, command, io, out, host, port);

    const { id } = await api.mutate<{ id: string }>('agentInstall.start', { ...input, ...(hostKeyFingerprint !== undefined ? { hostKeyFingerprint } : {}) });
    out.line(`Operation ${id}:`);
    const printer = new StepPrinter();
    const operation = await followOperation({ api, id, signal, onSnapshot: (snapshot) => out.lines(printer.lines(snapshot.steps)) });
    out.result(operation);
    if (operation.status === 'FAILED') {
      out.problem(verdict(operation));
      return EXIT.FAILED;
    }
    out.line(verdict(operation));
    if (command.kind !== 'REMOVE') {
      const now = await readNode(api, clusterId, node.id);
      if (now) out.line(`Node ${printable(now.name)}: agent ${now.agentStatus}${now.agentVersion ? `, version ${now.agentVersion}` : ''}`);
    }
    return EXIT.OK;
  } finally {
    await logOut(api);
  }
}
