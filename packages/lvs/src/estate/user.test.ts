import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { BAD_STRINGS } from '../commands/bad-input-corpus';
import { ChangePasswordInput, CreateUserInput, DisplayName, NewPassword, Username } from './user';

const firstMessage = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error?.issues[0]?.message;

describe('user inputs', () => {
  it('accepts plain login names and refuses everything else with a clear message', () => {
    for (const ok of ['admin', 'ops.alice', 'bob_2', 'c-d']) expect(Username.parse(ok)).toBe(ok);
    expect(firstMessage(Username, 'a')).toBe('Username must be at least 2 characters');
    expect(firstMessage(Username, 'x'.repeat(33))).toBe('Username must be at most 32 characters');
    expect(firstMessage(Username, 'Alice')).toMatch(/lower-case letters, digits/);
    expect(firstMessage(Username, '1admin')).toMatch(/starting with a letter/);
    for (const bad of BAD_STRINGS) expect(Username.safeParse(bad).success, JSON.stringify(bad).slice(0, 30)).toBe(false);
  });

  it('bounds passwords and display names', () => {
    expect(firstMessage(NewPassword, 'short')).toBe('Password must be at least 12 characters');
    expect(firstMessage(NewPassword, 'p'.repeat(201))).toBe('Password must be at most 200 characters');
    expect(NewPassword.parse('$(touch /tmp/x) ok')).toBe('$(touch /tmp/x) ok'); // a password is never interpreted
    expect(DisplayName.parse('  Alice Ops  ')).toBe('Alice Ops');
    expect(firstMessage(DisplayName, 'a\nb')).toBe('Display name must not contain control characters');
    expect(firstMessage(DisplayName, 'x'.repeat(81))).toBe('Display name must be at most 80 characters');
  });

  it('names the field in create and change-password inputs', () => {
    const created = CreateUserInput.safeParse({ username: 'ok-user', role: 'ROOT', password: 'long enough password' });
    expect(z.flattenError(created.error!).fieldErrors).toEqual({ role: ['Role must be VIEWER, OPERATOR or ADMIN'] });
    const change = ChangePasswordInput.safeParse({ currentPassword: '', newPassword: 'tiny' });
    expect(z.flattenError(change.error!).fieldErrors).toEqual({ currentPassword: ['Enter your current password'], newPassword: ['Password must be at least 12 characters'] });
  });
});
