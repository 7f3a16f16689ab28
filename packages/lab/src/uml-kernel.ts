import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HOST_BINARIES, runHostCommand } from './host-command';

// Why the lab does not run Debian 12's own `user-mode-linux` (6.1) any more: on hosts whose CPU has
// AMX (e.g. Sapphire Rapids) the host kernel's XSAVE area is ~10.7 KB, and ptrace(PTRACE_SETREGSET,
// NT_X86_XSTATE) refuses any buffer that is not exactly that size (EFAULT). UML 6.1 and 6.12 pass a
// fixed, smaller buffer, so the guest's first process dies at once ("userspace - ptrace set fp regs
// failed, errno = 14", then "Kernel panic - Attempted to kill init"). UML 7.x sizes the buffer from
// the host (verified on such a host: 6.1 and 6.12 panic, 7.2 boots and runs node).
//
// So the lab uses Debian's user-mode-linux from the `testing` suite, fetched by apt from Debian's
// archive (signature-checked with the keyring already on the machine) into a private apt state, and
// unpacked under LAB_KERNEL_ROOT — nothing is installed into the system's dpkg database. That kernel
// needs a newer glibc than Debian 12's, so the glibc of the same suite is unpacked beside it and the
// kernel's ELF interpreter and library path point there (patchelf). The guest itself still runs the
// host's own binaries (node, ipvsadm, keepalived) through hostfs with the host's libraries.

/** Where the lab's kernel, its glibc and its modules are unpacked. */
export const LAB_KERNEL_ROOT = '/var/lib/fulcrum/uml';
/** Debian suite the kernel and its glibc come from. */
export const LAB_KERNEL_SUITE = 'testing';
const PACKAGES = ['user-mode-linux', 'libc6'] as const;
const PATCHELF = '/usr/bin/patchelf';
const DPKG_DEB = '/usr/bin/dpkg-deb';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The lab kernel as unpacked on this machine. */
export interface LabKernel {
  /** The UML kernel binary (interpreter and library path patched to its own glibc). */
  binary: string;
  /** Kernel release, e.g. "7.2.7" (the name of its modules folder). */
  release: string;
  /** Folder holding the release's modules (kernel/net/netfilter/ipvs/...). */
  modulesDir: string;
  /** Package versions it was unpacked from, for the log. */
  packages: string;
}

const binaryPath = () => path.join(LAB_KERNEL_ROOT, 'linux.uml');
const manifestPath = () => path.join(LAB_KERNEL_ROOT, 'kernel.json');

/** The unpacked lab kernel, or null when none is (completely) there. */
export function findLabKernel(): LabKernel | null {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath(), 'utf8')) as { release: string; packages: string };
    const modulesDir = path.join(LAB_KERNEL_ROOT, 'modules', manifest.release);
    if (!existsSync(binaryPath()) || !existsSync(path.join(modulesDir, 'kernel/net/netfilter/ipvs/ip_vs.ko'))) return null;
    return { binary: binaryPath(), release: manifest.release, modulesDir, packages: manifest.packages };
  } catch {
    return null;
  }
}

/**
 * Downloads and unpacks the lab kernel when it is not there yet (root; needs apt-get, dpkg-deb,
 * patchelf and Debian's archive). Replaces the folder atomically, so a failed fetch leaves the
 * previous kernel (if any) usable.
 */
export async function ensureLabKernel(log: (line: string) => void): Promise<LabKernel> {
  const existing = findLabKernel();
  if (existing) return existing;
  if (!existsSync(KEYRING)) throw new Error(`cannot fetch the lab kernel: ${KEYRING} is missing (package debian-archive-keyring)`);
  mkdirSync(path.dirname(LAB_KERNEL_ROOT), { recursive: true });
  const work = mkdtempSync(`${LAB_KERNEL_ROOT}.fetch-`);
  try {
    log(`lab kernel: fetching user-mode-linux and its glibc from Debian ${LAB_KERNEL_SUITE} (Debian 12's UML 6.1 panics on hosts whose CPU has AMX)…`);
    for (const dir of ['apt/lists/partial', 'apt/cache/archives/partial', 'debs']) mkdirSync(path.join(work, dir), { recursive: true });
    const sourceList = path.join(work, 'apt/sources.list');
    writeFileSync(sourceList, `deb [signed-by=${KEYRING}] http://deb.debian.org/debian ${LAB_KERNEL_SUITE} main\n`);
    // A private apt state: the system's sources, lists and dpkg database are not touched.
    const aptOptions = [
      '-q',
      '-o', `Dir::Etc::SourceList=${sourceList}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${path.join(work, 'apt/lists')}`,
      '-o', `Dir::Cache=${path.join(work, 'apt/cache')}`,
      '-o', 'APT::Sandbox::User=root',
    ];
    await runHostCommand(HOST_BINARIES.aptGet, [...aptOptions, 'update'], { timeoutMs: 600_000 });
    const debs = path.join(work, 'debs');
    await runHostCommand(HOST_BINARIES.aptGet, [...aptOptions, '-o', `Dir::Cache::archives=${debs}`, 'download', ...PACKAGES], { timeoutMs: 600_000, cwd: debs });
    const unpacked = path.join(work, 'unpacked');
    const versions: string[] = [];
    for (const file of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
      await runHostCommand(DPKG_DEB, ['-x', path.join(debs, file), unpacked], { timeoutMs: 300_000 });
      versions.push(file.replace(/_amd64\.deb$/, '').replace('_', ' ').replace(/%3a/g, ':'));
    }
    const modulesRoot = path.join(unpacked, 'usr/lib/uml/modules');
    const release = existsSync(modulesRoot) ? readdirSync(modulesRoot).sort().at(-1) : undefined;
    if (!release) throw new Error('the downloaded user-mode-linux has no modules folder');

    const staged = path.join(work, 'kernel');
    mkdirSync(path.join(staged, 'modules'), { recursive: true });
    renameSync(path.join(unpacked, 'usr/lib/x86_64-linux-gnu'), path.join(staged, 'lib'));
    renameSync(path.join(modulesRoot, release), path.join(staged, 'modules', release));
    renameSync(path.join(unpacked, 'usr/bin/linux.uml'), path.join(staged, 'linux.uml'));
    // Final paths (after the rename below), so the kernel finds its own glibc wherever it is started from.
    await runHostCommand(PATCHELF, ['--set-interpreter', path.join(LAB_KERNEL_ROOT, 'lib/ld-linux-x86-64.so.2'), '--set-rpath', path.join(LAB_KERNEL_ROOT, 'lib'), path.join(staged, 'linux.uml')]);
    writeFileSync(path.join(staged, 'kernel.json'), `${JSON.stringify({ release, packages: versions.join(', '), suite: LAB_KERNEL_SUITE }, null, 2)}\n`);

    rmSync(LAB_KERNEL_ROOT, { recursive: true, force: true });
    renameSync(staged, LAB_KERNEL_ROOT);
    const kernel = findLabKernel();
    if (!kernel) throw new Error(`the lab kernel was unpacked into ${LAB_KERNEL_ROOT} but is incomplete`);
    log(`lab kernel: ${kernel.packages} (release ${kernel.release}) in ${LAB_KERNEL_ROOT}`);
    return kernel;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
