'use client';

import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

type FieldShellProps = {
  label: string;
  hint?: ReactNode;
  errors?: string[] | undefined;
  children: (ids: { inputId: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  className?: string;
};

/** Label, control, hint and the field's error messages, wired together with ids for screen readers. */
export function FieldShell({ label, hint, errors, children, className = '' }: FieldShellProps) {
  const inputId = useId();
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const invalid = (errors?.length ?? 0) > 0;
  const describedBy = [hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`flex min-w-0 flex-col gap-1 ${className}`}>
      <label htmlFor={inputId} className="text-xs font-medium text-zinc-700">
        {label}
      </label>
      {children({ inputId, describedBy, invalid })}
      {hint && !invalid ? (
        <p id={hintId} className="text-[11px] text-zinc-500">
          {hint}
        </p>
      ) : null}
      {invalid ? (
        <div id={errorId} className="text-xs text-red-700" data-testid="field-error">
          {errors!.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const CONTROL =
  'h-8 w-full min-w-0 rounded-md border bg-white px-2 text-sm text-zinc-900 placeholder:text-zinc-400 focus:border-sky-600 focus:ring-1 focus:ring-sky-600 focus:outline-none disabled:bg-zinc-100';

function controlClass(invalid: boolean, mono: boolean | undefined) {
  return `${CONTROL} ${invalid ? 'border-red-500' : 'border-zinc-300'} ${mono ? 'font-mono' : ''}`;
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: string[] | undefined;
  hint?: ReactNode;
  mono?: boolean;
};

export function TextField({ label, value, onChange, errors, hint, mono, className, ...rest }: TextFieldProps) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} className={className}>
      {({ inputId, describedBy, invalid }) => (
        <input
          id={inputId}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          className={controlClass(invalid, mono)}
          autoComplete="off"
          spellCheck={false}
          {...rest}
        />
      )}
    </FieldShell>
  );
}

type TextAreaFieldProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: string[] | undefined;
  hint?: ReactNode;
  mono?: boolean;
};

export function TextAreaField({ label, value, onChange, errors, hint, mono, className, ...rest }: TextAreaFieldProps) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} className={className}>
      {({ inputId, describedBy, invalid }) => (
        <textarea
          id={inputId}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          className={`${controlClass(invalid, mono)} h-auto min-h-16 py-1.5`}
          spellCheck={false}
          {...rest}
        />
      )}
    </FieldShell>
  );
}

type SelectFieldProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: ReadonlyArray<{ value: string; label: string }>;
  errors?: string[] | undefined;
  hint?: ReactNode;
  mono?: boolean;
};

export function SelectField({ label, value, onChange, options, errors, hint, mono, className, ...rest }: SelectFieldProps) {
  return (
    <FieldShell label={label} errors={errors} hint={hint} className={className}>
      {({ inputId, describedBy, invalid }) => (
        <select
          id={inputId}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          className={controlClass(invalid, mono)}
          {...rest}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

/** Errors that belong to no single field (cross-field rules, `_form`). */
export function FormErrors({ errors }: { errors?: string[] | undefined }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div role="alert" className="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800">
      {errors.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}
