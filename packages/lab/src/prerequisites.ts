import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { HOST_BINARIES, runHostCommand } from './host-command';

/** Debian packages the lab needs on the host (the guest runs the host's binaries through hostfs). */
export const LAB_PACKAGES = [
  'user-mode-linux', // the guest kernel, with IPVS modules
  'ipvsadm',
  'keepalived',
  'kmod', // modprobe inside the guest
  'iproute2',
  'busybox-static',
  'curl', // HTTP client for the lab's client host
  'util-linux', // unshare (private /tmp per keepalived)
  'procps', // sysctl
] as const;

const UML_MODULES_ROOT = '/usr/lib/uml/modules';

/** One-line reason the lab cannot run on this machine, or null when it can. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `the UML lab needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the UML lab needs root (it creates a tap device and runs User-Mode Linux)';
  if (!existsSync('/dev/net/tun')) return 'the UML lab needs /dev/net/tun (tap devices), which this machine lacks';
  if (!existsSync(HOST_BINARIES.uml)) {
    return `User-Mode Linux is not installed (${HOST_BINARIES.uml} missing): run "npx tsx packages/lab/src/prerequisites-cli.ts"`;
  }
  if (umlRelease() === null) return `User-Mode Linux modules are missing under ${UML_MODULES_ROOT}`;
  return null;
}

/** The UML kernel release (the folder name of its modules), or null when none is installed. */
export function umlRelease(): string | null {
  if (!existsSync(UML_MODULES_ROOT)) return null;
  const releases = readdirSync(UML_MODULES_ROOT).sort();
  return releases.at(-1) ?? null;
}

async function isPackageInstalled(name: string): Promise<boolean> {
  const result = await runHostCommand(HOST_BINARIES.dpkgQuery, ['-W', '-f', '${Status}', name], { allowFailure: true });
  return result.exitCode === 0 && result.stdout.includes('install ok installed');
}

/**
 * Makes `modprobe` inside the guest find the UML modules: the guest's root is the host's, and
 * modprobe looks in /lib/modules/<release>. The only host change outside the lab's own files.
 */
export function ensureUmlModulesLink(): void {
  const release = umlRelease();
  if (release === null) throw new Error(`no UML modules under ${UML_MODULES_ROOT}`);
  const link = `/lib/modules/${release}`;
  const target = `${UML_MODULES_ROOT}/${release}`;
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = null;
  }
  if (stat === null) {
    mkdirSync('/lib/modules', { recursive: true });
    symlinkSync(target, link);
    return;
  }
  if (stat.isSymbolicLink() && readlinkSync(link) === target) return;
  // A real directory there (e.g. a host kernel of the same release) is left alone: it is not ours.
  if (!existsSync(`${link}/kernel/net/netfilter/ipvs/ip_vs.ko`)) {
    throw new Error(`${link} exists but holds no UML IPVS modules; remove it or point it at ${target}`);
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
  ensureUmlModulesLink();
  const reason = labUnavailableReason();
  if (reason !== null) throw new Error(reason);
  log(`lab prerequisites: ok (UML ${umlRelease()})`);
}
