import type { AgentConfig } from '../config/agent-config';
import type { Host } from './host';
import { LinuxAddressHost } from './linux-addresses';
import { LinuxIpvsHost } from './linux-ipvs';
import { NetlinkIpvsHost } from './netlink-ipvs';
import { IpvsNetlink } from '@fulcrum/lvs/netlink/ipvs-netlink';
import type { Logger } from '../log/logger';
import { LinuxKeepalivedHost } from './linux-keepalived';
import { LinuxModuleHost } from './linux-modules';
import { LinuxSysctlHost } from './linux-sysctls';

/** The real host: IPVS over netlink (ipvsadm behind it), every other concern through its binary (absolute paths from the config) or /proc. */
export function createLinuxHost(config: AgentConfig, log: Logger): Host {
  return {
    ipvs: new NetlinkIpvsHost(new IpvsNetlink(config.binaries.perl), new LinuxIpvsHost(config.binaries.ipvsadm), config.ipvsBackend, log),
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
