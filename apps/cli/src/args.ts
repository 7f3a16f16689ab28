import { parseArgs } from 'node:util';
import { z } from 'zod';
import { HostKeyFingerprint, RemoteNodePath, SshHost, SshPort, SshUsername, type AgentOperationKind } from '@fulcrum/installer/install-target';
import { ObjectName } from '@fulcrum/lvs/model/primitives';
import { ServerUrl } from '@fulcrum/protocol/server-url';
import { UsageError } from './cli-error';
import { AGENT_HELP, AGENT_VERB_HELP, HOST_KEY_HELP, TOP_HELP } from './help';
import { quoteForMessage } from './terminal';

// The command line, parsed and validated in full before anything touches the network: every value
// goes through the same zod schema the server uses (host, user, port, Node.js path, fingerprint,
// agent URL), and the first bad one stops the run with one line naming its flag (exit 2).
// node:util parseArgs does the tokenising; its strict mode errors are multi-line and name no fix, so
// the checks it would do (unknown option, missing value, value that looks like an option) are here.

/** Environment variables the CLI reads. */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';
export const DEFAULT_LOGIN = 'admin';

/** How to reach Fulcrum and who logs in (the password is resolved later, from the env or a prompt). */
export type Common = { server: string; login: string; json: boolean };

/** Where the SSH secret comes from; the secret itself is read by credentials.ts. */
export type AuthSource = { method: 'key'; keyFile: string; passphraseEnv?: string } | { method: 'password'; passwordEnv: string };

export type AgentCommand = {
  command: 'agent';
  kind: AgentOperationKind;
  common: Common;
  cluster: string;
  node: string;
  /** Undefined: the node's management address. */
  host?: string;
  port: number;
  user: string;
  auth: AuthSource;
  acceptHostKey?: string;
  agentUrl?: string;
  nodePath?: string;
};

export type HostKeyCommand = { command: 'host-key'; common: Common; host: string; port: number; forget: boolean };

export type HelpCommand = { command: 'help'; text: string };

export type Command = AgentCommand | HostKeyCommand | HelpCommand;

const OPTIONS = {
  server: { type: 'string' },
  login: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  cluster: { type: 'string' },
  node: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  user: { type: 'string' },
  'key-file': { type: 'string' },
  'passphrase-env': { type: 'string' },
  'password-env': { type: 'string' },
  'accept-host-key': { type: 'string' },
  'agent-url': { type: 'string' },
  'node-path': { type: 'string' },
  forget: { type: 'boolean' },
} as const;
type Flag = keyof typeof OPTIONS;

const COMMON_FLAGS: Flag[] = ['server', 'login', 'json', 'help'];
const TARGET_FLAGS: Flag[] = ['cluster', 'node', 'host', 'port', 'user', 'key-file', 'passphrase-env', 'password-env', 'accept-host-key'];
const FLAGS_OF = {
  'agent install': [...COMMON_FLAGS, ...TARGET_FLAGS, 'agent-url', 'node-path'],
  'agent upgrade': [...COMMON_FLAGS, ...TARGET_FLAGS],
  'agent remove': [...COMMON_FLAGS, ...TARGET_FLAGS],
  'host-key': [...COMMON_FLAGS, 'host', 'port', 'forget'],
} satisfies Record<string, Flag[]>;
type CommandPath = keyof typeof FLAGS_OF;

const KIND = { install: 'INSTALL', upgrade: 'UPGRADE', remove: 'REMOVE' } as const;

/** Fulcrum's own address: http(s), no credentials in it (they would be sent to every proxy log). */
const FulcrumServerUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a URL (expected http://host:port or https://host)' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `must start with http:// or https:// (got ${url.protocol}//)` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials: the password comes from FULCRUM_PASSWORD or the prompt' });
      return z.NEVER;
    }
    if (url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
      return z.NEVER;
    }
    // A path prefix (Fulcrum behind a reverse proxy) is kept; the API lives below it.
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

/** Fulcrum user name, as auth.login takes it (no control characters: it is echoed in messages). */
const LoginName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters');

/**
 * The NAME of an environment variable. The message never echoes the value: someone who typed the
 * password itself here must not see it printed back into a terminal log.
 */
const EnvVarName = z
  .string()
  .max(128, 'takes the name of an environment variable (letters, digits, "_"), not the secret itself')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'takes the name of an environment variable (letters, digits, "_"), not the secret itself');

/** A local file path (the key file): any non-empty path without NUL; "~/" is expanded here since shells leave "--key-file=~/..." alone. */
const LocalPath = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .refine((p) => !p.includes('\0'), { error: 'must not contain NUL characters' });

