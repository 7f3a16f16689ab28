import { z } from 'zod';
import { Id } from '@fulcrum/lvs/estate/common';
import { AgentOperationKind, HostKeyFingerprint, RemoteNodePath, SshAuth, SshHost, SshPort, SshUsername, type StartAgentOperationInput } from '@fulcrum/installer/install-target';
import { ServerUrl } from '@fulcrum/protocol/server-url';

export type AuthMethod = 'key' | 'password';

/** What the agent dialog's form holds, as typed (text), before validation. */
export type AgentOperationFormValues = {
  kind: AgentOperationKind;
  host: string;
  port: string;
  username: string;
  authMethod: AuthMethod;
  privateKey: string;
  passphrase: string;
  password: string;
  nodePath: string;
  serverUrl: string;
};

/** The form's own fields: server errors for any other key (target, auth, kind) go to the top of the form. */
export const AGENT_OPERATION_FIELDS = ['host', 'port', 'username', 'privateKey', 'passphrase', 'password', 'nodePath', 'serverUrl', 'hostKeyFingerprint'] as const;

/** The credential fields: emptied as soon as an operation starts, never kept beyond the dialog. */
export const SECRET_FIELDS = ['privateKey', 'passphrase', 'password'] as const satisfies ReadonlyArray<keyof AgentOperationFormValues>;

/** A key file larger than this is not a private key (the installer accepts up to 16 KB of key text). */
export const MAX_KEY_FILE_BYTES = 16 * 1024;

/**
 * The form, flat as typed, checked field by field with the installer's own schemas (the server
 * validates agentInstall.start with the same ones) and turned into agentInstall.start's input.
 * Every field is checked in one pass, so all complaints show at once under their fields; the server
 * groups host, port and user under `target`, which a form cannot place.
 */
export const AgentOperationForm = z
  .object({
    kind: AgentOperationKind,
    nodeId: Id,
    host: z.string(),
    port: z.string(),
    username: z.string(),
    authMethod: z.enum(['key', 'password']),
    privateKey: z.string(),
    passphrase: z.string(),
    password: z.string(),
    /** The scanned fingerprint the admin confirmed (a host key seen for the first time), else null. */
    hostKeyFingerprint: z.string().nullable(),
    nodePath: z.string(),
    serverUrl: z.string(),
  })
  .transform((form, ctx): StartAgentOperationInput => {
    let isValid = true;
    const check = <T>(schema: z.ZodType<T>, value: unknown, field: (issuePath: PropertyKey[]) => string, describe: (message: string) => string = (m) => m): T => {
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      isValid = false;
      for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: [field(issue.path)], message: describe(issue.message) });
      return undefined as T;
    };
    const isInstall = form.kind === 'INSTALL';
    const host = check(SshHost, form.host.trim(), () => 'host');
    // An empty box is a missing port, not port 0 (which is what coercing '' would check).
    const port = check(form.port.trim() === '' ? z.never({ error: 'Port is required' }) : SshPort, form.port.trim(), () => 'port');
    const username = check(SshUsername, form.username.trim(), () => 'username');
    const authInput = form.authMethod === 'key' ? { method: 'key', privateKey: form.privateKey, passphrase: form.passphrase === '' ? undefined : form.passphrase } : { method: 'password', password: form.password };
    const auth = check(SshAuth, authInput, (path) => (typeof path[0] === 'string' ? path[0] : form.authMethod === 'key' ? 'privateKey' : 'password'));
    const hostKeyFingerprint = form.hostKeyFingerprint === null ? undefined : check(HostKeyFingerprint, form.hostKeyFingerprint, () => 'hostKeyFingerprint');
    // Node.js path and server URL only matter to an install (an upgrade keeps what the install chose).
    const nodePath = isInstall && form.nodePath.trim() !== '' ? check(RemoteNodePath, form.nodePath.trim(), () => 'nodePath') : undefined;
    const serverUrl = isInstall && form.serverUrl.trim() !== '' ? check(ServerUrl, form.serverUrl.trim(), () => 'serverUrl', (m) => (/^[a-z]/.test(m) ? `Agent server URL ${m}` : m)) : undefined;
    if (!isValid) return z.NEVER;
    return {
      kind: form.kind,
      nodeId: form.nodeId,
      target: { host, port, username },
      auth,
      ...(hostKeyFingerprint !== undefined ? { hostKeyFingerprint } : {}),
      ...(serverUrl !== undefined ? { serverUrl } : {}),
      ...(nodePath !== undefined ? { nodePath } : {}),
    };
  });

/** The values a fresh form starts with for a node: its management address, port 22, root, a key. */
export function initialFormValues(options: { kind: AgentOperationKind; managementAddress: string }): AgentOperationFormValues {
  return { kind: options.kind, host: options.managementAddress, port: '22', username: 'root', authMethod: 'key', privateKey: '', passphrase: '', password: '', nodePath: '', serverUrl: '' };
}

/** The same values with every credential emptied. */
export function withoutSecrets(values: AgentOperationFormValues): AgentOperationFormValues {
  return { ...values, privateKey: '', passphrase: '', password: '' };
}
