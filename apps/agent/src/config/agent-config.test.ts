import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseCommandLine } from './agent-config';
import { readTokenFile } from './read-token-file';

const none = () => null;
const run = (argv: string[], env: Record<string, string> = {}, file: string | null = null) => {
  const result = parseCommandLine(argv, env, () => file);
  if (result.kind !== 'run') throw new Error('expected a run config');
  return result.config;
};
const fails = (argv: string[], env: Record<string, string> = {}, file: string | null = null): string => {
  try {
    parseCommandLine(argv, env, () => file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('agent configuration', () => {
  it('takes flags over env over the config file, with defaults', () => {
    const config = run(['--server', 'ws://127.0.0.1:3000/ws/agent', '--rate-interval-ms', '2000'], { FULCRUM_HOSTNAME: 'director-a', FULCRUM_SERVER: 'ws://ignored:1' }, JSON.stringify({ stateDir: '/srv/state', hostname: 'from-file' }));
    expect(config).toMatchObject({ server: 'ws://127.0.0.1:3000/ws/agent', hostname: 'director-a', stateDir: '/srv/state', rateIntervalMs: 2000, tokenFile: '/etc/fulcrum/agent.token', runDir: '/run/fulcrum-agent', batchThreshold: 20 });
    expect(config.binaries.ipvsadm).toBe('/usr/sbin/ipvsadm');
  });

  it('appends /ws/agent to a bare server URL and accepts wss', () => {
    expect(run(['--server', 'wss://lb.example:8443']).server).toBe('wss://lb.example:8443/ws/agent');
  });

  it('prints help and version', () => {
    expect(parseCommandLine(['--help'], {}, none).kind).toBe('help');
    expect(parseCommandLine(['--version'], {}, none).kind).toBe('version');
  });

  const corpus: Array<[string, string[], Record<string, string>, string | null, RegExp]> = [
    ['no server', [], {}, null, /No server given/],
    ['http scheme', ['--server', 'http://x:1/ws/agent'], {}, null, /server \(from --server\): must start with ws:\/\/ or wss:\/\//],
    ['not a URL', ['--server', '$(touch /tmp/x)'], {}, null, /is not a URL/],
    ['wrong path', ['--server', 'ws://x:1/api'], {}, null, /path must be \/ws\/agent/],
    ['credentials in URL', ['--server', 'ws://u:p@x:1/ws/agent'], {}, null, /must not carry credentials/],
    ['query string', ['--server', 'ws://x:1/ws/agent?token=abc'], {}, null, /query or fragment/],
    ['unknown flag', ['--server', 'ws://x:1', '--tokenfile', '/x'], {}, null, /Unknown option '--tokenfile'/],
    ['relative token path', ['--server', 'ws://x:1', '--token-file', 'agent.token'], {}, null, /tokenFile \(from --token-file\): must be an absolute path/],
    ['dot-dot path', ['--server', 'ws://x:1', '--state-dir', '/var/../etc'], {}, null, /stateDir .*must not contain "\.\."/],
    ['shell in path', ['--server', 'ws://x:1', '--run-dir', '/run/x;rm -rf /'], {}, null, /runDir .*absolute path of plain characters/],
    ['bad number from env', ['--server', 'ws://x:1'], { FULCRUM_RATE_INTERVAL_MS: 'fast' }, null, /rateIntervalMs \(from env FULCRUM_RATE_INTERVAL_MS\)/],
    ['too small interval', ['--server', 'ws://x:1', '--rate-interval-ms', '10'], {}, null, /rateIntervalMs .*>=500/],
    ['bad log level', ['--server', 'ws://x:1', '--log-level', 'loud'], {}, null, /logLevel/],
    ['bad host name', ['--server', 'ws://x:1', '--hostname', 'a b'], {}, null, /hostname .*plain host name/],
    ['config file not JSON', [], {}, '{server:', /is not valid JSON/],
    ['config file array', [], {}, '[]', /must hold a JSON object/],
    ['unknown key in file', [], {}, JSON.stringify({ server: 'ws://x:1', tokn: '/x' }), /unknown setting\(s\) tokn/],
    ['relative binary', [], {}, JSON.stringify({ server: 'ws://x:1', binaries: { ipvsadm: 'ipvsadm' } }), /binaries\.ipvsadm .*absolute/],
    ['shell in binary', [], {}, JSON.stringify({ server: 'ws://x:1', binaries: { ip: '/usr/sbin/ip;id' } }), /binaries\.ip /],
  ];
  it.each(corpus)('refuses %s with a clear message', (_name, argv, env, file, message) => {
    expect(fails(argv, env, file)).toMatch(message);
  });

  it('refuses an explicit config file that cannot be read', () => {
    expect(fails(['--config', '/nonexistent/agent.json'])).toMatch(/Config file \/nonexistent\/agent.json cannot be read/);
  });
});

describe('token file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-agent-token-'));
  const token = 'abcdefghijklmnopqrstuvwxyz012345_-';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };

  it('reads a 0600 token file', () => {
    expect(readTokenFile(write('ok', `${token}\n`, 0o600))).toBe(token);
    expect(readTokenFile(write('ro', token, 0o400))).toBe(token);
  });

  it('refuses group/world readable files, naming the fix', () => {
    expect(() => readTokenFile(write('world', token, 0o644))).toThrow(/readable or writable by group\/others \(mode 0644\): run chmod 600/);
    expect(() => readTokenFile(write('group', token, 0o640))).toThrow(/mode 0640/);
  });

  it('refuses a file owned by someone else, a missing file, a directory and non-token content', () => {
    expect(() => readTokenFile(write('owner', token, 0o600), { uid: 12345 })).toThrow(/owned by uid 0, not by the agent's uid 12345/);
    expect(() => readTokenFile(join(dir, 'missing'))).toThrow(/cannot be opened \(ENOENT\)/);
    expect(() => readTokenFile(write('short', 'abc', 0o600))).toThrow(/does not hold a token/);
    expect(() => readTokenFile(write('inject', '$(touch /tmp/x)aaaaaaaaaaaaaaaaaaaa', 0o600))).toThrow(/does not hold a token/);
  });
});
