import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error';

describe('describeError', () => {
  it('reads the app code and field errors the server formats', () => {
    const error = { message: 'Invalid input', data: { appCode: 'VALIDATION', code: 'BAD_REQUEST', fieldErrors: { address: ['Not a valid IP address'] } } };
    expect(describeError(error)).toEqual({ code: 'VALIDATION', message: 'Invalid input', fieldErrors: { address: ['Not a valid IP address'] } });
  });

  it('falls back to the tRPC code when no app code is present', () => {
    expect(describeError({ message: 'no', data: { code: 'FORBIDDEN' } }).code).toBe('FORBIDDEN');
    expect(describeError({ message: 'no', data: { code: 'WHATEVER' } }).code).toBe('INTERNAL');
  });

  it('treats empty or malformed field errors as none', () => {
    expect(describeError({ message: 'x', data: { appCode: 'VALIDATION', fieldErrors: {} } }).fieldErrors).toBeNull();
    expect(describeError({ message: 'x', data: { appCode: 'VALIDATION', fieldErrors: { a: 'not an array' } } }).fieldErrors).toBeNull();
  });

  it('recognises a request that never reached the server', () => {
    expect(describeError({ message: 'Failed to fetch', data: undefined })).toEqual({ code: 'NETWORK', message: 'Cannot reach the Fulcrum server.', fieldErrors: null });
  });

  it('survives non-objects', () => {
    expect(describeError('boom').code).toBe('INTERNAL');
    expect(describeError(null).message).toMatch(/went wrong/);
  });
});
