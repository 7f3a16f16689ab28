import { describe, expect, it } from 'vitest';
import { formatRelativeTime, formatTimestamp } from './relative-time';

describe('formatRelativeTime', () => {
  const now = new Date(2026, 4, 10, 12, 0, 0);
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('reads naturally across ranges', () => {
    expect(formatRelativeTime(ago(2_000), now)).toBe('just now');
    expect(formatRelativeTime(ago(42_000), now)).toBe('42 s ago');
    expect(formatRelativeTime(ago(5 * 60_000), now)).toBe('5 min ago');
    expect(formatRelativeTime(ago(3 * 3_600_000), now)).toBe('3 h ago');
    expect(formatRelativeTime(ago(3 * 86_400_000), now)).toBe('3 d ago');
  });

  it('falls back to a timestamp far back or in the future (clock skew)', () => {
    expect(formatRelativeTime(ago(30 * 86_400_000), now)).toBe(formatTimestamp(ago(30 * 86_400_000)));
    expect(formatRelativeTime(new Date(now.getTime() + 60_000), now)).toBe('2026-05-10 12:01:00');
  });
});
