import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as net from 'node:net';
import { isIP } from './node-net-browser';

// The browser shim must agree with Node on every input, or a form would accept what the server refuses.
describe('browser isIP', () => {
  const corpus = [
    '192.168.241.11', '192.168.241.300', '0.0.0.0', '255.255.255.255', '01.2.3.4', '1.2.3', '1.2.3.4.5',
    ' 1.2.3.4', '1.2.3.4 ', '', '::', '::1', '2001:db8::10', '2001:db8::10%eth0', 'fe80::1%25', '1::2::3',
    '::ffff:192.168.1.1', '2001:0db8:0000:0000:0000:ff00:0042:8329', '12345::', 'g::1', '$(id)', '1.2.3.4/24',
  ];
  it.each(corpus)('agrees with node:net on %j', (s) => {
    expect(isIP(s)).toBe(net.isIP(s));
  });

  it('agrees on generated IPv4 and IPv6 addresses and near-misses', () => {
    const text = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.%'), maxLength: 45 }));
    fc.assert(fc.property(text, (s) => isIP(s) === net.isIP(s)), { numRuns: 3000 });
  });
});
