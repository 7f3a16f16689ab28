// `npm run lab`                       boot the lab and keep it running until Ctrl-C
// `npm run lab -- --real-servers 5`   same, with five real servers
// `npx tsx packages/lab/src/cli.ts exec <host> -- <argv...>`   run a command in the running lab
import { readFileSync } from 'node:fs';
import { ControlClient } from './control-client';
import { startLab } from './lab';
import { isAlive, labPaths, readLabRecord } from './lab-state';
import { defaultTopology } from './topology';

const CLI = 'npx tsx packages/lab/src/cli.ts';

async function runExec(args: string[]): Promise<number> {
  const separator = args.indexOf('--');
  const host = args[0];
  const argv = separator === -1 ? args.slice(1) : args.slice(separator + 1);
  if (host === undefined || argv.length === 0) {
    process.stderr.write(`usage: ${CLI} exec <host> -- <command> [args...]\n`);
    return 2;
  }
  const id = process.env.FULCRUM_LAB_ID ?? 'default';
  const record = readLabRecord(id);
  if (record === null || !isAlive(record.umlPid)) {
    process.stderr.write(`no running lab "${id}" (start one with: npm run lab)\n`);
    return 2;
  }
  const token = readFileSync(labPaths(id).token, 'utf8').trim();
  const control = await ControlClient.connect({ address: record.guestAddress, port: record.controlPort, token });
  try {
    const result = await control.exec(host, argv, { timeoutMs: Number(process.env.FULCRUM_LAB_EXEC_TIMEOUT_MS ?? 60_000) });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.timedOut) process.stderr.write('(timed out)\n');
    return result.exitCode ?? 1;
  } finally {
    control.close();
  }
}

async function runLab(args: string[]): Promise<void> {
  const countFlag = args.indexOf('--real-servers');
  const realServers = countFlag === -1 ? 3 : Number(args[countFlag + 1]);
  const lab = await startLab(defaultTopology({ realServers }), { log: (line) => process.stdout.write(`${line}\n`) });
  const lines = [
    '',
    `Fulcrum lab is up (boot ${lab.timings.bootSeconds} s). Host tap ${lab.topology.tapName} ${lab.hostAddress}/${lab.topology.hostLink.prefix}; segment ${lab.topology.segment.cidr} via ${lab.topology.hostLink.guestAddress}.`,
    '',
    ...lab.topology.hosts.map((host) => `  ${host.name.padEnd(12)} ${host.role.padEnd(12)} ${host.address}`),
    '',
    `Free addresses for VIPs: ${lab.topology.freeAddresses[0]} ... ${lab.topology.freeAddresses.at(-1)}`,
    `A server on the host listening on ${lab.hostAddress} is reachable from every lab host.`,
    '',
    'Run a command in a host:',
    `  ${CLI} exec director-a -- ipvsadm -Ln`,
    `  ${CLI} exec client -- curl -s http://${lab.addressOf(lab.hostsWithRole('real-server')[0]?.name ?? 'client')}/`,
    `Guest console log: ${lab.consoleLogPath}`,
    'Ctrl-C stops the lab.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  // Signal handlers installed by startLab stop the lab and exit; keep the process alive until then.
  setInterval(() => undefined, 1 << 30);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'exec') process.exit(await runExec(rest));
  else if (command === undefined || command === 'start' || command.startsWith('--')) await runLab(command?.startsWith('--') ? [command, ...rest] : rest);
  else {
    process.stderr.write(`unknown command "${command}"; use: ${CLI} [start] [--real-servers N] | exec <host> -- <argv...>\n`);
    process.exit(2);
  }
} catch (error) {
  process.stderr.write(`lab: ${(error as Error).message}\n`);
  process.exit(1);
}
