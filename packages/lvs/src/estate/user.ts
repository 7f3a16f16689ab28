import { z } from 'zod';
import { Id, Version } from './common';

/** Roles in increasing power. */
export const USER_ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;

/** A login name: lower-case letters, digits, dot, dash, underscore. */
export const Username = z
  .string({ error: 'Username is required' })
  .trim()
  .min(2, 'Username must be at least 2 characters')
  .max(32, 'Username must be at most 32 characters')
  .regex(/^[a-z][a-z0-9._-]*$/, 'Username may contain lower-case letters, digits, ".", "_" and "-", starting with a letter');

/** A new password: long enough to matter, short enough to hash cheaply. */
export const NewPassword = z.string().min(12, 'Password must be at least 12 characters').max(200, 'Password must be at most 200 characters');

/** Role names as the API takes them. */
export const RoleInput = z.enum(USER_ROLES, { error: () => 'Role must be VIEWER, OPERATOR or ADMIN' });

/** How a user is shown: one line, no control characters. */
export const DisplayName = z.string().trim().max(80, 'Display name must be at most 80 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'Display name must not contain control characters').default('');

/** Input to create a user. */
export const CreateUserInput = z.object({ username: Username, displayName: DisplayName, role: RoleInput, password: NewPassword });
export type CreateUserInput = z.infer<typeof CreateUserInput>;
/** Input to change a user's role, name or disabled flag. */
export const UpdateUserInput = z.object({ id: Id, version: Version, displayName: DisplayName, role: RoleInput, disabled: z.boolean() });
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;
/** Input to change one's own password. */
export const ChangePasswordInput = z.object({ currentPassword: z.string().min(1, 'Enter your current password').max(200), newPassword: NewPassword });
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;
