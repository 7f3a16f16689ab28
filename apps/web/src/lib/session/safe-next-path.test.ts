import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-next-path';

describe('safeNextPath', () => {
  it('keeps same-origin paths with their query', () => {
    expect(safeNextPath('/clusters/abc/audit?cursor=2')).toBe('/clusters/abc/audit?cursor=2');
  });

  it.each([null, undefined, '', 'clusters', '//evil.example/x', '/\\evil.example', 'https://evil.example', '/login', '/login?next=/x', '/\nx'])(
    'refuses %j',
    (next) => {
      expect(safeNextPath(next)).toBe('/');
    },
  );
});
