import { z } from 'zod';
import { BinaryPath } from '@fulcrum/lvs/commands/binaries';
import { Id } from '@fulcrum/lvs/estate/common';
import { ManagementAddress } from '@fulcrum/lvs/model/primitives';
import { ServerUrl } from '@fulcrum/protocol/server-url';

// What an admin types to put an agent on a host over SSH. Browser-safe (no node:* imports beyond
// what @fulcrum/lvs already shims): the install form, the CLI and the server validate with the same
// schemas, so a bad host, user or path is refused before any connection is made.

/** SSH host: an IP address or a DNS name (never an option-like or shell-like string). */
export const SshHost = ManagementAddress.refine((s) => !s.startsWith('-'), { error: 'Host must not start with "-"' });

/** SSH port. */
export const SshPort = z.coerce
  .number({ error: 'Port must be a number' })
  .int('Port must be a whole number')
  .min(1, 'Port must be between 1 and 65535')
  .max(65535, 'Port must be between 1 and 65535');

/** A POSIX login name (Debian's default NAME_REGEX, plus upper case): never a shell or option string. */
export const SshUsername = z
  .string({ error: 'User is required' })
  .min(1, 'User is required')
  .max(32, 'User must be at most 32 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'User may contain only letters, digits, "_", "." and "-", and must start with a letter or "_"');

const PRIVATE_KEY_MAX = 16 * 1024;

/** How to log in: a private key (OpenSSH or PEM, optional passphrase) or a password. Used once, never stored. */
export const SshAuth = z.discriminatedUnion(
  'method',
  [
    z.object({
      method: z.literal('key'),
      privateKey: z
        .string({ error: 'Private key is required' })
        .max(PRIVATE_KEY_MAX, `Private key must be at most ${PRIVATE_KEY_MAX / 1024} KB`)
        .refine((k) => /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(k) && /-----END [A-Z0-9 ]*PRIVATE KEY-----/.test(k), {
          error: 'Private key must be a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)',
        })
        .refine((k) => !k.includes('\0'), { error: 'Private key must not contain NUL characters' }),
      passphrase: z.string().max(1024, 'Passphrase must be at most 1024 characters').refine((p) => !p.includes('\0'), { error: 'Passphrase must not contain NUL characters' }).optional(),
    }),
    z.object({
      method: z.literal('password'),
      password: z
        .string({ error: 'Password is required' })
        .min(1, 'Password is required')
        .max(1024, 'Password must be at most 1024 characters')
        .refine((p) => !p.includes('\0'), { error: 'Password must not contain NUL characters' }),
    }),
  ],
  { error: 'Authentication must be a private key or a password' },
);
export type SshAuth = z.infer<typeof SshAuth>;

/** Where to reach the host: validated before any connection is made. */
export const SshTarget = z.object({
  host: SshHost,
  port: SshPort.default(22),
  username: SshUsername,
});
export type SshTarget = z.infer<typeof SshTarget>;

/** SHA-256 host key fingerprint as OpenSSH prints it ("SHA256:" + unpadded base64). */
export const HostKeyFingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'Fingerprint must look like SHA256:… (43 base64 characters), as ssh-keygen -l prints it');

/** Optional absolute path of Node.js on the host (when it is not on the login PATH). */
export const RemoteNodePath = BinaryPath.refine((p) => /\/node[0-9]*$/.test(p), { error: 'Node.js path must end in /node' });

/** What to do with the agent on a host. */
export const AgentOperationKind = z.enum(['INSTALL', 'UPGRADE', 'REMOVE'], { error: 'Operation must be INSTALL, UPGRADE or REMOVE' });
export type AgentOperationKind = z.infer<typeof AgentOperationKind>;

/** One install, upgrade or removal, as the UI and the CLI send it. */
export const StartAgentOperationInput = z.object({
  kind: AgentOperationKind,
  nodeId: Id,
  target: SshTarget,
  auth: SshAuth,
  /** The fingerprint the admin confirmed; needed when the host key is not trusted yet. */
  hostKeyFingerprint: HostKeyFingerprint.optional(),
  /** How the agent reaches Fulcrum (INSTALL); defaults to FULCRUM_AGENT_SERVER_URL or the address this request came to. */
  serverUrl: ServerUrl.optional(),
  nodePath: RemoteNodePath.optional(),
});
export type StartAgentOperationInput = z.infer<typeof StartAgentOperationInput>;

/** A host key lookup before the first connection. */
export const ScanHostKeyInput = z.object({ host: SshHost, port: SshPort.default(22) });
