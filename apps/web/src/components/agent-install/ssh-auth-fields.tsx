'use client';

import { useState, type ChangeEvent } from 'react';
import { TextAreaField, TextField } from '@/components/ui/field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import type { FieldErrors } from '@/lib/forms/field-errors';
import { MAX_KEY_FILE_BYTES, type AgentOperationFormValues, type AuthMethod } from './agent-operation-form';

const AUTH_OPTIONS = [
  { value: 'key', label: 'Private key', title: 'An OpenSSH or PEM private key authorized for the user' },
  { value: 'password', label: 'Password', title: "The user's login password (sshd must allow PasswordAuthentication)" },
] as const;

type Props = {
  values: Pick<AgentOperationFormValues, 'authMethod' | 'privateKey' | 'passphrase' | 'password' | 'username'>;
  errors: FieldErrors;
  onChange: (field: 'authMethod' | 'privateKey' | 'passphrase' | 'password', value: string) => void;
};

/**
 * How to log in over SSH: a private key (pasted, or read from a file in the browser: the file is
 * never uploaded as such) with an optional passphrase, or a password.
 */
export function SshAuthFields({ values, errors, onChange }: Props) {
  const [fileError, setFileError] = useState<string | null>(null);

  async function onKeyFile(event: ChangeEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    // Forget the choice at once: the input would otherwise keep the file for the page's lifetime.
    input.value = '';
    if (!file) return;
    if (file.size > MAX_KEY_FILE_BYTES) {
      setFileError(`${file.name} is ${Math.ceil(file.size / 1024)} KB: a private key is at most ${MAX_KEY_FILE_BYTES / 1024} KB (did you pick the right file?)`);
      return;
    }
    setFileError(null);
    onChange('privateKey', await file.text());
  }

  const user = values.username.trim() || 'the user';
  return (
    <div className="flex flex-col gap-3">
      <SegmentedControl label="Authentication" value={values.authMethod} onChange={(v: AuthMethod) => onChange('authMethod', v)} options={AUTH_OPTIONS} testId="auth-method" />
      {values.authMethod === 'key' ? (
        <>
          <TextAreaField
            label="Paste the private key"
            value={values.privateKey}
            onChange={(v) => {
              setFileError(null);
              onChange('privateKey', v);
            }}
            errors={fileError ? [fileError] : errors.privateKey}
            mono
            rows={4}
            className="[&_textarea]:text-[11px] [&_textarea]:leading-snug"
            placeholder={'-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----'}
            autoComplete="off"
          />
          <div className="grid grid-cols-[auto_minmax(0,1fr)] items-end gap-3">
            <label className="inline-flex h-8 cursor-pointer items-center rounded-md border border-zinc-300 bg-white px-3 text-sm font-medium text-zinc-800 hover:bg-zinc-50 has-focus-visible:outline-2 has-focus-visible:outline-sky-600">
              <input type="file" className="sr-only" onChange={(e) => void onKeyFile(e)} data-testid="private-key-file" aria-label="Read the private key from a file" />
              Read from a file…
            </label>
            <TextField label="Passphrase (if the key has one)" type="password" value={values.passphrase} onChange={(v) => onChange('passphrase', v)} errors={errors.passphrase} autoComplete="off" />
          </div>
        </>
      ) : (
        <TextField label={`Password of ${user}`} type="password" value={values.password} onChange={(v) => onChange('password', v)} errors={errors.password} autoComplete="off" />
      )}
      <p className="text-[11px] text-zinc-500" data-testid="credentials-note">
        Used for this operation only; never stored or logged.
      </p>
    </div>
  );
}
