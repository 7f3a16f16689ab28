import type { InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import type { SysctlSetting } from '@fulcrum/lvs/commands/sysctl';
import type { IpvsOperation } from '@fulcrum/lvs/diff/operations';
import type { IpvsTable } from '@fulcrum/lvs/model/ipvs';
import type { InterfaceState } from '@fulcrum/lvs/parse/parse-ip-addr-json';
import type { SyncDaemon } from '@fulcrum/lvs/parse/parse-ipvsadm-daemon';

// Everything that touches the host goes through these interfaces: one per concern. The Linux
// implementations (linux-*.ts) build argv with @fulcrum/lvs and run it with runCommand (execFile, no
// shell); tests use an in-memory fake of the same interfaces.

/** A host command that failed: what ran, and why (mirrors lvs CommandError, without its class). */
export interface HostFailure {
  message: string;
  argv: string[];
}

/** Result of applying IPVS operations: per-operation failures when known (single calls), a batch failure otherwise. */
export interface IpvsApplyResult {
  mode: 'none' | 'single' | 'batch';
  /** Index into the applied operations → why it failed (single calls only). */
  failures: Map<number, HostFailure>;
  /** ipvsadm -R exited non-zero (it reports only the last line's status: read back to know which). */
  batchFailure: HostFailure | null;
}

/** The kernel's IPVS table: read, change, sample. */
export interface IpvsHost {
  /**
   * Services and destinations as the kernel holds them: ipvsadm -Sn, merged with -Ln --thresholds
   * unless `thresholds: false` (then every -x/-y reads as 0: one process less).
   */
  readTable(options?: { thresholds?: boolean }): Promise<IpvsTable>;
  /** Runs the operations: single ipvsadm calls up to batchThreshold, else one ipvsadm -R on stdin. */
  apply(operations: readonly IpvsOperation[], options: { batchThreshold: number }): Promise<IpvsApplyResult>;
  /** argv of the single ipvsadm call that carries out one operation (for error reports). */
  argvOf(operation: IpvsOperation): string[];
  /** /proc/net/ip_vs (read in-process: no fork). */
  readProcTable(): Promise<string>;
  /** ipvsadm -Ln --stats --exact (netlink; per-destination counters). */
  readStatsListing(): Promise<string>;
  /** /proc/net/ip_vs_conn (persistence templates). */
  readConnections(): Promise<string>;
  /** ipvsadm -Ln text, for the UI's kernel view. */
  readListing(): Promise<string>;
  /** The connection-sync daemons the kernel runs (ipvsadm -L --daemon); throws when it cannot be read. */
  readSyncDaemons(): Promise<SyncDaemon[]>;
}

/** Interface addresses and links (ip). */
export interface AddressHost {
  /** Every interface with its addresses (ip -j addr show). */
  list(): Promise<InterfaceState[]>;
  add(address: InterfaceAddress): Promise<void>;
  remove(address: InterfaceAddress): Promise<void>;
  setLinkUp(device: string): Promise<void>;
  /** Gateway of the default route of a family, or null when there is none (ip -j route show default). */
  defaultGateway(family: 'ipv4' | 'ipv6'): Promise<{ gateway: string | null; argv: string[] }>;
}

/** Kernel parameters (sysctl). */
export interface SysctlHost {
  /** Current value, or null when the key does not exist on this host. */
  read(key: string): Promise<number | null>;
  write(setting: SysctlSetting): Promise<void>;
}

/** Kernel modules (modprobe). */
export interface ModuleHost {
  /** Makes sure a module is available (built in or loaded); throws HostCommandError when it cannot be. */
  ensure(name: string): Promise<void>;
}

/** A keepalived process the agent started or adopted. */
export interface KeepalivedProcess {
  pid: number;
  /** Resolves when the process has exited (for an adopted process: when it is found gone). */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** keepalived: config file, process, signals, notify FIFO. */
export interface KeepalivedHost {
  /** Text of the config file the agent last wrote, or null. */
  readConfig(): Promise<string | null>;
  /** Writes the config atomically (0600). */
  writeConfig(text: string): Promise<void>;
  /** Checks a config with keepalived --config-test; returns the complaint or null when usable. */
  testConfig(text: string): Promise<string | null>;
  /** Starts keepalived (VRRP only, foreground, own pid files). */
  start(): Promise<KeepalivedProcess>;
  /** A keepalived still running from an earlier agent (pid file + /proc check), or null. */
  adopt(): Promise<KeepalivedProcess | null>;
  /** Sends a signal to keepalived's main process (SIGHUP = reload, SIGTERM = stop). */
  signal(process: KeepalivedProcess, signal: 'SIGHUP' | 'SIGTERM' | 'SIGKILL'): void;
  /** Kills whatever keepalived children the pid files still name (a VRRP child outliving a SIGKILLed parent). */
  killLeftovers(): Promise<number[]>;
  /** Path of the notify FIFO keepalived writes VRRP state changes to (created if missing). */
  ensureNotifyFifo(): Promise<string>;
  /** Lines written to the FIFO, as they arrive. Returns a stop function. */
  readNotifyFifo(onLine: (line: string) => void): Promise<() => void>;
}

/** Everything the agent needs from its host. */
export interface Host {
  ipvs: IpvsHost;
  addresses: AddressHost;
  sysctls: SysctlHost;
  modules: ModuleHost;
  keepalived: KeepalivedHost;
}

/** A host command failed; carries argv for the applied frame's error items. */
export class HostCommandError extends Error {
  /** Stable code. */
  readonly code = 'HOST_COMMAND_FAILED';
  constructor(
    message: string,
    /** The command as run, argv[0] first. */
    readonly argv: string[],
  ) {
    super(message);
    this.name = 'HostCommandError';
  }
}
