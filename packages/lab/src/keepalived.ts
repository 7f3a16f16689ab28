import { z } from 'zod';

// A deliberately small keepalived.conf renderer for lab tests (one or more vrrp_instances, nothing
// else). The product's full renderer belongs to packages/lvs; the lab only needs VRRP to move VIPs.

const Name = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
const Ipv4WithPrefix = z.string().regex(/^[0-9]{1,3}(\.[0-9]{1,3}){3}(\/[0-9]{1,2})?$/);

export const LabVrrpInstance = z.object({
  name: Name.default('VI_1'),
  interface: Name.default('eth0'),
  state: z.enum(['MASTER', 'BACKUP']).default('BACKUP'),
  virtualRouterId: z.number().int().min(1).max(255),
  priority: z.number().int().min(1).max(254),
  /** Seconds; fractions need VRRP version 3. */
  advertInt: z.number().positive().max(255).default(1),
  vrrpVersion: z.union([z.literal(2), z.literal(3)]).default(2),
  virtualIpAddresses: z.array(Ipv4WithPrefix).min(1),
  /** Optional notify FIFO path (keepalived writes state changes to it). */
  notifyFifo: z.string().regex(/^\/[A-Za-z0-9_./-]+$/).optional(),
});
export type LabVrrpInstance = z.input<typeof LabVrrpInstance>;

export const LabKeepalivedConfig = z.object({
  routerId: Name,
  instances: z.array(LabVrrpInstance).min(1),
});
export type LabKeepalivedConfig = z.input<typeof LabKeepalivedConfig>;

/** Renders a keepalived.conf holding only global_defs and vrrp_instance blocks. */
export function renderLabKeepalivedConfig(input: LabKeepalivedConfig): string {
  const config = LabKeepalivedConfig.parse(input);
  const lines = ['global_defs {', `  router_id ${config.routerId}`];
  const fifo = config.instances.find((instance) => instance.notifyFifo !== undefined)?.notifyFifo;
  if (fifo !== undefined) lines.push(`  vrrp_notify_fifo ${fifo}`);
  const version = config.instances.some((instance) => instance.vrrpVersion === 3) ? 3 : 2;
  lines.push(`  vrrp_version ${version}`, '}');
  for (const instance of config.instances) {
    lines.push(
      `vrrp_instance ${instance.name} {`,
      `  state ${instance.state}`,
      `  interface ${instance.interface}`,
      `  virtual_router_id ${instance.virtualRouterId}`,
      `  priority ${instance.priority}`,
      `  advert_int ${instance.advertInt}`,
      '  virtual_ipaddress {',
      ...instance.virtualIpAddresses.map((address) => `    ${address} dev ${instance.interface}`),
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** keepalived argv for a lab host: foreground, log to the console (captured in the process log), VRRP only. */
export function keepalivedArgv(configPath: string, extraArgs: string[] = []): string[] {
  return ['keepalived', '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '--use-file', configPath, ...extraArgs];
}
