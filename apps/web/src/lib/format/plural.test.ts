import { describe, expect, it } from 'vitest';
import { plural } from './plural';

describe('plural', () => {
  it('uses the singular only for exactly one', () => {
    expect(plural(1, 'service')).toBe('1 service');
    expect(plural(0, 'HA pair')).toBe('0 HA pairs');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });
});
