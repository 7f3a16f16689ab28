import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsFromZod, numberOrText, optionalNumber, optionalText, splitList } from './field-errors';

describe('fieldErrorsFromZod', () => {
  const schema = z.object({ name: z.string().min(1, 'Name is required'), vips: z.array(z.string().min(3, 'Too short')), port: z.number() });

  it('keys issues by top-level field and numbers list items', () => {
    const result = schema.safeParse({ name: '', vips: ['ok!', 'x'], port: 'eighty' });
    expect(result.success).toBe(false);
    if (result.success) return;
    const errors = fieldErrorsFromZod(result.error);
    expect(errors.name).toEqual(['Name is required']);
    expect(errors.vips).toEqual(['Item 2: Too short']);
    expect(errors.port).toHaveLength(1);
  });

  it('puts object-level issues under _form', () => {
    const refined = z.object({ a: z.number() }).refine(() => false, { message: 'Nope' });
    const result = refined.safeParse({ a: 1 });
    if (result.success) throw new Error('expected failure');
    expect(fieldErrorsFromZod(result.error)).toEqual({ _form: ['Nope'] });
  });
});

describe('form text conversion', () => {
  it('turns numeric text into numbers and leaves the rest for the schema to reject', () => {
    expect(numberOrText(' 80 ')).toBe(80);
    expect(numberOrText('8o')).toBe('8o');
    expect(numberOrText('')).toBe('');
    expect(optionalNumber('  ')).toBeNull();
    expect(optionalNumber('20')).toBe(20);
    expect(optionalText('  ')).toBeNull();
    expect(optionalText(' eth0 ')).toBe('eth0');
  });

  it('splits lists on commas, spaces and newlines', () => {
    expect(splitList('192.168.241.11, 192.168.241.12\n2001:db8::1  ')).toEqual(['192.168.241.11', '192.168.241.12', '2001:db8::1']);
    expect(splitList('')).toEqual([]);
  });
});
