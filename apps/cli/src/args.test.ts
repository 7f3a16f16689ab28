import { createServer, type Server } from 'node:http';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '@fulcrum/lvs/commands/bad-input-corpus';
import { DEFAULT_LOGIN, DEFAULT_SERVER, parseCommandLine, type AgentCommand, type Env } from './args';
import { UsageError } from './cli-error';
import { runCli } from './cli';
import { AGENT_HELP, AGENT_VERB_HELP, HOST_KEY_HELP, TOP_HELP } from './help';

const FINGERPRINT = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
const FAKE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

const install = (...extra: string[]) => ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', '/k', ...extra];

/** The UsageError `argv` is refused with. */
function refusal(argv: string[], env: Env = {}): UsageError {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(argv).slice(0, 200)}`);
}

const short = (s: string) => JSON.stringify(s).slice(0, 40);

describe('parseCommandLine', () => {
  it('parses an install with every option, validated and normalised', () => {
    const command = parseCommandLine(
      install('--host', '198.18.3.14', '--port', '2222', '--accept-host-key', FINGERPRINT, '--agent-url', 'ws://198.18.3.13:3000', '--node-path', '/usr/local/bin/node', '--passphrase-env', 'KEY_PASS', '--json', '--server', 'https://fulcrum.example:8443/', '--login', 'ops'),
      {},
    ) as AgentCommand;
    expect(command).toEqual({
      command: 'agent',
      kind: 'INSTALL',
      common: { server: 'https://fulcrum.example:8443', login: 'ops', json: true },
      cluster: 'lab',
      node: 'rs-1',
      host: '198.18.3.14',
      port: 2222,
      user: 'root',
      auth: { method: 'key', keyFile: '/k', passphraseEnv: 'KEY_PASS' },
      acceptHostKey: FINGERPRINT,
      // ServerUrl adds the agent path, exactly as the server would
      agentUrl: 'ws://198.18.3.13:3000/ws/agent',
      nodePath: '/usr/local/bin/node',
    });
  });

  it('fills defaults: port 22, host left to the node, server and login from the environment or built in', () => {
    const plain = parseCommandLine(['agent', 'upgrade', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--password-env', 'SSH_PW'], {}) as AgentCommand;
    expect(plain).toMatchObject({ kind: 'UPGRADE', port: 22, auth: { method: 'password', passwordEnv: 'SSH_PW' }, common: { server: DEFAULT_SERVER, login: DEFAULT_LOGIN, json: false } });
    expect(plain.host).toBeUndefined();
    const fromEnv = parseCommandLine(['agent', 'remove', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file=~/.ssh/id_ed25519'], { FULCRUM_SERVER: 'http://10.0.0.5:3000', FULCRUM_LOGIN: 'alice', HOME: '/home/alice' }) as AgentCommand;
    expect(fromEnv).toMatchObject({ kind: 'REMOVE', common: { server: 'http://10.0.0.5:3000', login: 'alice' }, auth: { keyFile: '/home/alice/.ssh/id_ed25519' } });
    // the flag wins over the environment
    expect((parseCommandLine([...install(), '--server', 'http://127.0.0.1:4000'], { FULCRUM_SERVER: 'http://10.0.0.5:3000' }) as AgentCommand).common.server).toBe('http://127.0.0.1:4000');
  });

  it('parses host-key with and without --forget', () => {
    expect(parseCommandLine(['host-key', '--host', 'node-1.example', '--port', '2222'], {})).toMatchObject({ command: 'host-key', host: 'node-1.example', port: 2222, forget: false });
    expect(parseCommandLine(['host-key', '--host', '198.18.3.14', '--forget', '--json'], {})).toMatchObject({ command: 'host-key', port: 22, forget: true, common: { json: true } });
  });

  it('gives --help at every level, even on an otherwise wrong command line', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ command: 'help', text: TOP_HELP });
    expect(parseCommandLine(['help'], {})).toEqual({ command: 'help', text: TOP_HELP });
    expect(parseCommandLine(['agent', '-h'], {})).toEqual({ command: 'help', text: AGENT_HELP });
    expect(parseCommandLine(['agent', 'install', '--help', '--port', 'x'], {})).toEqual({ command: 'help', text: AGENT_VERB_HELP.install });
    expect(parseCommandLine(['agent', 'remove', '--help'], {})).toEqual({ command: 'help', text: AGENT_VERB_HELP.remove });
    expect(parseCommandLine(['host-key', '--help'], {})).toEqual({ command: 'help', text: HOST_KEY_HELP });
    expect(AGENT_VERB_HELP.install).toContain('--agent-url');
    expect(AGENT_VERB_HELP.upgrade).not.toContain('--agent-url');
  });

  it('refuses every injection string in --host, --user and --node-path, naming the flag (both --flag=value and --flag value)', () => {
    for (const bad of BAD_STRINGS) {
      for (const [flag, argv] of [
        ['--host', install(`--host=${bad}`)],
        ['--host', install('--host', bad)],
        ['--user', ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--key-file', '/k', `--user=${bad}`]],
        ['--user', ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--key-file', '/k', '--user', bad]],
        ['--node-path', install(`--node-path=${bad}`)],
        ['--node-path', install('--node-path', bad)],
        ['--host', ['host-key', `--host=${bad}`]],
      ] as const) {
        const error = refusal([...argv], {});
        expect(error.exitCode, `${flag} ${short(bad)}`).toBe(2);
        expect(error.message.startsWith(flag), `${flag} ${short(bad)}: ${error.message}`).toBe(true);
        // one line, whatever the value held (newlines, NUL, 5000 characters)
        expect(error.message, `${flag} ${short(bad)}`).not.toMatch(/[\n\0]/);
        expect(error.message.length, `${flag} ${short(bad)}`).toBeLessThan(300);
      }
    }
  });

  it('refuses bad values of the other flags, naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [install('--port', '0'), /^--port: Port must be between 1 and 65535/],
      [install('--port', '65536'), /^--port: /],
      [install('--port', '22; id'), /^--port: Port must be a number/],
      [install('--port', '2.5'), /^--port: Port must be a whole number/],
      [install('--accept-host-key', 'SHA256:short'), /^--accept-host-key: Fingerprint must look like SHA256:/],
      [install('--accept-host-key', 'MD5:aa:bb'), /^--accept-host-key: /],
      [install('--agent-url', 'http://fulcrum:3000/ws/agent'), /^--agent-url: must start with ws:\/\/ or wss:\/\//],
      [install('--agent-url', 'ws://u:p@fulcrum:3000'), /^--agent-url: must not carry credentials/],
      [install('--node-path', '/usr/bin/python3'), /^--node-path: Node.js path must end in \/node/],
      [install('--node-path', '/usr/../bin/node'), /^--node-path: /],
      [install('--server', 'ftp://fulcrum'), /^--server: must start with http:\/\/ or https:\/\//],
      [install('--server', 'http://admin:pw@fulcrum:3000'), /^--server: must not carry credentials/],
      [install('--server', 'not a url'), /^--server: is not a URL/],
      [install('--login', ''), /^--login: must not be empty/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs;1', '--user', 'root', '--key-file', '/k'], /^--node: Name may contain only/],
      [['agent', 'install', '--cluster', '$(id)', '--node', 'rs-1', '--user', 'root', '--key-file', '/k'], /^--cluster: Name may contain only/],
      [['agent', 'install', '--node', 'rs-1', '--user', 'root', '--key-file', '/k'], /^--cluster is required/],
      [['agent', 'install', '--cluster', 'lab', '--user', 'root', '--key-file', '/k'], /^--node is required/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--key-file', '/k'], /^--user is required/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root'], /^give --key-file PATH .* or --password-env VAR/],
      [install('--password-env', 'PW'), /^--key-file and --password-env: give one of them/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--password-env', 'PW', '--passphrase-env', 'PP'], /^--passphrase-env goes with --key-file/],
      [install('--host'), /^--host needs a value/],
      [install('--host', '--json'), /^--host needs a value \(to give one that starts with "-", write --host=VALUE\)/],
      [install('--host', 'a', '--host', 'b'), /^--host is given twice/],
      [install('--json=yes'), /^--json takes no value/],
      [install('--bogus'), /^unknown option --bogus \(see fulcrum agent install --help\)/],
      [install('-x'), /^unknown option -x/],
      [install('extra'), /^unexpected argument "extra"/],
      [['agent', 'upgrade', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', '/k', '--agent-url', 'ws://a:1'], /^--agent-url is not an option of agent upgrade \(it belongs to agent install/],
      [['host-key', '--host', 'h', '--user', 'root'], /^--user is not an option of host-key/],
      [['host-key'], /^--host is required/],
      [['agent'], /^agent needs install, upgrade or remove/],
      [['agent', 'reinstall'], /^unknown agent command "reinstall"/],
      [['deploy'], /^unknown command "deploy"/],
      [[], /^give a command/],
    ];
    for (const [argv, expected] of cases) {
      const error = refusal(argv);
      expect(error.exitCode, argv.join(' ')).toBe(2);
      expect(error.message, argv.join(' ')).toMatch(expected);
    }
    // from the environment, the variable is named instead of a flag
    expect(refusal(install(), { FULCRUM_SERVER: 'fulcrum:3000' }).message).toMatch(/^FULCRUM_SERVER: /);
  });

  it('never echoes what was given to --password-env or --passphrase-env (it may be the secret itself)', () => {
    for (const secret of ['hunter2!', 'correct horse battery staple', 'p@ss\nword']) {
      for (const argv of [
        ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', `--password-env=${secret}`],
        install(`--passphrase-env=${secret}`),
      ]) {
        const error = refusal(argv);
        expect(error.message).toMatch(/^--pass(word|phrase)-env: takes the name of an environment variable/);
        expect(error.message).not.toContain(secret.split('\n')[0]!);
      }
    }
  });
});

describe('runCli before the network', () => {
  // A real HTTP server standing in for Fulcrum: it counts requests and refuses every login, so a
  // command line that gets past local validation is visible (and the tests below can fail).
  let server: Server;
  let serverUrl = '';
  let requests: string[] = [];
  type Answer = [status: number, body: unknown, headers?: Record<string, string>];
  const trpcError = (status: number, message: string, code: string, appCode: string | null, fieldErrors: Record<string, string[]> | null): Answer => [status, { error: { json: { message, code: -32000, data: { code, httpStatus: status, appCode, fieldErrors } } } }];
  const REFUSE_LOGIN = trpcError(401, 'Wrong username or password', 'UNAUTHORIZED', 'UNAUTHORIZED', null);
  const ok = (json: unknown): Answer => [200, { result: { data: { json } } }];
  const LOGGED_IN: Answer = [200, { result: { data: { json: {} } } }, { 'set-cookie': 'fulcrum_session=t0k; Path=/; HttpOnly; SameSite=Lax; Max-Age=60' }];
  // procedure → answer; anything else refuses the login
  let answers: Record<string, Answer> = {};
  let dir = '';
  let keyFile = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const procedure = new URL(req.url!, 'http://x').pathname.replace('/api/trpc/', '');
      const [status, body, headers] = answers[procedure] ?? REFUSE_LOGIN;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-cli-unit-'));
    keyFile = path.join(dir, 'id_ed25519');
    writeFileSync(keyFile, FAKE_KEY, { mode: 0o600 });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(argv: string[], env: Env = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    // Not a TTY: nobody to prompt, as in CI and scripts.
    const stdin = new PassThrough();
    const exitCode = await runCli({ argv, env: { FULCRUM_SERVER: serverUrl, FULCRUM_PASSWORD: 'fulcrum-password', ...env }, io: { stdin, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } } });
    return { exitCode, stdout, stderr };
  }

  const target = (...extra: string[]) => ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', keyFile, ...extra];

  it('refuses the injection corpus with exit 2, one stderr line naming the flag, and no request to the server', async () => {
    requests = [];
    for (const bad of BAD_STRINGS) {
      for (const [flag, argv] of [
        ['--host', target(`--host=${bad}`)],
        ['--user', ['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--key-file', keyFile, `--user=${bad}`]],
        ['--node-path', target(`--node-path=${bad}`)],
      ] as const) {
        const result = await run([...argv]);
        expect(result.exitCode, `${flag} ${short(bad)}`).toBe(2);
        expect(result.stderr, `${flag} ${short(bad)}`).toMatch(new RegExp(`^fulcrum: ${flag}: [^\\n]+\\n$`));
        expect(result.stdout).toBe('');
      }
    }
    expect(requests).toEqual([]);
  });

  it('refuses local credential problems with exit 2 before any request, never printing a secret', async () => {
    requests = [];
    const big = path.join(dir, 'big');
    writeFileSync(big, `${FAKE_KEY}${'#'.repeat(17 * 1024)}`);
    const pub = path.join(dir, 'id_ed25519.pub');
    writeFileSync(pub, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG test\n');
    const unreadable = path.join(dir, 'unreadable');
    writeFileSync(unreadable, FAKE_KEY);
    chmodSync(unreadable, 0o000);
    const cases: Array<[string[], Env, RegExp]> = [
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', path.join(dir, 'missing')], {}, /^fulcrum: --key-file: cannot read ".*missing": no such file\n$/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', dir], {}, /^fulcrum: --key-file: cannot read .*(directory|EISDIR)|^fulcrum: --key-file: .* is not a regular file/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', big], {}, /^fulcrum: --key-file: ".*big" is larger than 16 KB/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', pub], {}, /^fulcrum: --key-file: Private key must be a PEM or OpenSSH private key/],
      [target('--passphrase-env', 'KEY_PASS'), {}, /^fulcrum: --passphrase-env: the environment variable it names is not set or empty/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--password-env', 'SSH_PW'], { SSH_PW: '' }, /^fulcrum: --password-env: the environment variable it names is not set or empty/],
      [['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--password-env', 'SSH_PW'], { SSH_PW: 'a\0b' }, /^fulcrum: --password-env: Password must not contain NUL characters/],
      [target(), { FULCRUM_PASSWORD: '' }, /^fulcrum: FULCRUM_PASSWORD is not set and stdin is not a terminal/],
      [['host-key', '--host', '198.18.3.14'], { FULCRUM_PASSWORD: '' }, /^fulcrum: FULCRUM_PASSWORD is not set/],
    ];
    // root reads a mode 000 file anyway: only check it when the test does not run as root.
    if (process.getuid?.() !== 0) cases.push([['agent', 'install', '--cluster', 'lab', '--node', 'rs-1', '--user', 'root', '--key-file', unreadable], {}, /permission denied/]);
    for (const [argv, env, expected] of cases) {
      const result = await run(argv, env);
      expect(result.exitCode, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(expected);
      expect(result.stderr).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    }
    expect(requests).toEqual([]);
  });

  it('does reach the server with a valid command line, and reports its refusal (exit 1) without the password', async () => {
    requests = [];
    const result = await run(target('--accept-host-key', FINGERPRINT));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('fulcrum: Wrong username or password\n');
    expect(requests).toEqual(['POST /api/trpc/auth.login']);
    const json = await run(['host-key', '--host', '198.18.3.14', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'UNAUTHORIZED', exitCode: 1, message: 'Wrong username or password', procedure: 'auth.login' } });
    expect(`${result.stdout}${result.stderr}${json.stdout}${json.stderr}`).not.toContain('fulcrum-password');
  });

  it('refuses an account that still holds its one-time password, and logs out', async () => {
    requests = [];
    answers = { 'auth.login': LOGGED_IN, 'auth.me': ok({ id: 'u', username: 'admin', displayName: 'Admin', role: 'ADMIN', mustChangePassword: true }), 'auth.logout': ok({ ok: true }) };
    const result = await run(['host-key', '--host', '198.18.3.14']);
    answers = {};
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^fulcrum: admin still has a one-time password: log in to the UI at http:\/\/127\.0\.0\.1:\d+ and change it/);
    expect(requests.map((r) => r.split('?')[0])).toEqual(['POST /api/trpc/auth.login', 'GET /api/trpc/auth.me', 'POST /api/trpc/auth.logout']);
  });

  it('exits 2 when the server refuses a named field, 1 when it refuses without one (a host that is down)', async () => {
    const me = ok({ id: 'u', username: 'admin', displayName: 'Admin', role: 'ADMIN', mustChangePassword: false });
    const base = { 'auth.login': LOGGED_IN, 'auth.me': me, 'auth.logout': ok({ ok: true }) };
    answers = { ...base, 'agentInstall.scanHostKey': trpcError(400, 'Port must be between 1 and 65535', 'BAD_REQUEST', 'VALIDATION', { port: ['Port must be between 1 and 65535'] }) };
    const field = await run(['host-key', '--host', '198.18.3.14']);
    expect(field.exitCode).toBe(2);
    expect(field.stderr).toBe('fulcrum: --port: Port must be between 1 and 65535\n');
    answers = { ...base, 'agentInstall.scanHostKey': trpcError(400, 'Connection refused by 198.18.3.14:22: is sshd running and listening on port 22?', 'BAD_REQUEST', 'VALIDATION', null) };
    const down = await run(['host-key', '--host', '198.18.3.14']);
    answers = {};
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toBe('fulcrum: Connection refused by 198.18.3.14:22: is sshd running and listening on port 22?\n');
  });

  it('answers an argument error in JSON too with --json', async () => {
    const result = await run(['host-key', '--host', 'x;y', '--json']);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'USAGE', exitCode: 2, message: '--host: Management address must be an IP address or a DNS host name' } });
  });

  it('prints help on stdout with exit 0', async () => {
    const result = await run(['agent', 'install', '--help']);
    expect(result).toEqual({ exitCode: 0, stdout: AGENT_VERB_HELP.install, stderr: '' });
  });
});
