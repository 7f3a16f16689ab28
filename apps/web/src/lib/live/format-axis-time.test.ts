import { describe, expect, it } from 'vitest';
import { formatAxisTime } from './format-axis-time';

describe('formatAxisTime', () => {
  const t = new Date(2026, 0, 2, 14, 5, 30).getTime() / 1000;

  it('shows seconds on short spans only', () => {
    expect(formatAxisTime(t, 120)).toBe('14:05:30');
    expect(formatAxisTime(t, 900)).toBe('14:05');
    expect(formatAxisTime(t, 86_400)).toBe('14:05');
  });
});
