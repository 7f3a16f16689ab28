import { AppError } from '../errors/app-error';

/** Roles in increasing power: each includes everything the previous one may do. */
export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Who is making a change: recorded in the audit log. */
export type Actor = { userId: string | null; username: string; role: Role };

/** The actor for changes the system makes itself (seed, first start). */
export const SYSTEM_ACTOR: Actor = { userId: null, username: 'system', role: 'ADMIN' };

/** True when `role` is at least `required`. */
export function hasRole(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Throws FORBIDDEN unless the actor holds at least `required`. */
export function assertRole(actor: Actor, required: Role): void {
  if (!hasRole(actor.role, required)) {
    throw new AppError('FORBIDDEN', `This needs the ${required.toLowerCase()} role; you are ${actor.role.toLowerCase()}`);
  }
}
