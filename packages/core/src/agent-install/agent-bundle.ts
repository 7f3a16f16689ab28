import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readBundleVersion } from '@fulcrum/installer/agent-layout';
import { InstallError } from '@fulcrum/installer/install-error';

/** The agent that SSH installs put on hosts: one file, its version, and the systemd unit shipped beside it. */
export type AgentBundle = { path: string; content: Buffer; version: string; systemdUnit: string };

/**
 * Reads the bundle named by FULCRUM_AGENT_BUNDLE (npm start sets it to apps/agent/dist/agent.cjs and
 * builds that file when it is missing). Read at every operation, so a rebuilt agent is what the next
 * upgrade installs.
 */
export function readAgentBundle(env: NodeJS.ProcessEnv = process.env): AgentBundle {
  const bundlePath = env.FULCRUM_AGENT_BUNDLE;
  if (!bundlePath) throw new InstallError('BUNDLE_MISSING', 'FULCRUM_AGENT_BUNDLE is not set: start Fulcrum with npm start (it builds the agent), or point it at agent.cjs');
  if (!existsSync(bundlePath)) throw new InstallError('BUNDLE_MISSING', `The agent bundle ${bundlePath} does not exist: run "npm run build -w @fulcrum/agent"`);
  const content = readFileSync(bundlePath);
  const version = readBundleVersion(content);
  if (!version) throw new InstallError('BUNDLE_MISSING', `${bundlePath} is not a Fulcrum agent bundle (its first line must be "// fulcrum-agent <version>"): rebuild it with "npm run build -w @fulcrum/agent"`);
  const unitPath = path.join(path.dirname(bundlePath), 'fulcrum-agent.service');
  if (!existsSync(unitPath)) throw new InstallError('BUNDLE_MISSING', `The systemd unit ${unitPath} is missing beside the bundle: rebuild it with "npm run build -w @fulcrum/agent"`);
  return { path: bundlePath, content, version, systemdUnit: readFileSync(unitPath, 'utf8') };
}
