// The --help texts, one per level. Kept beside each other so the flags read the same everywhere.

const COMMON = `Common options:
  --server URL        Fulcrum's address (default: $FULCRUM_SERVER or http://127.0.0.1:3000)
  --login USER        who logs in to Fulcrum (default: $FULCRUM_LOGIN or admin); the password comes
                      from $FULCRUM_PASSWORD, or is asked for (no echo) when stdin is a terminal
  --json              print one JSON document on stdout instead of text
  -h, --help          this help`;

const TARGET = `  --cluster NAME          the node's cluster
  --node NAME             the node, as named in Fulcrum
  --host H                where to SSH to (default: the node's management address)
  --port N                SSH port (default 22)
  --user U                SSH login: root, or a user with passwordless sudo
  --key-file PATH         private key (OpenSSH or PEM, at most 16 KB) ...
  --passphrase-env VAR    ... and the NAME of an environment variable holding its passphrase
  --password-env VAR      or: the NAME of an environment variable holding the SSH password
  --accept-host-key FP    the host key fingerprint (SHA256:...) you checked on the host; needed the
                          first time Fulcrum connects to H:N when stdin is not a terminal`;

const SECRETS = `Secrets are never taken from a flag's value (it would land in shell history and ps): the key is
read from its file, passwords and passphrases from the environment variables you name. Fulcrum's
server does the SSH work and keeps the credentials only for the length of the operation.`;

export const TOP_HELP = `Usage: fulcrum <command> [options]

Commands:
  agent install    install the agent on a node over SSH
  agent upgrade    replace a node's agent with the server's bundle over SSH
  agent remove     stop and delete a node's agent over SSH (its token is revoked)
  host-key         show a host's SSH key and whether Fulcrum trusts it (--forget to un-trust it)

Run "fulcrum <command> --help" for its options.

${COMMON}

Exit codes: 0 done, 1 failed, 2 invalid arguments, 3 the host key needs your decision.
`;

export const AGENT_HELP = `Usage: fulcrum agent <install|upgrade|remove> --cluster NAME --node NAME --user U (--key-file PATH | --password-env VAR) [options]

  install    install the agent on the node and wait until it connects and applies its state
  upgrade    upload the server's agent bundle, restart the agent, wait for the new version
  remove     stop the agent, delete its files, revoke its token (IPVS and VIPs are left as they are)

Run "fulcrum agent install --help" for every option.
`;

const verbHelp = (verb: 'install' | 'upgrade' | 'remove', summary: string, extra: string) => `Usage: fulcrum agent ${verb} --cluster NAME --node NAME --user U (--key-file PATH | --password-env VAR) [options]

${summary}

Target and credentials:
${TARGET}
${extra}
${COMMON}

${SECRETS}

Exit codes: 0 done, 1 the operation (or the login) failed, 2 invalid arguments,
3 the host key is new and not confirmed, or changed, or not the one given to --accept-host-key.
`;

export const AGENT_VERB_HELP = {
  install: verbHelp(
    'install',
    'Installs the agent on the node over SSH and waits until it connects and applies its desired state.',
    `
Install only:
  --agent-url URL         ws://host:port/ws/agent the agent connects to (default: the server's
                          FULCRUM_AGENT_SERVER_URL, or the address this CLI reached the server at)
  --node-path PATH        Node.js on the host when it is not on the login's PATH (e.g. /usr/bin/node)
`,
  ),
  upgrade: verbHelp('upgrade', "Uploads the server's agent bundle to the node, restarts the agent and waits for the new version to connect.", ''),
  remove: verbHelp('remove', "Stops the node's agent and deletes its files; the node's token is revoked. IPVS services and VIPs stay as they are.", ''),
} as const;

export const HOST_KEY_HELP = `Usage: fulcrum host-key --host H [--port N] [--forget]

Connects to H:N (no login), prints the SSH host key's algorithm and SHA-256 fingerprint, and
whether Fulcrum trusts it: NEW (never seen), TRUSTED, or CHANGED (not the one Fulcrum trusts).

  --host H      the host (IP address or DNS name)
  --port N      SSH port (default 22)
  --forget      forget the key Fulcrum trusts for H:N (after a legitimate reinstall of the host);
                the next install asks to confirm the new key

${COMMON}

Exit codes: 0 done, 1 failed, 2 invalid arguments, 3 the key CHANGED.
`;
