// The server reports validation errors per input field (error.data.fieldErrors); the operator typed
// flags. This maps one to the other so every message names what to change on the command line.

const FLAG_OF_FIELD: Record<string, string> = {
  'target.host': '--host',
  'target.port': '--port',
  'target.username': '--user',
  target: '--host/--port/--user',
  'auth.privateKey': '--key-file',
  'auth.passphrase': '--passphrase-env',
  'auth.password': '--password-env',
  auth: '--key-file/--password-env',
  hostKeyFingerprint: '--accept-host-key',
  serverUrl: '--agent-url',
  nodePath: '--node-path',
  nodeId: '--node',
  // agentInstall.scanHostKey / forgetHostKey
  host: '--host',
  port: '--port',
  // auth.login
  username: '--login',
  password: 'FULCRUM_PASSWORD',
};

/** The flag for an input field path (["target", "host"] or "target"), or the field name when none fits. */
export function flagOfField(path: ReadonlyArray<PropertyKey> | string): string {
  const parts = typeof path === 'string' ? [path] : path.map(String);
  for (let n = parts.length; n > 0; n--) {
    const flag = FLAG_OF_FIELD[parts.slice(0, n).join('.')];
    if (flag) return flag;
  }
  return parts.join('.') || 'input';
}
