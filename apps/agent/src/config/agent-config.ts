import { existsSync, readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BinaryPath } from '@fulcrum/lvs/commands/binaries';
import { AGENT_WS_PATH } from '@fulcrum/protocol/frames';
import { ServerUrl } from '@fulcrum/protocol/server-url';

/** A configuration problem the operator must fix: printed as is, the agent exits 2. */
export class ConfigError extends Error {
  /** Stable code. */
  readonly code = 'CONFIG_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const AbsolutePath = z
  .string()
  .max(255)
  .regex(/^\/(?:[A-Za-z0-9_.+@-]+\/)*[A-Za-z0-9_.+@-]+$/, 'must be an absolute path of plain characters')
  .refine((p) => !p.split('/').includes('..'), { error: 'must not contain ".."' });

const Hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a plain host name');

/** Everything the agent is configured with (flags > environment > config file > defaults). */
export const AgentConfig = z.strictObject({
  server: ServerUrl,
  tokenFile: AbsolutePath.default('/etc/fulcrum/agent.token'),
  hostname: Hostname.default(() => osHostname()),
  /** Persistent state (what the agent added, the last applied generation). */
  stateDir: AbsolutePath.default('/var/lib/fulcrum-agent'),
  /** Runtime files: keepalived pid files, the notify FIFO, keepalived's log. */
  runDir: AbsolutePath.default('/run/fulcrum-agent'),
  /** Where the rendered VRRP-only keepalived.conf is written (the agent owns this file). */
  keepalivedConfig: AbsolutePath.default('/etc/fulcrum/keepalived.conf'),
  /** Per-destination rates and persistence templates need a netlink listing: sampled this often. */
  rateIntervalMs: z.number().int().min(500).max(300_000).default(5000),
  /** Up to this many IPVS operations run as single ipvsadm calls; more go through one ipvsadm -R. */
  batchThreshold: z.number().int().min(0).max(100_000).default(20),
  /** Extra CA bundle (PEM) for wss:// servers with a private CA. */
  caFile: AbsolutePath.optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  binaries: z
    .strictObject({
      ipvsadm: BinaryPath.default('/usr/sbin/ipvsadm'),
      ip: BinaryPath.default('/usr/sbin/ip'),
      sysctl: BinaryPath.default('/usr/sbin/sysctl'),
      modprobe: BinaryPath.default('/usr/sbin/modprobe'),
      keepalived: BinaryPath.default('/usr/sbin/keepalived'),
      mkfifo: BinaryPath.default('/usr/bin/mkfifo'),
    })
    .default({
      ipvsadm: '/usr/sbin/ipvsadm',
      ip: '/usr/sbin/ip',
      sysctl: '/usr/sbin/sysctl',
      modprobe: '/usr/sbin/modprobe',
      keepalived: '/usr/sbin/keepalived',
      mkfifo: '/usr/bin/mkfifo',
    }),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** What the command line asked for: run with a config, or print help / the version. */
export type CommandLine = { kind: 'run'; config: AgentConfig } | { kind: 'help'; text: string } | { kind: 'version' };

const DEFAULT_CONFIG_FILE = '/etc/fulcrum/agent.json';

/** Usage text for --help. */
export const USAGE = `fulcrum-agent — applies Fulcrum's desired LVS state on this host

Usage: node agent.cjs [options]

  --server URL              ws://host:port${AGENT_WS_PATH} or wss://…        env FULCRUM_SERVER
  --token-file PATH         node token, mode 0600/0400 (default /etc/fulcrum/agent.token)   FULCRUM_TOKEN_FILE
  --config PATH             JSON config file (default ${DEFAULT_CONFIG_FILE} if present) FULCRUM_AGENT_CONFIG
  --hostname NAME           reported host name (default: os hostname)    FULCRUM_HOSTNAME
  --state-dir PATH          default /var/lib/fulcrum-agent               FULCRUM_STATE_DIR
  --run-dir PATH            default /run/fulcrum-agent                   FULCRUM_RUN_DIR
  --keepalived-config PATH  default /etc/fulcrum/keepalived.conf         FULCRUM_KEEPALIVED_CONFIG
  --rate-interval-ms N      per-destination rate sampling (default 5000) FULCRUM_RATE_INTERVAL_MS
  --batch-threshold N       ops above this go through one ipvsadm -R (default 20)
  --ca-file PATH            extra CA (PEM) for wss://                    FULCRUM_CA_FILE
  --log-level LEVEL         debug|info|warn|error (default info)         FULCRUM_LOG_LEVEL
  --help, --version

The config file holds the same settings in camelCase (plus "binaries": {"ipvsadm": "/usr/sbin/ipvsadm", …}).
`;

const FLAGS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  config: { type: 'string' },
  hostname: { type: 'string' },
  'state-dir': { type: 'string' },
  'run-dir': { type: 'string' },
  'keepalived-config': { type: 'string' },
  'rate-interval-ms': { type: 'string' },
  'batch-threshold': { type: 'string' },
  'ca-file': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

const ENV: Record<string, string> = {
  FULCRUM_SERVER: 'server',
  FULCRUM_TOKEN_FILE: 'tokenFile',
  FULCRUM_HOSTNAME: 'hostname',
  FULCRUM_STATE_DIR: 'stateDir',
  FULCRUM_RUN_DIR: 'runDir',
  FULCRUM_KEEPALIVED_CONFIG: 'keepalivedConfig',
  FULCRUM_RATE_INTERVAL_MS: 'rateIntervalMs',
  FULCRUM_CA_FILE: 'caFile',
  FULCRUM_LOG_LEVEL: 'logLevel',
};
const NUMERIC = new Set(['rateIntervalMs', 'batchThreshold']);

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function numberOrText(key: string, value: string): unknown {
  if (!NUMERIC.has(key)) return value;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Turns zod issues into one line per problem, naming the setting and where it came from. */
function describeIssues(error: z.ZodError, sources: Map<string, string>): string {
  return error.issues
    .map((issue) => {
      const key = String(issue.path[0] ?? '');
      const path = issue.path.join('.');
      const from = sources.get(key) ?? 'default';
      const message = issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}` : issue.message;
      return `  ${path || '(config)'}${path ? ` (from ${from})` : ''}: ${message}`;
    })
    .join('\n');
}

/** Parses argv (without node and the script), the environment and the config file into a validated config. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, readText: (path: string) => string | null = readTextIfExists): CommandLine {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) return { kind: 'help', text: USAGE };
  if (parsed.values.version) return { kind: 'version' };

  const sources = new Map<string, string>();
  const merged: Record<string, unknown> = {};
  const explicitFile = parsed.values.config ?? env.FULCRUM_AGENT_CONFIG;
  const file = explicitFile ?? DEFAULT_CONFIG_FILE;
  const text = readText(file);
  if (text === null && explicitFile !== undefined) throw new ConfigError(`Config file ${file} cannot be read`);
  if (text !== null) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`Config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`Config file ${file} must hold a JSON object`);
    for (const [k, v] of Object.entries(json)) {
      merged[k] = v;
      sources.set(k, `config file ${file}`);
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] = numberOrText(key, value);
    sources.set(key, `env ${name}`);
  }
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (flag === 'config' || flag === 'help' || flag === 'version' || typeof value !== 'string') continue;
    const key = camel(flag);
    merged[key] = numberOrText(key, value);
    sources.set(key, `--${flag}`);
  }
  if (merged.server === undefined) throw new ConfigError(`No server given: pass --server ws://host:port${AGENT_WS_PATH}, set FULCRUM_SERVER, or put "server" in ${file}`);
  const result = AgentConfig.safeParse(merged);
  if (!result.success) throw new ConfigError(`Invalid configuration:\n${describeIssues(result.error, sources)}`);
  return { kind: 'run', config: result.data };
}

function readTextIfExists(path: string): string | null {
  if (!existsSync(path)) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
