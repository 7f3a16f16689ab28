import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIpvsadmSave } from '../parse/parse-ipvsadm-save';
import type { KernelCounters } from './ipvs-genl';
import { renderIpvsadmListing } from './render-ipvsadm-listing';

// The SAVE and LIST fixtures captured in the lab (real-kernel-output.test.ts) describe the same table in the same order.
const fixtures = readFileSync(fileURLToPath(new URL('../parse/real-kernel-output.test.ts', import.meta.url)), 'utf8');
const between = (name: string) => /`([^`]*)`/.exec(fixtures.slice(fixtures.indexOf(`const ${name} = `)))![1]!;
const zero: KernelCounters = { conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, connsPerSecond: 0, inPacketsPerSecond: 0, outPacketsPerSecond: 0, inBytesPerSecond: 0, outBytesPerSecond: 0 };

describe('renderIpvsadmListing', () => {
  it('prints exactly what ipvsadm -Ln printed for the same table in the lab (flags, persistence masks, ops, IPv6, fwmark)', () => {
    const table = parseIpvsadmSave(between('SAVE'));
    // the kernel dumps in hash order: reversed here, ipvsadm's sort must restore the printed order
    const kernel = { services: [...table.services].reverse().map(({ destinations, ...spec }) => ({ spec, counters: zero, destinations: [...destinations].reverse().map((destination) => ({ destination, localNode: false, activeConns: 0, inactConns: 0, persistConns: 0, counters: zero })) })) };
    expect(renderIpvsadmListing({ version: '1.2.1', tableSize: 4096 }, kernel as Parameters<typeof renderIpvsadmListing>[1])).toBe(between('LIST'));
  });
});
