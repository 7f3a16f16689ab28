import { createHash } from 'node:crypto';

/** Host key algorithms offered, in order; scan and session use the same list so they see the same key. */
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'] as const;

/** A server's host key as OpenSSH shows it. */
export type HostKey = { algorithm: string; fingerprint: string };

/** SHA-256 fingerprint of a raw SSH public key blob, exactly as `ssh-keygen -l` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (a uint32 length, then the name). */
export function algorithmOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('ascii');
}

/** Both of the above for one blob. */
export function describeHostKey(keyBlob: Buffer): HostKey {
  return { algorithm: algorithmOf(keyBlob), fingerprint: fingerprintOf(keyBlob) };
}
