import { z } from 'zod';

// The server's user schemas live in @fulcrum/core/users/user-mutations next to code that hashes
// passwords and talks to Postgres, which must not reach the browser bundle. These mirror their rules
// for instant feedback; the server validates again and its field errors are shown the same way.

export const USER_ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;

const Username = z
  .string({ error: 'Username is required' })
  .trim()
  .min(2, 'Username must be at least 2 characters')
  .max(32, 'Username must be at most 32 characters')
  .regex(/^[a-z][a-z0-9._-]*$/, 'Username may contain lower-case letters, digits, ".", "_" and "-", starting with a letter');

const DisplayName = z.string().trim().max(80, 'Display name must be at most 80 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'Display name must not contain control characters');

const Role = z.enum(USER_ROLES, { error: () => 'Role must be VIEWER, OPERATOR or ADMIN' });

export const CreateUserForm = z.object({
  username: Username,
  displayName: DisplayName,
  role: Role,
  password: z.string().min(12, 'Password must be at least 12 characters').max(200, 'Password must be at most 200 characters'),
});

export const UpdateUserForm = z.object({ id: z.uuid(), version: z.number().int().min(1), displayName: DisplayName, role: Role, disabled: z.boolean() });
