import { describe, expect, it } from 'vitest';
import { SCHEDULERS } from '@fulcrum/lvs/model/primitives';
import { describePersistence, formatDuration, SCHEDULER_NAMES } from './describe-service';

describe('describePersistence', () => {
  it('states persistence the way operators read ipvsadm', () => {
    expect(describePersistence(0, null)).toBe('no persistence');
    expect(describePersistence(20, null)).toBe('persistent 20 s');
    expect(describePersistence(3600, 24)).toBe('persistent 1 h /24');
  });

  it('picks the shortest exact unit', () => {
    expect(formatDuration(90)).toBe('90 s');
    expect(formatDuration(300)).toBe('5 min');
    expect(formatDuration(7200)).toBe('2 h');
  });
});

describe('SCHEDULER_NAMES', () => {
  it('names every scheduler the model allows', () => {
    for (const s of SCHEDULERS) expect(SCHEDULER_NAMES[s]).toBeTruthy();
  });
});
