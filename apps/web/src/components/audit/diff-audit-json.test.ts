import { describe, expect, it } from 'vitest';
import { diffAuditJson, formatAuditValue } from './diff-audit-json';

describe('diffAuditJson', () => {
  it('marks a weight change and leaves the rest unchanged', () => {
    const rows = diffAuditJson({ address: '192.168.241.15', weight: 1 }, { address: '192.168.241.15', weight: 3 });
    expect(rows).toEqual([
      { path: 'address', kind: 'unchanged', before: '192.168.241.15', after: '192.168.241.15' },
      { path: 'weight', kind: 'changed', before: 1, after: 3 },
    ]);
  });

  it('treats a create as all added and a delete as all removed', () => {
    expect(diffAuditJson(null, { name: 'edge', vips: ['192.168.241.11'] }).map((r) => r.kind)).toEqual(['added', 'added']);
    expect(diffAuditJson({ name: 'edge' }, undefined)).toEqual([{ path: 'name', kind: 'removed', before: 'edge' }]);
  });

  it('flattens nested objects into dot paths and compares arrays whole', () => {
    const rows = diffAuditJson({ peer: { ip: '10.0.0.1' }, vips: ['a', 'b'] }, { peer: { ip: '10.0.0.2' }, vips: ['a', 'b'], extra: true });
    expect(rows).toEqual([
      { path: 'peer.ip', kind: 'changed', before: '10.0.0.1', after: '10.0.0.2' },
      { path: 'vips', kind: 'unchanged', before: ['a', 'b'], after: ['a', 'b'] },
      { path: 'extra', kind: 'added', after: true },
    ]);
  });

  it('handles records without before and after at all', () => {
    expect(diffAuditJson(null, null)).toEqual([]);
  });

  it('notices a null that became a value', () => {
    expect(diffAuditJson({ nodeId: null }, { nodeId: 'n1' })).toEqual([{ path: 'nodeId', kind: 'changed', before: null, after: 'n1' }]);
  });
});

describe('formatAuditValue', () => {
  it('prints values the way an operator reads them', () => {
    expect(formatAuditValue(null)).toBe('—');
    expect(formatAuditValue('')).toBe('""');
    expect(formatAuditValue(['192.168.241.11', '192.168.241.12'])).toBe('192.168.241.11, 192.168.241.12');
    expect(formatAuditValue([])).toBe('[]');
    expect(formatAuditValue(20)).toBe('20');
    expect(formatAuditValue({ a: 1 })).toBe('{"a":1}');
  });
});
