import type { AgentWatcher } from '@fulcrum/installer/agent-operations';
import { InstallError } from '@fulcrum/installer/install-error';
import type { Db } from '../db';

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches a node's agent through Postgres (the gateway writes connections and apply results there),
 * so it works whichever process runs the operation.
 */
export function createAgentWatcher(options: { db: Db; nodeId: string; serverUrl: string | null }): AgentWatcher {
  const { db, nodeId } = options;
  return {
    async waitUntilConnected({ since, version, timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const connected = await db.nodeEvent.findFirst({
          where: { nodeId, kind: 'AGENT', createdAt: { gte: since }, details: { path: ['event'], equals: 'connected' } },
          orderBy: { createdAt: 'desc' },
          select: { details: true },
        });
        const agentVersion = (connected?.details as { agentVersion?: unknown } | undefined)?.agentVersion;
        if (typeof agentVersion === 'string') {
          if (agentVersion !== version) throw new InstallError('AGENT_NOT_CONNECTED', `An agent ${agentVersion} connected for this node, not the ${version} just installed: is another agent using this node's token?`);
          return { agentVersion };
        }
        await sleep(POLL_MS);
      }
      const where = options.serverUrl ? ` ${options.serverUrl}` : ' the Fulcrum server';
      throw new InstallError('AGENT_NOT_CONNECTED', `The agent started but did not connect within ${Math.round(timeoutMs / 1000)} s: check that the host can reach${where} (address, firewall, npm start --host)`);
    },
    async waitUntilApplied({ timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const node = await db.node.findUnique({ where: { id: nodeId }, select: { appliedGeneration: true, lastApplyError: true, cluster: { select: { generation: true } } } });
        if (!node) throw new InstallError('AGENT_APPLY_FAILED', 'The node was deleted while its agent was being installed');
        if (node.appliedGeneration !== null && node.lastApplyError !== null) {
          throw new InstallError('AGENT_APPLY_FAILED', `The agent connected but could not apply generation ${node.appliedGeneration}: ${node.lastApplyError}`);
        }
        if (node.appliedGeneration !== null && node.appliedGeneration >= node.cluster.generation) return { generation: node.appliedGeneration };
        await sleep(POLL_MS);
      }
      throw new InstallError('AGENT_APPLY_FAILED', `The agent connected but did not report applying its desired state within ${Math.round(timeoutMs / 1000)} s: see the node's events`);
    },
  };
}
