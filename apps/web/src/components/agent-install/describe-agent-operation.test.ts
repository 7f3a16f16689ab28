import { describe, expect, it } from 'vitest';
import { defaultOperationKind, describeAgentOperation, describeOutcome, formatStepDuration, type OperationOutcome } from './describe-agent-operation';

const now = new Date('2026-03-01T12:00:00Z');
const base: OperationOutcome = { kind: 'INSTALL', status: 'SUCCEEDED', agentVersion: '0.1.0', startedBy: 'admin', startedAt: new Date('2026-03-01T11:57:30Z'), finishedAt: new Date('2026-03-01T11:58:00Z'), errorCode: null, error: null };

describe('describeAgentOperation', () => {
  it('says what happened, by whom and when', () => {
    expect(describeAgentOperation(base, now)).toBe('installed 0.1.0 by admin 2 min ago');
    expect(describeAgentOperation({ ...base, kind: 'UPGRADE', agentVersion: '0.1.1' }, now)).toBe('upgraded to 0.1.1 by admin 2 min ago');
    expect(describeAgentOperation({ ...base, kind: 'REMOVE', agentVersion: null, finishedAt: now }, now)).toBe('removed by admin just now');
    expect(describeAgentOperation({ ...base, status: 'FAILED', errorCode: 'AUTH_REFUSED', error: 'refused the login' }, now)).toBe('install failed 2 min ago: refused the login');
    expect(describeAgentOperation({ ...base, status: 'RUNNING', finishedAt: null }, now)).toBe('install running (started by admin 2 min ago)');
    // A page clock a moment behind the server's.
    expect(describeAgentOperation({ ...base, finishedAt: new Date(now.getTime() + 3_000) }, now)).toBe('installed 0.1.0 by admin just now');
  });

  it('words the dialog banner', () => {
    expect(describeOutcome(base, 'rs-1')).toBe('Agent 0.1.0 installed on rs-1: it is connected and applied its desired state.');
    expect(describeOutcome({ ...base, kind: 'REMOVE', status: 'FAILED', error: null, errorCode: 'NOT_INSTALLED' }, 'rs-1')).toBe('The removal failed: NOT_INSTALLED');
  });
});

describe('formatStepDuration', () => {
  it('reads at a glance', () => {
    expect(formatStepDuration(null)).toBe('');
    expect(formatStepDuration(420)).toBe('420 ms');
    expect(formatStepDuration(3412)).toBe('3.4 s');
    expect(formatStepDuration(125_000)).toBe('2 min 05 s');
  });
});

describe('defaultOperationKind', () => {
  it('installs on a node that never connected or whose agent was removed, upgrades otherwise', () => {
    expect(defaultOperationKind('NEVER_CONNECTED', undefined)).toBe('INSTALL');
    expect(defaultOperationKind('DISCONNECTED', { kind: 'REMOVE', status: 'SUCCEEDED' })).toBe('INSTALL');
    expect(defaultOperationKind('DISCONNECTED', { kind: 'REMOVE', status: 'FAILED' })).toBe('UPGRADE');
    expect(defaultOperationKind('CONNECTED', { kind: 'INSTALL', status: 'SUCCEEDED' })).toBe('UPGRADE');
  });
});
