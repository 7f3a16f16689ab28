'use client';

import { useCallback, useState } from 'react';
import type { z } from 'zod';
import { useToast } from '@/components/ui/toast';
import { describeError } from '@/lib/trpc/describe-error';
import { fieldErrorsFromZod, type FieldErrors } from './field-errors';

type Options<TSchema extends z.ZodType, TResult> = {
  /** The same zod schema the server validates with (from @fulcrum/lvs/estate/*). */
  schema: TSchema;
  mutateAsync: (input: z.output<TSchema>) => Promise<TResult>;
  onSuccess?: (result: TResult) => void;
  successMessage?: string | ((result: TResult) => string);
  /** Fields the form shows; errors for any other key are shown at the top of the form. */
  fields?: readonly string[];
};

/**
 * Validates a form's input with the shared schema before sending, then sends it; field errors from
 * either side land under their fields, anything else becomes an error toast. Nothing is applied
 * optimistically: callers refresh from the server's committed state in onSuccess.
 */
export function useFormMutation<TSchema extends z.ZodType, TResult>({ schema, mutateAsync, onSuccess, successMessage, fields }: Options<TSchema, TResult>) {
  const toast = useToast();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [isPending, setPending] = useState(false);

  const place = useCallback(
    (errors: FieldErrors): FieldErrors => {
      if (!fields) return errors;
      const placed: FieldErrors = {};
      for (const [key, messages] of Object.entries(errors)) {
        const target = fields.includes(key) ? key : '_form';
        placed[target] = [...(placed[target] ?? []), ...messages];
      }
      return placed;
    },
    [fields],
  );

  const submit = useCallback(
    async (raw: unknown): Promise<boolean> => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        setFieldErrors(place(fieldErrorsFromZod(parsed.error)));
        return false;
      }
      setFieldErrors({});
      setPending(true);
      try {
        const result = await mutateAsync(parsed.data);
        if (successMessage) toast.success(typeof successMessage === 'function' ? successMessage(result) : successMessage);
        onSuccess?.(result);
        return true;
      } catch (error) {
        const described = describeError(error);
        if (described.fieldErrors) setFieldErrors(place(described.fieldErrors));
        else if (described.code !== 'UNAUTHORIZED') toast.error(described.message);
        return false;
      } finally {
        setPending(false);
      }
    },
    [schema, mutateAsync, onSuccess, successMessage, toast, place],
  );

  const clearError = useCallback((field: string) => {
    setFieldErrors((current) => {
      if (!(field in current)) return current;
      const { [field]: _removed, ...rest } = current;
      return rest;
    });
  }, []);

  return { submit, fieldErrors, isPending, clearError, setFieldErrors };
}
