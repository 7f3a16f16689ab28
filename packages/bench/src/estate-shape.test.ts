import { describe, expect, it } from 'vitest';
import { renderKeepalivedShape, renderRestoreRules, tableShape } from './estate-shape';

describe('the benchmark table shape', () => {
  it('splits N destinations into services of 50 on one VIP', () => {
    const shape = tableShape(120, '198.18.0.101');
    expect(shape.map((s) => [s.port, s.destinations.length])).toEqual([[1000, 50], [1001, 50], [1002, 20]]);
    expect(shape[0]!.destinations[0]).toEqual({ address: '198.19.0.1', port: 1000 });
    expect(new Set(shape[0]!.destinations.map((d) => d.address)).size).toBe(50);
    expect(tableShape(10_000, '198.18.0.101')).toHaveLength(200);
  });

  it('renders the same table for ipvsadm -R and for keepalived', () => {
    const shape = tableShape(3, '198.18.0.101');
    expect(renderRestoreRules(shape)).toBe(
      ['-A -t 198.18.0.101:1000 -s wrr', '-a -t 198.18.0.101:1000 -r 198.19.0.1:1000 -g -w 1', '-a -t 198.18.0.101:1000 -r 198.19.0.2:1000 -g -w 1', '-a -t 198.18.0.101:1000 -r 198.19.0.3:1000 -g -w 1', ''].join('\n'),
    );
    const conf = renderKeepalivedShape(shape, { service: 0, destination: 1, weight: 7 });
    expect(conf).toContain('virtual_server 198.18.0.101 1000 {');
    expect(conf.match(/real_server /g)).toHaveLength(3);
    expect(conf).toMatch(/real_server 198\.19\.0\.2 1000 \{\n\s+weight 7\n/);
    expect(conf).not.toContain('TCP_CHECK');
  });
});
