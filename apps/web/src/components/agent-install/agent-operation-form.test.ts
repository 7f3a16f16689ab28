import { describe, expect, it } from 'vitest';
import { fieldErrorsFromZod } from '../../lib/forms/field-errors';
import { AgentOperationForm, initialFormValues, withoutSecrets } from './agent-operation-form';

const NODE_ID = '7d0f4a52-3c1e-4a44-9d59-0d3f6f1b2c11';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

function form(overrides: Record<string, unknown> = {}) {
  return { ...initialFormValues({ kind: 'INSTALL', managementAddress: '198.18.3.18' }), nodeId: NODE_ID, hostKeyFingerprint: null, privateKey: KEY, ...overrides };
}

function errorsOf(input: unknown) {
  const result = AgentOperationForm.safeParse(input);
  if (result.success) throw new Error(`expected errors, got ${JSON.stringify(result.data)}`);
  return fieldErrorsFromZod(result.error);
}

describe('AgentOperationForm', () => {
  it('turns the typed form into agentInstall.start input', () => {
    const input = AgentOperationForm.parse(form({ port: ' 2222 ', username: ' root ', hostKeyFingerprint: FINGERPRINT, serverUrl: 'ws://198.18.3.17:3000', nodePath: '/opt/node/bin/node' }));
    expect(input).toEqual({
      kind: 'INSTALL',
      nodeId: NODE_ID,
      target: { host: '198.18.3.18', port: 2222, username: 'root' },
      auth: { method: 'key', privateKey: KEY, passphrase: undefined },
      hostKeyFingerprint: FINGERPRINT,
      serverUrl: 'ws://198.18.3.17:3000/ws/agent',
      nodePath: '/opt/node/bin/node',
    });
  });

  it('sends a password, and no server URL or Node.js path for an upgrade or a removal', () => {
    const input = AgentOperationForm.parse(form({ kind: 'UPGRADE', authMethod: 'password', password: 'pw', serverUrl: 'ws://x:1/ws/agent', nodePath: '/usr/bin/node' }));
    expect(input).toEqual({ kind: 'UPGRADE', nodeId: NODE_ID, target: { host: '198.18.3.18', port: 22, username: 'root' }, auth: { method: 'password', password: 'pw' } });
  });

  it('reports every bad field at once, under the field the form shows', () => {
    const errors = errorsOf(form({ host: '-oProxyCommand=x', port: '70000', username: '$(id)', privateKey: 'not a key', serverUrl: 'http://x', nodePath: 'node; rm -rf /' }));
    expect(Object.keys(errors).sort()).toEqual(['host', 'nodePath', 'port', 'privateKey', 'serverUrl', 'username']);
    expect(errors.port).toEqual(['Port must be between 1 and 65535']);
    expect(errors.privateKey?.[0]).toMatch(/PEM or OpenSSH private key/);
    expect(errors.serverUrl?.[0]).toMatch(/^Agent server URL must start with ws:\/\//);
  });

  it('asks for the port, the password and the key when they are empty', () => {
    expect(errorsOf(form({ port: '' })).port).toEqual(['Port is required']);
    expect(errorsOf(form({ authMethod: 'password', password: '' })).password).toEqual(['Password is required']);
    expect(errorsOf(form({ privateKey: '' })).privateKey?.[0]).toMatch(/private key/i);
  });

  it('empties every credential', () => {
    const values = { ...initialFormValues({ kind: 'UPGRADE', managementAddress: 'h' }), privateKey: KEY, passphrase: 'p', password: 'q' };
    expect(withoutSecrets(values)).toMatchObject({ privateKey: '', passphrase: '', password: '', host: 'h', kind: 'UPGRADE' });
  });
});
