import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { HOST_BINARIES, runHostCommand } from './host-command';
import { ensureLabKernel, findLabKernel, LAB_KERNEL_ROOT } from './uml-kernel';

/**
 * Debian packages the lab needs on the host (the guest runs the host's binaries through hostfs).
 * The guest kernel itself is not one of them: see uml-kernel.ts for why and where it comes from.
 */
export const LAB_PACKAGES = [
  'patchelf', // points the lab kernel at its own glibc (uml-kernel.ts)
  'ipvsadm',
  'keepalived',
  'kmod', // modprobe inside the guest
  'iproute2',
  'busybox-static',
  'curl', // HTTP client for the lab's client host
  'util-linux', // unshare (private /tmp per keepalived)
  'procps', // sysctl
] as const;

const PREREQUISITES_COMMAND = 'npx tsx packages/lab/src/prerequisites-cli.ts';

/** One-line reason the lab cannot run on this machine, or null when it can. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `the UML lab needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the UML lab needs root (it creates a tap device and runs User-Mode Linux)';
  if (!existsSync('/dev/net/tun')) return 'the UML lab needs /dev/net/tun (tap devices), which this machine lacks';
  if (findLabKernel() === null) return `the lab's User-Mode Linux kernel is not in ${LAB_KERNEL_ROOT}: run "${PREREQUISITES_COMMAND}" (or npm test) as root`;
  return null;
}

/** The lab kernel's release (the folder name of its modules), or null when it is not installed. */
export function umlRelease(): string | null {
  return findLabKernel()?.release ?? null;
}

async function isPackageInstalled(name: string): Promise<boolean> {
  const result = await runHostCommand(HOST_BINARIES.dpkgQuery, ['-W', '-f', '${Status}', name], { allowFailure: true });
  return result.exitCode === 0 && result.stdout.includes('install ok installed');
}

/**
 * Makes `modprobe` inside the guest find the lab kernel's modules: the guest's root is the host's,
 * and modprobe looks in /lib/modules/<release>. The only host change outside the lab's own files.
 */
export function ensureUmlModulesLink(): void {
  const kernel = findLabKernel();
  if (kernel === null) throw new Error(labUnavailableReason() ?? `no lab kernel in ${LAB_KERNEL_ROOT}`);
  const link = `/lib/modules/${kernel.release}`;
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = null;
  }
  if (stat === null) {
    mkdirSync('/lib/modules', { recursive: true });
    symlinkSync(kernel.modulesDir, link);
    return;
  }
  if (stat.isSymbolicLink()) {
    if (readlinkSync(link) === kernel.modulesDir) return;
    // A link of ours from an earlier layout (e.g. to Debian 12's /usr/lib/uml/modules): repoint it.
    unlinkSync(link);
    symlinkSync(kernel.modulesDir, link);
    return;
  }
  // A real directory there (e.g. a host kernel of the same release) is left alone: it is not ours.
  if (!existsSync(`${link}/kernel/net/netfilter/ipvs/ip_vs.ko`)) {
    throw new Error(`${link} exists but holds no UML IPVS modules; remove it or point it at ${kernel.modulesDir}`);
  }
}

/** Installs missing Debian packages (apt-get, non-interactive, only if something is missing) and links the UML modules. */
export async function ensureLabPrerequisites(options: { log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (process.platform !== 'linux') throw new Error(labUnavailableReason() ?? 'not Linux');
  if (process.getuid?.() !== 0) throw new Error(labUnavailableReason() ?? 'not root');
  const missing: string[] = [];
  for (const name of LAB_PACKAGES) {
    if (!(await isPackageInstalled(name))) missing.push(name);
  }
  if (missing.length > 0) {
    log(`lab prerequisites: installing ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runHostCommand(HOST_BINARIES.aptGet, ['update', '-q'], { env, timeoutMs: 600_000 });
    await runHostCommand(HOST_BINARIES.aptGet, ['install', '-y', '-q', '--no-install-recommends', ...missing], {
      env,
      timeoutMs: 1_200_000,
    });
  }
  await ensureLabKernel(log);
  ensureUmlModulesLink();
  const reason = labUnavailableReason();
  if (reason !== null) throw new Error(reason);
  log(`lab prerequisites: ok (UML ${umlRelease()})`);
}
