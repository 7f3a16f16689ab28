import { FulcrumApi } from '../api-client';
import type { HostKeyCommand } from '../args';
import { EXIT } from '../cli-error';
import { resolveLoginPassword } from '../credentials';
import { howToCheck, type HostKeyScan } from '../host-key-trust';
import { Output } from '../output';
import { logIn, logOut } from '../session';
import type { CommandContext } from './agent';

// fulcrum host-key: what the server sees at host:port (it connects without logging in) and whether
// it trusts that key; --forget drops the trusted key after a legitimate reinstall of the host.

const TRUST_NOTE = {
  NEW: 'not confirmed yet: the first install asks for it (--accept-host-key)',
  TRUSTED: 'the key Fulcrum trusts for this host',
  CHANGED: 'NOT the key Fulcrum trusts; installs are refused until you forget the old one with --forget',
} as const;

export async function runHostKeyCommand(command: HostKeyCommand, context: CommandContext): Promise<number> {
  const { io, env, signal } = context;
  const out = new Output(io, command.common.json);
  const password = await resolveLoginPassword(env, io, command.common.login);
  const api = new FulcrumApi(command.common.server, signal);
  try {
    // Inside the try: a login that succeeds but is then refused (one-time password) is logged out.
    await logIn(api, command.common.login, password);
    const { host, port } = command;
    if (command.forget) {
      const { forgotten } = await api.mutate<{ forgotten: boolean }>('agentInstall.forgetHostKey', { host, port });
      out.result({ host, port, forgotten });
      out.line(forgotten ? `Forgot the trusted SSH host key of ${host}:${port}: the next install asks to confirm the key it finds` : `Fulcrum trusts no SSH host key for ${host}:${port}: nothing to forget`);
      return EXIT.OK;
    }
    const scan = await api.mutate<HostKeyScan>('agentInstall.scanHostKey', { host, port });
    out.result(scan);
    out.lines([
      `host:        ${scan.host}:${scan.port}`,
      `algorithm:   ${scan.algorithm}`,
      `fingerprint: ${scan.fingerprint}`,
      `trust:       ${scan.trust} (${TRUST_NOTE[scan.trust]})`,
      ...(scan.trust === 'CHANGED' ? [`trusted:     ${scan.trustedFingerprint}`] : []),
      ...(scan.trust === 'TRUSTED' ? [] : [`To check it: ${howToCheck(scan)}`]),
    ]);
    // A changed key is the one answer a script must not take for success.
    return scan.trust === 'CHANGED' ? EXIT.HOST_KEY : EXIT.OK;
  } finally {
    await logOut(api);
  }
}