type Token = { kind: 'option'; name: string; rawName: string; value: string | undefined; inlineValue: boolean | undefined } | { kind: 'positional'; value: string } | { kind: 'option-terminator' };

type Given = Map<Flag, { value: string | undefined; rawName: string }>;

function isFlag(name: string): name is Flag {
  return Object.hasOwn(OPTIONS, name);
}

/** The command words and the options, without judging whether they fit the command yet. */
function tokenize(argv: readonly string[]): { words: string[]; given: Given; unknown: string[]; problems: string[] } {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const words: string[] = [];
  const given: Given = new Map();
  const unknown: string[] = [];
  const problems: string[] = [];
  for (const token of tokens as Token[]) {
    if (token.kind === 'positional') words.push(token.value);
    if (token.kind !== 'option') continue;
    if (!isFlag(token.name)) {
      unknown.push(token.rawName.startsWith('--') ? `--${token.name}` : token.rawName);
      continue;
    }
    const flag = token.name;
    const shown = flag === 'help' ? token.rawName : `--${flag}`;
    if (given.has(flag)) problems.push(`${shown} is given twice`);
    if (OPTIONS[flag].type === 'boolean') {
      if (token.value !== undefined) problems.push(`${shown} takes no value`);
    } else if (token.value === undefined) {
      problems.push(`${shown} needs a value`);
    } else if (!token.inlineValue && token.value.startsWith('-')) {
      // parseArgs takes the next word as the value even when it is the next option (--host --user).
      problems.push(`${shown} needs a value (to give one that starts with "-", write ${shown}=VALUE)`);
    }
    given.set(flag, { value: token.value, rawName: token.rawName });
  }
  return { words, given, unknown, problems };
}

function helpFor(words: string[]): string {
  if (words[0] === 'agent') {
    const verb = words[1];
    if (verb === 'install' || verb === 'upgrade' || verb === 'remove') return AGENT_VERB_HELP[verb];
    return AGENT_HELP;
  }
  if (words[0] === 'host-key') return HOST_KEY_HELP;
  return TOP_HELP;
}

function commandPath(words: string[]): CommandPath {
  const [first, second, ...rest] = words;
  if (first === undefined) throw new UsageError('give a command: agent install, agent upgrade, agent remove or host-key (see fulcrum --help)');
  let path: CommandPath;
  let extra: string[];
  if (first === 'agent') {
    if (second === undefined) throw new UsageError('agent needs install, upgrade or remove (see fulcrum agent --help)');
    if (second !== 'install' && second !== 'upgrade' && second !== 'remove') throw new UsageError(`unknown agent command ${quoteForMessage(second)}: use install, upgrade or remove (see fulcrum agent --help)`);
    path = `agent ${second}`;
    extra = rest;
  } else if (first === 'host-key') {
    path = 'host-key';
    extra = second === undefined ? [] : [second, ...rest];
  } else {
    throw new UsageError(`unknown command ${quoteForMessage(first)}: use agent install, agent upgrade, agent remove or host-key (see fulcrum --help)`);
  }
  if (extra[0] !== undefined) throw new UsageError(`unexpected argument ${quoteForMessage(extra[0])} (options start with --; see fulcrum ${path} --help)`);
  return path;
}

/** Validates one value with its schema; the first issue becomes "--flag: message". */
function check<S extends z.ZodType>(label: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'is invalid';
  throw new UsageError(`${label}: ${message}`);
}

function required(given: Given, flag: Flag, hint: string): string {
  const value = given.get(flag)?.value;
  if (value === undefined) throw new UsageError(`--${flag} is required (${hint})`);
  return value;
}

function optional(given: Given, flag: Flag): string | undefined {
  return given.get(flag)?.value;
}

/** Unset and empty mean the same: `FULCRUM_SERVER= fulcrum ...` should not be an error. */
function fromEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function parseCommon(given: Given, env: Env): Common {
  const serverFlag = optional(given, 'server');
  const serverEnv = fromEnv(env, 'FULCRUM_SERVER');
  const server = serverFlag !== undefined
    ? check('--server', FulcrumServerUrl, serverFlag)
    : serverEnv !== undefined
      ? check('FULCRUM_SERVER', FulcrumServerUrl, serverEnv)
      : DEFAULT_SERVER;
  const loginFlag = optional(given, 'login');
  const loginEnv = fromEnv(env, 'FULCRUM_LOGIN');
  const login = loginFlag !== undefined ? check('--login', LoginName, loginFlag) : loginEnv !== undefined ? check('FULCRUM_LOGIN', LoginName, loginEnv) : DEFAULT_LOGIN;
  return { server, login, json: given.has('json') };
}

