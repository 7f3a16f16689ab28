import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderKeepalivedShape, renderRestoreRules, tableShape } from '../estate-shape';
import { REFERENCE_HOST, type LabSession } from '../lab/lab-session';

// The raw tools on the same table, in the `ref` namespace of the same boot (a director with no agent,
// so nothing else touches its IPVS table), timed inside the guest by bench-guest:
//   ipvsadm -R     one batch of the whole table on an emptied table (process start → exit)
//   ipvsadm -e     one weight change (process start → exit; and until /proc/net/ip_vs shows it)
//   keepalived     started with the same table as virtual_servers (spawn → /proc holds all N), and
//                  reloaded (SIGHUP) with one weight changed (signal → /proc shows the weight)
// They run before Fulcrum's runs of the same size, while the directors' tables are empty and their
// agents idle, so the guest's one vCPU is theirs.

/** Raw runs of the references at one size (ms). */
export type ReferenceRuns = {
  restore: number[];
  edit: number[];
  editVisible: number[];
  keepalivedStart: number[];
  keepalivedReload: number[];
  keepalivedStop: number[];
};

/** Runs every reference `repeat` times at size `n`. */
export async function runReferences(session: LabSession, n: number, repeat: number): Promise<ReferenceRuns> {
  const dir = join(session.workDir, `reference-${n}`);
  mkdirSync(dir, { recursive: true });
  const shape = tableShape(n, session.vips.bulk);
  const rules = join(dir, 'rules.ipvsadm');
  writeFileSync(rules, renderRestoreRules(shape));
  // weights 1 (the table as created) and 2..8 (one destination changed) for the reloads
  for (let weight = 1; weight <= 8; weight++) writeFileSync(join(dir, `keepalived-w${weight}.conf`), renderKeepalivedShape(shape, weight === 1 ? undefined : { service: 0, destination: 0, weight }));
  const service = `${shape[0]!.address}:${shape[0]!.port}`;
  const destination = `${shape[0]!.destinations[0]!.address}:${shape[0]!.destinations[0]!.port}`;

  const restore = JSON.parse(await session.guest(REFERENCE_HOST, ['ref-restore', '--rules', rules, '--expect', String(n), '--repeat', String(repeat)])) as { runs: number[] };
  // the table ipvsadm -R left is the one ipvsadm -e edits
  const edit = JSON.parse(await session.guest(REFERENCE_HOST, ['ref-edit', '--service', service, '--destination', destination, '--repeat', String(repeat)])) as { runs: number[]; visible: number[] };
  // keepalived has fixed pid and state-dump paths under /tmp and /run: its own (privateTmp)
  const keepalived = JSON.parse(
    await session.guest(REFERENCE_HOST, ['ref-keepalived', '--dir', dir, '--expect', String(n), '--repeat', String(repeat), '--reloads', String(repeat), '--service', service, '--destination', destination], { privateTmp: true, timeoutMs: 1_800_000 }),
  ) as { starts: number[]; reloads: number[]; stops: number[] };
  return { restore: restore.runs, edit: edit.runs, editVisible: edit.visible, keepalivedStart: keepalived.starts, keepalivedReload: keepalived.reloads, keepalivedStop: keepalived.stops };
}
