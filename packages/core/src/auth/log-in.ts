import type { Db } from '../db';
import { AppError } from '../errors/app-error';
import { hashPassword, verifyPassword } from './passwords';
import { createSession } from './sessions';

// Compared against when the username is unknown, so both failures take the same time.
let dummyHash: Promise<string> | null = null;

// Per-username failure counter: slows guessing without letting a stranger lock an admin out for long.
const failures = new Map<string, { count: number; until: number }>();
const MAX_FAILURES = 5;
const LOCK_MS = 30_000;

/** Checks a username and password and starts a session; one message for every kind of failure. */
export async function logIn(options: { db: Db; username: string; password: string; userAgent?: string }) {
  const key = options.username.toLowerCase();
  const state = failures.get(key);
  if (state && state.count >= MAX_FAILURES && state.until > Date.now()) {
    throw new AppError('RATE_LIMITED', `Too many failed logins for ${options.username}: wait ${Math.ceil((state.until - Date.now()) / 1000)} s and try again`);
  }
  const user = await options.db.user.findUnique({
    where: { username: options.username },
    select: { id: true, username: true, displayName: true, role: true, passwordHash: true, disabled: true, mustChangePassword: true },
  });
  dummyHash ??= hashPassword('fulcrum-timing-equaliser');
  const ok = await verifyPassword(options.password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok || user.disabled) {
    const next = { count: (state && state.until > Date.now() ? state.count : 0) + 1, until: Date.now() + LOCK_MS };
    failures.set(key, next);
    throw new AppError('UNAUTHORIZED', user?.disabled && ok ? 'This account is disabled: ask an admin' : 'Wrong username or password');
  }
  failures.delete(key);
  const session = await createSession({ db: options.db, userId: user.id, userAgent: options.userAgent });
  const { passwordHash: _hash, disabled: _disabled, ...profile } = user;
  return { user: profile, session };
}
