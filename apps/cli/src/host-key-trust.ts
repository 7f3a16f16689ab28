import { CliError, EXIT } from './cli-error';

// Trust on first use, decided here before anything is started: the server would refuse an unknown
// key anyway, but only the CLI can show the fingerprint to a person and say which flag to add.
// Accepting a fingerprint is safe against a key swapped between scan and install: the server checks
// the key it meets when it connects against the one sent here (HOST_KEY_MISMATCH otherwise).

/** agentInstall.scanHostKey's answer. */
export type HostKeyScan = {
  host: string;
  port: number;
  algorithm: string;
  fingerprint: string;
  trust: 'NEW' | 'TRUSTED' | 'CHANGED';
  trustedFingerprint: string | null;
};

/** Go as trusted, go with a fingerprint the operator confirmed, or ask the person at the terminal. */
export type HostKeyDecision = { kind: 'trusted' } | { kind: 'confirmed'; fingerprint: string } | { kind: 'ask' };

/** The file on the host whose fingerprint an operator compares, for the algorithm the host presented. */
function hostKeyFile(algorithm: string): string {
  const type = algorithm.startsWith('ecdsa') ? 'ecdsa' : algorithm.startsWith('rsa') || algorithm === 'ssh-rsa' ? 'rsa' : 'ed25519';
  return `/etc/ssh/ssh_host_${type}_key.pub`;
}

/** How to check a fingerprint on the host itself (over a channel you already trust, e.g. its console). */
export function howToCheck(scan: HostKeyScan): string {
  return `on the host, "ssh-keygen -l -f ${hostKeyFile(scan.algorithm)}" must print the same fingerprint`;
}

const where = (scan: HostKeyScan) => `${scan.host}:${scan.port}`;
const hostKeyFlags = (scan: HostKeyScan) => `--host ${scan.host}${scan.port === 22 ? '' : ` --port ${scan.port}`}`;

/** Decides from the scan and --accept-host-key; throws (exit 3) when the key must not be used. */
export function decideHostKey(scan: HostKeyScan, acceptHostKey: string | undefined): HostKeyDecision {
  const details = { hostKey: scan };
  if (scan.trust === 'CHANGED') {
    throw new CliError(EXIT.HOST_KEY, `The SSH host key of ${where(scan)} has CHANGED: nothing was sent to the host`, {
      code: 'HOST_KEY_CHANGED',
      details,
      lines: [
        `trusted:   ${scan.trustedFingerprint}`,
        `presented: ${scan.algorithm} ${scan.fingerprint}`,
        'This is expected after the host was reinstalled; otherwise someone may be intercepting the connection.',
        `If the change is legitimate (${howToCheck(scan)}), forget the old key:`,
        `  fulcrum host-key ${hostKeyFlags(scan)} --forget`,
        `and run this command again with --accept-host-key ${scan.fingerprint}`,
      ],
    });
  }
  if (acceptHostKey !== undefined && acceptHostKey !== scan.fingerprint) {
    throw new CliError(EXIT.HOST_KEY, `--accept-host-key ${acceptHostKey} is not the key ${where(scan)} presents: nothing was sent to the host`, {
      code: 'HOST_KEY_NOT_ACCEPTED',
      details,
      lines: [
        `presented: ${scan.algorithm} ${scan.fingerprint}${scan.trust === 'TRUSTED' ? ' (trusted by Fulcrum)' : ''}`,
        `To tell which one is right: ${howToCheck(scan)}`,
      ],
    });
  }
  if (scan.trust === 'TRUSTED') return { kind: 'trusted' };
  if (acceptHostKey !== undefined) return { kind: 'confirmed', fingerprint: acceptHostKey };
  return { kind: 'ask' };
}

/** What the terminal shows before asking "Trust this host key?". */
export function describeNewKey(scan: HostKeyScan): string[] {
  return [`The SSH host key of ${where(scan)} is not trusted yet:`, `  ${scan.algorithm} ${scan.fingerprint}`, `To be sure it is the host's: ${howToCheck(scan)}.`];
}

/** A new key and nobody at a terminal to confirm it (exit 3), with the exact flag to add. */
export function unconfirmedKeyError(scan: HostKeyScan): CliError {
  return new CliError(EXIT.HOST_KEY, `The SSH host key of ${where(scan)} is not trusted yet: ${scan.algorithm} ${scan.fingerprint}`, {
    code: 'HOST_KEY_UNCONFIRMED',
    details: { hostKey: scan },
    lines: [`To be sure it is the host's: ${howToCheck(scan)}. If it does, run again with:`, `  --accept-host-key ${scan.fingerprint}`],
  });
}

/** The person at the terminal said no (exit 3). */
export function declinedKeyError(scan: HostKeyScan): CliError {
  return new CliError(EXIT.HOST_KEY, `Host key of ${where(scan)} not trusted: nothing was sent to the host`, { code: 'HOST_KEY_DECLINED', details: { hostKey: scan } });
}
