// Pure builders for the files the SSH test host generates (accounts, sshd_config), kept apart from
// the namespace plumbing so they can be unit-tested without root.

/** A test account added to the test host's private /etc. */
export interface TestAccount {
  username: string;
  uid: number;
  home: string;
  /** crypt(3) hash as `openssl passwd -6` prints it. */
  passwordHash: string;
}

/** The host's account files, as read from its /etc. */
export interface AccountFiles {
  passwd: string;
  shadow: string;
  group: string;
}

/** Days since the epoch, the unit of /etc/shadow's "last change" field. */
export function shadowDay(now: Date): number {
  return Math.floor(now.getTime() / 86_400_000);
}

function withoutUsers(text: string, usernames: Set<string>): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !usernames.has(line.split(':')[0] ?? ''));
}

/**
 * The host's passwd/shadow/group plus the test accounts (each with a group of its own name), and
 * root's password replaced. The "last change" day is set to `now`: 0 would make sshd (UsePAM no)
 * demand a password change before any login.
 */
export function buildAccountFiles(host: AccountFiles, accounts: TestAccount[], rootPasswordHash: string, now: Date): AccountFiles {
  const names = new Set(accounts.map((a) => a.username));
  const day = shadowDay(now);
  const shadowLine = (name: string, hash: string) => `${name}:${hash}:${day}:0:99999:7:::`;

  const passwd = [
    ...withoutUsers(host.passwd, names),
    ...accounts.map((a) => `${a.username}:x:${a.uid}:${a.uid}:Fulcrum SSH test:${a.home}:/bin/sh`),
  ];
  const hostShadow = withoutUsers(host.shadow, names).filter((line) => !line.startsWith('root:'));
  const shadow = [shadowLine('root', rootPasswordHash), ...hostShadow, ...accounts.map((a) => shadowLine(a.username, a.passwordHash))];
  const group = [...withoutUsers(host.group, names), ...accounts.map((a) => `${a.username}:x:${a.uid}:`)];
  return { passwd: `${passwd.join('\n')}\n`, shadow: `${shadow.join('\n')}\n`, group: `${group.join('\n')}\n` };
}

/** The sudoers.d drop-in: `username` may run anything as anyone without a password. */
export function buildSudoersDropIn(username: string): string {
  return `# Fulcrum SSH test host: passwordless sudo for the installer tests\n${username} ALL=(ALL) NOPASSWD: ALL\n`;
}

/** Options for buildSshdConfig. */
export interface SshdConfigOptions {
  port: number;
  listenAddress: string;
  hostKeyPath: string;
  pidFilePath: string;
  /** Folder holding one `<user>.keys` file per user. */
  authorizedKeysDir: string;
}

/** An sshd_config that allows root, passwords and keys, and reads nothing from the host's /etc/ssh. */
export function buildSshdConfig(options: SshdConfigOptions): string {
  return [
    `Port ${options.port}`,
    `ListenAddress ${options.listenAddress}`,
    `HostKey ${options.hostKeyPath}`,
    `PidFile ${options.pidFilePath}`,
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Without PAM sshd checks passwords against /etc/shadow itself: the generated one in the private /etc.
    'UsePAM no',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${options.authorizedKeysDir}/%u.keys`,
    // The key files are root's, in a scratch folder; StrictModes would refuse them for other users.
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/** `SHA256:…` from one line of `ssh-keygen -l` output (`256 SHA256:… comment (ED25519)`). */
export function parseKeygenFingerprint(output: string): string {
  const fingerprint = output.trim().split(/\s+/)[1];
  if (fingerprint === undefined || !fingerprint.startsWith('SHA256:')) {
    throw new Error(`unexpected ssh-keygen -l output: ${output.trim()}`);
  }
  return fingerprint;
}
