import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { algorithmOf, describeHostKey } from './host-key';

describe('host key fingerprints', () => {
  it('match what ssh-keygen -l prints for the same key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fulcrum-hostkey-'));
    try {
      for (const type of ['ed25519', 'ecdsa', 'rsa']) {
        const file = path.join(dir, `key-${type}`);
        execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
        const [, base64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
        const printed = execFileSync('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
        const key = describeHostKey(Buffer.from(base64!, 'base64'));
        expect(key.fingerprint).toBe(printed);
        expect(key.algorithm).toBe(type === 'ed25519' ? 'ssh-ed25519' : type === 'rsa' ? 'ssh-rsa' : 'ecdsa-sha2-nistp256');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names no algorithm for a blob that is not a key', () => {
    expect(algorithmOf(Buffer.from([0, 0]))).toBe('unknown');
    expect(algorithmOf(Buffer.from([255, 255, 255, 255, 1]))).toBe('unknown');
  });
});
