import { describe, expect, it } from 'vitest';
import { isLoopback } from './agent-operations';

describe('isLoopback', () => {
  it('knows every spelling of "this host"', () => {
    for (const host of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['198.18.3.1', 'fulcrum.example.net', '::2', '10.127.0.1', 'localhost.example.com']) expect(isLoopback(host), host).toBe(false);
  });
});
