import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error';
import { decideHostKey, unconfirmedKeyError, type HostKeyScan } from './host-key-trust';

const SEEN = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
const OTHER = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const scan = (trust: HostKeyScan['trust'], trustedFingerprint: string | null = null): HostKeyScan => ({ host: '198.18.3.14', port: 22, algorithm: 'ssh-ed25519', fingerprint: SEEN, trust, trustedFingerprint });

function refusal(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('decideHostKey', () => {
  it('goes on a trusted key, with or without the same fingerprint given', () => {
    expect(decideHostKey(scan('TRUSTED', SEEN), undefined)).toEqual({ kind: 'trusted' });
    expect(decideHostKey(scan('TRUSTED', SEEN), SEEN)).toEqual({ kind: 'trusted' });
  });

  it('sends a new key only when --accept-host-key names it; asks otherwise', () => {
    expect(decideHostKey(scan('NEW'), SEEN)).toEqual({ kind: 'confirmed', fingerprint: SEEN });
    expect(decideHostKey(scan('NEW'), undefined)).toEqual({ kind: 'ask' });
    const wrong = refusal(() => decideHostKey(scan('NEW'), OTHER));
    expect(wrong.exitCode).toBe(3);
    expect(wrong.message).toContain(`--accept-host-key ${OTHER} is not the key 198.18.3.14:22 presents`);
    expect(refusal(() => decideHostKey(scan('TRUSTED', SEEN), OTHER)).exitCode).toBe(3);
    // an RSA host is checked against its RSA key file
    expect(unconfirmedKeyError({ ...scan('NEW'), algorithm: 'rsa-sha2-512' }).options.lines?.[0]).toContain('/etc/ssh/ssh_host_rsa_key.pub');
  });

  it('refuses a changed key whatever was accepted, showing both fingerprints and the way forward', () => {
    for (const accept of [undefined, SEEN, OTHER]) {
      const changed = refusal(() => decideHostKey(scan('CHANGED', OTHER), accept));
      expect(changed.exitCode).toBe(3);
      expect(changed.options.code).toBe('HOST_KEY_CHANGED');
      const text = [changed.message, ...(changed.options.lines ?? [])].join('\n');
      expect(text).toContain(`trusted:   ${OTHER}`);
      expect(text).toContain(`presented: ssh-ed25519 ${SEEN}`);
      expect(text).toContain('fulcrum host-key --host 198.18.3.14 --forget');
    }
  });

  it('names the exact flag to add when nobody can confirm a new key', () => {
    const error = unconfirmedKeyError(scan('NEW'));
    expect(error.exitCode).toBe(3);
    expect(error.options.lines).toContain(`  --accept-host-key ${SEEN}`);
    expect(error.options.lines?.[0]).toContain('"ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub" must print the same fingerprint');
  });
});
