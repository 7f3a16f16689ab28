import type { FulcrumApi } from './api-client';
import { CliError, EXIT } from './cli-error';

// A session lasts one CLI run: log in, do the work, log out. The cookie lives only in the
// FulcrumApi object's memory (never written to disk), so there is no token file to protect.

type Me = { id: string; username: string; role: 'VIEWER' | 'OPERATOR' | 'ADMIN'; mustChangePassword: boolean } | null;

/** Logs in and checks the session is usable; throws when the account still holds a one-time password. */
export async function logIn(api: FulcrumApi, username: string, password: string): Promise<NonNullable<Me>> {
  await api.mutate('auth.login', { username, password });
  // Asking again proves the cookie came back and is accepted, before any real work is attempted.
  const me = await api.query<Me>('auth.me');
  if (me === null) throw new CliError(EXIT.FAILED, `Fulcrum at ${api.baseUrl} accepted the login but did not keep the session (no session cookie came back; a proxy in between?)`);
  if (me.mustChangePassword) {
    throw new CliError(EXIT.FAILED, `${me.username} still has a one-time password: log in to the UI at ${api.baseUrl} and change it (user menu → Change password), then run this again with the new one`, { code: 'MUST_CHANGE_PASSWORD' });
  }
  return me;
}

/** Ends the session on the server; best effort, a CLI run should not fail on its way out. */
export async function logOut(api: FulcrumApi): Promise<void> {
  if (api.hasSession) await api.mutate('auth.logout').catch(() => undefined);
}
