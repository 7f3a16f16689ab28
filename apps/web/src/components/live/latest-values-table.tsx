import { formatEndpoint } from '@fulcrum/lvs/estate/virtual-service';
import { formatBytesPerSecond, formatRate } from '@/lib/live/format-live';
import type { LiveService } from '@/lib/live/live-types';
import { describeSplit } from '@/lib/live/split-shares';
import { SplitBars } from './split-bars';

type Props = { service: LiveService | null; colorOf: (realServerId: string) => string; serviceKey: string };

/**
 * The numbers behind the graph at the latest frame: per real server and the VIP total, with the
 * observed vs configured split. Tests and screen readers read these, never the canvas.
 */
export function LatestValuesTable({ service, colorOf, serviceKey }: Props) {
  if (!service) {
    return (
      <p className="px-1 py-3 text-xs text-zinc-500" data-testid="live-empty">
        No live counters yet: they appear when the pair’s director agents report.
      </p>
    );
  }
  const split = describeSplit(service.realServers.map((rs) => ({ realServerId: rs.realServerId, label: rs.address, observedShare: rs.observedShare, configuredShare: rs.configuredShare })));
  const estimate = service.countsAreEstimates ? <sup title="Director's estimate (DR/TUN)">*</sup> : null;
  return (
    <div className="flex flex-col gap-1">
      <table className="w-full text-left text-[12px]" aria-label={`Latest live values of ${serviceKey}`} data-testid="live-values">
        <thead className="text-[10px] tracking-wide text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="py-1 pr-2 font-medium">Real server</th>
            <th scope="col" className="px-2 py-1 text-right font-medium">Active{estimate}</th>
            <th scope="col" className="px-2 py-1 text-right font-medium">InAct{estimate}</th>
            <th scope="col" className="px-2 py-1 text-right font-medium">conns/s</th>
            <th scope="col" className="px-2 py-1 text-right font-medium">bytes/s</th>
            <th scope="col" className="py-1 pl-2 font-medium" title="Share of new connections in the last minute / share of the weights">Observed / weight</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 font-mono tabular-nums">
          {service.realServers.map((rs, index) => {
            const endpoint = formatEndpoint(rs.address, rs.port);
            return (
              <tr key={rs.realServerId} data-testid="live-rs-row" data-endpoint={endpoint} data-real-server-id={rs.realServerId}>
                <td className="py-1 pr-2 whitespace-nowrap">
                  <span aria-hidden className="mr-1.5 inline-block size-2 rounded-full align-middle" style={{ background: colorOf(rs.realServerId) }} />
                  {endpoint}
                </td>
                <td className="px-2 py-1 text-right" data-testid="live-active">{rs.activeConn}</td>
                <td className="px-2 py-1 text-right" data-testid="live-inact">{rs.inactConn}</td>
                <td className="px-2 py-1 text-right" data-testid="live-cps">{formatRate(rs.connsPerSec)}</td>
                <td className="px-2 py-1 text-right" data-testid="live-bytes">{formatBytesPerSecond(rs.bytesInPerSec + rs.bytesOutPerSec)}</td>
                <td className="py-1 pl-2">
                  <SplitBars row={split[index]!} color={colorOf(rs.realServerId)} />
                </td>
              </tr>
            );
          })}
          <tr data-testid="live-total-row" className="border-t border-zinc-200 font-semibold">
            <td className="py-1 pr-2 font-sans text-zinc-600">VIP total</td>
            <td className="px-2 py-1 text-right" data-testid="live-active">{service.activeConn}</td>
            <td className="px-2 py-1 text-right" data-testid="live-inact">{service.inactConn}</td>
            <td className="px-2 py-1 text-right" data-testid="live-cps">{formatRate(service.connsPerSec)}</td>
            <td className="px-2 py-1 text-right" data-testid="live-bytes">{formatBytesPerSecond(service.bytesInPerSec + service.bytesOutPerSec)}</td>
            <td />
          </tr>
        </tbody>
      </table>
      {service.countsAreEstimates ? (
        <p className="text-[11px] text-zinc-500">
          * Director’s estimate (DR/TUN): the director never sees the real server’s replies, so it counts a connection active until its own timeout, and InActConn holds FIN_WAIT entries that linger for the tcpfin timeout (120 s by default).
        </p>
      ) : null}
    </div>
  );
}
