import { diffAuditJson, formatAuditValue, type DiffRow } from './diff-audit-json';

const ROW_CLASS: Record<DiffRow['kind'], string> = {
  added: 'bg-emerald-50/70',
  removed: 'bg-red-50/70',
  changed: 'bg-amber-50/70',
  unchanged: 'text-zinc-400',
};

const MARK: Record<DiffRow['kind'], string> = { added: '+', removed: '−', changed: '~', unchanged: '' };

/** Field-by-field before/after of one audit record; unchanged fields are shown dimmed for context. */
export function AuditDiff({ before, after }: { before: unknown; after: unknown }) {
  const rows = diffAuditJson(before, after);
  if (rows.length === 0) return <p className="text-xs text-zinc-500">No field values were recorded for this change.</p>;
  // A create or a delete has one side only: one value column reads better than an empty one.
  const oneSided = before == null || after == null;
  if (oneSided) {
    const isCreate = before == null;
    return (
      <table className="w-full table-fixed text-left font-mono text-xs" data-testid="audit-diff">
        <thead className="text-[10px] tracking-wide text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="w-6 py-1" aria-label="Change" />
            <th scope="col" className="w-48 py-1 font-medium">Field</th>
            <th scope="col" className="py-1 font-medium">{isCreate ? 'Created with' : 'Value when deleted'}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.path} className={ROW_CLASS[row.kind]} data-kind={row.kind}>
              <td className="py-0.5 pl-1 text-zinc-500" aria-label={row.kind}>
                {MARK[row.kind]}
              </td>
              <td className="truncate py-0.5 pr-2">{row.path}</td>
              <td className={`py-0.5 pr-2 break-all ${isCreate ? 'text-emerald-800' : 'text-red-800'}`}>{formatAuditValue(isCreate ? row.after : row.before)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="w-full table-fixed text-left font-mono text-xs" data-testid="audit-diff">
      <thead className="text-[10px] tracking-wide text-zinc-500 uppercase">
        <tr>
          <th scope="col" className="w-6 py-1" aria-label="Change" />
          <th scope="col" className="w-48 py-1 font-medium">Field</th>
          <th scope="col" className="py-1 font-medium">Before</th>
          <th scope="col" className="py-1 font-medium">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.path} className={ROW_CLASS[row.kind]} data-kind={row.kind}>
            <td className="py-0.5 pl-1 text-zinc-500" aria-label={row.kind}>
              {MARK[row.kind]}
            </td>
            <td className="truncate py-0.5 pr-2">{row.path}</td>
            <td className={`py-0.5 pr-2 break-all ${row.kind === 'changed' || row.kind === 'removed' ? 'text-red-800' : ''}`}>{row.kind === 'added' ? '' : formatAuditValue(row.before)}</td>
            <td className={`py-0.5 pr-2 break-all ${row.kind === 'changed' || row.kind === 'added' ? 'text-emerald-800' : ''}`}>{row.kind === 'removed' ? '' : formatAuditValue(row.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
