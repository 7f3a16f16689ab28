/** Why an install, upgrade or removal stopped: each code has one message a person can act on. */
export type InstallErrorCode =
  | 'UNREACHABLE'
  | 'AUTH_REFUSED'
  | 'KEY_UNREADABLE'
  | 'HOST_KEY_UNCONFIRMED'
  | 'HOST_KEY_MISMATCH'
  | 'NOT_LINUX'
  | 'NO_ROOT'
  | 'NO_NODE'
  | 'NODE_TOO_OLD'
  | 'DISK_FULL'
  | 'ALREADY_INSTALLED'
  | 'NOT_INSTALLED'
  | 'COMMAND_FAILED'
  | 'AGENT_NOT_CONNECTED'
  | 'AGENT_APPLY_FAILED'
  | 'BUNDLE_MISSING';

/** A coded installer error; `message` is written for the operator (what happened and what to do). */
export class InstallError extends Error {
  constructor(
    readonly code: InstallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}
