import { z } from 'zod';

// Where an installed agent lives on a host, and the two small scripts used where there is no systemd.
// Every path here is a constant; nothing an operator types ends up in a path or a script.

/** Files and folders the installer owns on a host. */
export const AGENT_LAYOUT = {
  installDir: '/opt/fulcrum',
  bundle: '/opt/fulcrum/agent.cjs',
  manifest: '/opt/fulcrum/install.json',
  startScript: '/opt/fulcrum/fulcrum-agent-start',
  stopScript: '/opt/fulcrum/fulcrum-agent-stop',
  configDir: '/etc/fulcrum',
  config: '/etc/fulcrum/agent.json',
  token: '/etc/fulcrum/agent.token',
  systemdUnit: '/etc/systemd/system/fulcrum-agent.service',
  /** Without systemd: where the detached agent logs (the agent's own files stay in its state/run dirs). */
  detachedLog: '/var/log/fulcrum-agent.log',
  detachedPidFile: '/run/fulcrum-agent/agent.pid',
  serviceName: 'fulcrum-agent.service',
} as const;

/** How the agent is kept running on a host. */
export const ServiceManager = z.enum(['systemd', 'detached']);
export type ServiceManager = z.infer<typeof ServiceManager>;

/** install.json: what was installed, so upgrade and remove touch exactly that. */
export const InstallManifest = z.object({
  formatVersion: z.literal(1),
  agentVersion: z.string().max(64),
  nodeId: z.string().max(64),
  nodeName: z.string().max(128),
  serviceManager: ServiceManager,
  nodePath: z.string().max(255),
  installedAt: z.string().max(64),
  /** Files the installer created (removed by remove). */
  files: z.array(z.string().max(255)).max(32),
  /** Folders the installer created (removed by remove when empty). */
  directories: z.array(z.string().max(255)).max(8),
});
export type InstallManifest = z.infer<typeof InstallManifest>;

/** /etc/fulcrum/agent.json: the agent reads the rest of its settings from its defaults. */
export function renderAgentConfig(options: { serverUrl: string }): string {
  return `${JSON.stringify({ server: options.serverUrl, tokenFile: AGENT_LAYOUT.token }, null, 2)}\n`;
}

/**
 * Starts the agent without systemd (fallback): detached from the SSH session (setsid, every fd
 * redirected), logging to /var/log/fulcrum-agent.log, pid in /run/fulcrum-agent/agent.pid. It does
 * not restart a crashed agent and does not survive a reboot: hook it into the host's init system.
 * Argument 1 is the absolute path of Node.js, recorded in install.json.
 */
export const DETACHED_START_SCRIPT = `#!/bin/sh
# Fulcrum agent without systemd: written by the Fulcrum installer (apps/agent/README.md).
# Usage: ${AGENT_LAYOUT.startScript} /absolute/path/to/node
set -eu
umask 077
mkdir -p /run/fulcrum-agent
if [ -f ${AGENT_LAYOUT.detachedPidFile} ] && kill -0 "$(cat ${AGENT_LAYOUT.detachedPidFile})" 2>/dev/null; then
  echo "fulcrum-agent is already running (pid $(cat ${AGENT_LAYOUT.detachedPidFile}))"
  exit 0
fi
nohup setsid "$1" ${AGENT_LAYOUT.bundle} --config ${AGENT_LAYOUT.config} >>${AGENT_LAYOUT.detachedLog} 2>&1 </dev/null &
echo $! > ${AGENT_LAYOUT.detachedPidFile}
`;

/** Stops the agent started by the start script (SIGTERM: it leaves the kernel state as it is). */
export const DETACHED_STOP_SCRIPT = `#!/bin/sh
# Stops the Fulcrum agent started by fulcrum-agent-start; IPVS, VIPs and sysctls stay as they are.
set -u
pidfile=${AGENT_LAYOUT.detachedPidFile}
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
case "$pid" in ''|*[!0-9]*) rm -f "$pidfile"; exit 0;; esac
if tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q ${AGENT_LAYOUT.bundle}; then
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
fi
rm -f "$pidfile"
exit 0
`;

/** The agent bundle's version, read from the banner the build writes on its first line. */
export function readBundleVersion(bundle: string | Buffer): string | null {
  const head = (typeof bundle === 'string' ? bundle.slice(0, 200) : bundle.subarray(0, 200).toString('utf8')).split('\n')[0] ?? '';
  const match = /^\/\/ fulcrum-agent ([0-9A-Za-z.+-]{1,64})$/.exec(head.trim());
  return match?.[1] ?? null;
}