function expandHome(path: string, env: Env): string {
  const home = fromEnv(env, 'HOME');
  return home !== undefined && path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}

function parseAuthSource(given: Given, env: Env): AuthSource {
  const keyFile = optional(given, 'key-file');
  const passphraseEnv = optional(given, 'passphrase-env');
  const passwordEnv = optional(given, 'password-env');
  if (keyFile !== undefined && passwordEnv !== undefined) throw new UsageError('--key-file and --password-env: give one of them, not both');
  if (passphraseEnv !== undefined && keyFile === undefined) throw new UsageError('--passphrase-env goes with --key-file (it names the variable holding the key\'s passphrase)');
  if (keyFile !== undefined) {
    return {
      method: 'key',
      keyFile: expandHome(check('--key-file', LocalPath, keyFile), env),
      ...(passphraseEnv !== undefined ? { passphraseEnv: check('--passphrase-env', EnvVarName, passphraseEnv) } : {}),
    };
  }
  if (passwordEnv !== undefined) return { method: 'password', passwordEnv: check('--password-env', EnvVarName, passwordEnv) };
  throw new UsageError('give --key-file PATH (a private key) or --password-env VAR (the name of a variable holding the SSH password)');
}

function parseAgent(path: 'agent install' | 'agent upgrade' | 'agent remove', given: Given, env: Env): AgentCommand {
  const common = parseCommon(given, env);
  const cluster = check('--cluster', ObjectName, required(given, 'cluster', 'the name of the node\'s cluster'));
  const node = check('--node', ObjectName, required(given, 'node', 'the node\'s name in Fulcrum'));
  const hostValue = optional(given, 'host');
  const host = hostValue === undefined ? undefined : check('--host', SshHost, hostValue);
  const port = check('--port', SshPort, optional(given, 'port') ?? 22);
  const user = check('--user', SshUsername, required(given, 'user', 'the SSH login, e.g. --user root'));
  const auth = parseAuthSource(given, env);
  const acceptValue = optional(given, 'accept-host-key');
  const agentUrlValue = optional(given, 'agent-url');
  const nodePathValue = optional(given, 'node-path');
  return {
    command: 'agent',
    kind: KIND[path.slice('agent '.length) as keyof typeof KIND],
    common,
    cluster,
    node,
    ...(host !== undefined ? { host } : {}),
    port,
    user,
    auth,
    ...(acceptValue !== undefined ? { acceptHostKey: check('--accept-host-key', HostKeyFingerprint, acceptValue) } : {}),
    ...(agentUrlValue !== undefined ? { agentUrl: check('--agent-url', ServerUrl, agentUrlValue) } : {}),
    ...(nodePathValue !== undefined ? { nodePath: check('--node-path', RemoteNodePath, nodePathValue) } : {}),
  };
}

function parseHostKey(given: Given, env: Env): HostKeyCommand {
  const common = parseCommon(given, env);
  const host = check('--host', SshHost, required(given, 'host', 'the host whose SSH key to show'));
  const port = check('--port', SshPort, optional(given, 'port') ?? 22);
  return { command: 'host-key', common, host, port, forget: given.has('forget') };
}

/** Parses and validates the whole command line; throws UsageError (exit 2) naming the first bad flag. */
export function parseCommandLine(argv: readonly string[], env: Env): Command {
  const { words, given, unknown, problems } = tokenize(argv);
  // --help wins over everything else, so a half-typed command still gets its help.
  if (given.has('help') || (words[0] === 'help' && words.length === 1)) return { command: 'help', text: helpFor(words) };
  const path = commandPath(words);
  const seeHelp = `see fulcrum ${path} --help`;
  if (unknown[0] !== undefined) throw new UsageError(`unknown option ${quoteForMessage(unknown[0], { bare: true })} (${seeHelp})`);
  if (problems[0] !== undefined) throw new UsageError(problems[0]);
  const allowed: readonly Flag[] = FLAGS_OF[path];
  for (const flag of given.keys()) {
    if (allowed.includes(flag)) continue;
    const owner = (Object.keys(FLAGS_OF) as CommandPath[]).filter((p) => (FLAGS_OF[p] as readonly Flag[]).includes(flag));
    throw new UsageError(`--${flag} is not an option of ${path} (it belongs to ${owner.join(', ')}; ${seeHelp})`);
  }
  if (path === 'host-key') return parseHostKey(given, env);
  return parseAgent(path, given, env);
}
