import { describe, expect, it } from 'vitest';
import { formatBytesPerSecond, formatDuration, formatRate, formatReadAge, formatTimeLeft } from './format-live';

const now = new Date('2026-01-01T12:00:00Z');
const plus = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('formatDuration / formatTimeLeft', () => {
  it('reads like a countdown', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(58.4)).toBe('58 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });

  it('says how long is left until the deadline, and when it has passed', () => {
    expect(formatTimeLeft(plus(245), now)).toBe('4 min 05 s left');
    expect(formatTimeLeft(plus(0), now)).toBe('deadline passed');
    expect(formatTimeLeft(plus(-30).toISOString(), now)).toBe('deadline passed');
  });
});

describe('formatReadAge', () => {
  it('ages a kernel table reading', () => {
    expect(formatReadAge(plus(-0.4), now)).toBe('read just now');
    expect(formatReadAge(plus(-3), now)).toBe('read 3 s ago');
    expect(formatReadAge(plus(-125).toISOString(), now)).toBe('read 2 min ago');
    expect(formatReadAge(plus(-7300), now)).toBe('read 2 h ago');
  });
});

describe('formatBytesPerSecond / formatRate', () => {
  it('uses decimal units with three significant digits', () => {
    expect(formatBytesPerSecond(812)).toBe('812 B/s');
    expect(formatBytesPerSecond(1250)).toBe('1.25 kB/s');
    expect(formatBytesPerSecond(12_500_000)).toBe('12.5 MB/s');
    expect(formatBytesPerSecond(-1)).toBe('0 B/s');
  });

  it('shows small rates with one decimal', () => {
    expect(formatRate(12)).toBe('12');
    expect(formatRate(0.44)).toBe('0.4');
    expect(formatRate(150.6)).toBe('151');
  });
});
