import { z } from 'zod';

/** A database id as the API passes it around. */
export const Id = z.uuid({ error: 'Not a valid id' });

/** Optimistic-concurrency version an edit was made against. */
export const Version = z.number({ error: 'Version is required' }).int().min(1);

/** Free text shown to people (descriptions): one paragraph, no control characters. */
export const Description = z
  .string()
  .max(500, 'Description must be at most 500 characters')
  .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), { error: 'Description must not contain control characters' })
  .default('');

/** Identifies one object at one version, for deletes. */
export const ObjectRef = z.object({ id: Id, version: Version });
export type ObjectRef = z.infer<typeof ObjectRef>;
