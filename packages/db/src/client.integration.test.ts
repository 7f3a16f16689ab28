import { afterAll, describe, expect, it, vi } from 'vitest';
import { disconnectPrisma, getPrisma, readDatabaseUrl } from './client';

afterAll(() => disconnectPrisma());

describe('getPrisma', () => {
  it('returns one client per process, even across separate module instances', async () => {
    const first = getPrisma();
    vi.resetModules(); // what a Next route bundle beside the custom server amounts to
    const again = (await import('./client')) as typeof import('./client');
    expect(again.getPrisma).not.toBe(getPrisma);
    expect(again.getPrisma()).toBe(first);
    expect(await first.$queryRaw<Array<{ ok: number }>>`SELECT 1::int AS ok`).toEqual([{ ok: 1 }]);
  });

  it('explains a missing or malformed DATABASE_URL', () => {
    expect(() => readDatabaseUrl({})).toThrow(/DATABASE_URL is not set/);
    expect(() => readDatabaseUrl({ DATABASE_URL: 'mysql://x' })).toThrow(/must start with postgresql:\/\//);
  });
});
