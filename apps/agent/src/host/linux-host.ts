import type { AgentConfig } from '../config/agent-config';
import type { Host } from './host';
import { LinuxAddressHost } from './linux-addresses';
import { LinuxIpvsHost } from './linux-ipvs';
import { LinuxKeepalivedHost } from './linux-keepalived';
import { LinuxModuleHost } from './linux-modules';
import { LinuxSysctlHost } from './linux-sysctls';

/** The real host: every concern through its binary (absolute paths from the config) or /proc. */
export function createLinuxHost(config: AgentConfig): Host {
  return {
    ipvs: new LinuxIpvsHost(config.binaries.ipvsadm),
    addresses: new LinuxAddressHost(config.binaries.ip),
    sysctls: new LinuxSysctlHost(config.binaries.sysctl),
    modules: new LinuxModuleHost(config.binaries.modprobe),
    keepalived: new LinuxKeepalivedHost({
      keepalivedBinary: config.binaries.keepalived,
      mkfifoBinary: config.binaries.mkfifo,
      configPath: config.keepalivedConfig,
      runDir: config.runDir,
    }),
  };
}
