import { describe, expect, it } from 'vitest';
import { canAdminister, canOperate, hasRole } from './roles';

describe('roles', () => {
  it('orders viewer < operator < admin', () => {
    expect(canOperate('VIEWER')).toBe(false);
    expect(canOperate('OPERATOR')).toBe(true);
    expect(canOperate('ADMIN')).toBe(true);
    expect(canAdminister('OPERATOR')).toBe(false);
    expect(canAdminister('ADMIN')).toBe(true);
  });

  it('gives a missing session nothing', () => {
    expect(hasRole(null, 'VIEWER')).toBe(false);
    expect(hasRole(undefined, 'VIEWER')).toBe(false);
  });
});
