import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { liveOwnerOf } from './lab-state';

describe('liveOwnerOf', () => {
  it('names the live parent that started a process', async () => {
    const child = spawn('/bin/sleep', ['5']);
    try {
      expect(liveOwnerOf(child.pid!)).toBe(process.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });
  it('gives null for a process that does not exist', () => {
    expect(liveOwnerOf(2 ** 22 + 12345)).toBeNull();
  });
});
