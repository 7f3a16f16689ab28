/**
 * Why a drained server may still get a new connection now and then: IPVS hands a connection whose
 * client port is still in its table to the same real server. Fulcrum can compile
 * net.ipv4.vs.conn_reuse_mode=3 for the cluster ("prevent port-reuse leaks"), which reschedules
 * those too.
 */
export function PortReuseNote({ isPreventing }: { isPreventing: boolean | null }) {
  return (
    <details className="rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 text-[11px] text-zinc-600" data-testid="port-reuse-note">
      <summary className="cursor-pointer font-medium text-zinc-700">
        Why a few new connections may still arrive (conn_reuse_mode)
        {isPreventing === null ? null : isPreventing ? <span className="ml-1 font-normal text-emerald-700">— prevented in this cluster</span> : <span className="ml-1 font-normal text-amber-700">— not prevented in this cluster</span>}
      </summary>
      <p className="mt-1.5 leading-relaxed">
        When a client reuses a source port that the director still tracks (a FIN_WAIT entry in DR/TUN, TIME_WAIT in NAT), IPVS may send the new connection to the same real server, weight 0 or not. With{' '}
        <code className="font-mono">net.ipv4.vs.conn_reuse_mode=1</code> (the kernel default) only NAT entries are rescheduled; <code className="font-mono">3</code> also reschedules DR/TUN ones. The cluster setting “Prevent port-reuse leaks” makes the agents set <code className="font-mono">3</code> on every director.{' '}
        <a className="text-sky-700 underline" href="https://docs.kernel.org/networking/ipvs-sysctl.html" target="_blank" rel="noreferrer">
          Kernel documentation
        </a>
        . Persistence templates also send returning clients back until they expire — tick “Expire persistence templates” to stop that.
      </p>
    </details>
  );
}
