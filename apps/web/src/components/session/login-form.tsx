'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { describeError } from '@/lib/trpc/describe-error';
import { useTRPC } from '@/lib/trpc/client';

const LoginInput = z.object({
  username: z.string().trim().min(1, 'Enter your username'),
  password: z.string().min(1, 'Enter your password'),
});

export function LoginForm({ nextPath }: { nextPath: string }) {
  const trpc = useTRPC();
  const login = useMutation(trpc.auth.login.mutationOptions());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    const parsed = LoginInput.safeParse({ username, password });
    if (!parsed.success) {
      setErrors(z.flattenError(parsed.error).fieldErrors);
      return;
    }
    setErrors({});
    try {
      await login.mutateAsync(parsed.data);
      // A full navigation, so every query starts from the new session.
      window.location.assign(nextPath);
    } catch (error) {
      const described = describeError(error);
      setFailure(described.code === 'NETWORK' ? described.message : described.message || 'Wrong username or password.');
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4 rounded-lg border border-zinc-700 bg-white p-6 shadow-xl" aria-label="Log in">
      <h1 className="text-base font-semibold">Log in</h1>
      {failure ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800" data-testid="login-error">
          {failure}
        </p>
      ) : null}
      <TextField label="Username" name="username" value={username} onChange={setUsername} errors={errors.username} autoComplete="username" autoFocus />
      <TextField label="Password" name="password" type="password" value={password} onChange={setPassword} errors={errors.password} autoComplete="current-password" />
      <Button type="submit" variant="primary" disabled={login.isPending} className="mt-1">
        {login.isPending ? 'Logging in…' : 'Log in'}
      </Button>
    </form>
  );
}
