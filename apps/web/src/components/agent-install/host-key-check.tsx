'use client';

import { useEffect, useRef } from 'react';
import { Button } from '@/components/ui/button';
import type { RouterOutputs } from '@/lib/trpc/types';

export type HostKeyScan = RouterOutputs['agentInstall']['scanHostKey'];

type Props = {
  /** host:port as typed, for the button and the messages. */
  where: string;
  scan: HostKeyScan | null;
  isChecking: boolean;
  isConfirmed: boolean;
  onConfirmedChange: (isConfirmed: boolean) => void;
  onCheck: () => void;
  /** Asks to forget the trusted key (the dialog confirms, forgets, and scans again). */
  onForget: () => void;
  /** Why the check or the confirmation failed (unreachable host, fingerprint refused by the server). */
  errors: string[] | undefined;
};

/**
 * Step 1 of every operation: the key the host presents, before any login. A key seen for the first
 * time must be compared with the host's own by the admin; a trusted key is simply shown; a key that
 * differs from the trusted one stops everything until the old key is forgotten on purpose.
 */
export function HostKeyCheck({ where, scan, isChecking, isConfirmed, onConfirmedChange, onCheck, onForget, errors }: Props) {
  const resultRef = useRef<HTMLDivElement>(null);
  // The verdict decides what comes next: bring it into view in a dialog that may scroll.
  useEffect(() => {
    if (scan) resultRef.current?.scrollIntoView({ block: 'nearest' });
  }, [scan]);
  return (
    <fieldset className="flex flex-col gap-2 rounded-md border border-zinc-200 p-3" data-testid="host-key-check">
      <legend className="px-1 text-xs font-semibold text-zinc-600">Host key</legend>
      <div className="flex items-center justify-between gap-3">
        <p className="text-xs text-zinc-600">
          {scan ? (
            <>
              <span className="font-mono">{where}</span> presents:
            </>
          ) : (
            <>
              First, read the SSH host key of <span className="font-mono">{where || 'the host'}</span> (no login yet).
            </>
          )}
        </p>
        <Button size="sm" onClick={onCheck} disabled={isChecking}>
          {isChecking ? 'Checking…' : scan ? 'Check again' : 'Check host key'}
        </Button>
      </div>
      <div ref={resultRef} aria-live="polite" className="flex flex-col gap-2">
        {scan ? (
          <p className="rounded border border-zinc-200 bg-zinc-50 px-2 py-1.5 font-mono text-xs break-all" data-testid="host-key">
            <span className="text-zinc-500">{scan.algorithm}</span> <span data-testid="host-key-fingerprint">{scan.fingerprint}</span>
          </p>
        ) : null}
        {scan?.trust === 'TRUSTED' ? (
          <p className="flex items-center gap-1.5 text-xs text-emerald-800" data-testid="host-key-trust" data-trust="TRUSTED">
            <span aria-hidden className="font-semibold">✓</span> Trusted: the same key Fulcrum recorded at an earlier connection to this host.
          </p>
        ) : null}
        {scan?.trust === 'NEW' ? (
          <div className="flex flex-col gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950" data-testid="host-key-trust" data-trust="NEW">
            <p>Fulcrum has not connected to this host before. Make sure this is the host’s key before you log in to it.</p>
            <label className="flex items-start gap-2 font-medium">
              <input type="checkbox" checked={isConfirmed} onChange={(e) => onConfirmedChange(e.target.checked)} className="mt-0.5" data-testid="host-key-confirm" />
              <span>
                I compared this fingerprint with the host’s (<code className="font-mono font-normal">ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub</code>)
              </span>
            </label>
          </div>
        ) : null}
        {scan?.trust === 'CHANGED' ? (
          <div role="alert" className="flex flex-col gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-xs text-red-950" data-testid="host-key-trust" data-trust="CHANGED">
            <p className="font-semibold">The host key changed since Fulcrum trusted it.</p>
            <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 font-mono">
              <dt className="font-sans text-red-800">Trusted</dt>
              <dd className="break-all" data-testid="host-key-trusted-fingerprint">{scan.trustedFingerprint}</dd>
              <dt className="font-sans text-red-800">Presented now</dt>
              <dd className="break-all font-semibold">{scan.fingerprint}</dd>
            </dl>
            <p>
              If the host was reinstalled or its keys regenerated, forget the old key, then compare and confirm the new one. Otherwise someone may be intercepting the connection: do not go on.
            </p>
            <div>
              <Button size="sm" variant="danger" onClick={onForget}>
                Forget the old key
              </Button>
            </div>
          </div>
        ) : null}
        {errors && errors.length > 0 ? (
          <div role="alert" className="text-xs text-red-700" data-testid="host-key-error">
            {errors.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        ) : null}
      </div>
    </fieldset>
  );
}
