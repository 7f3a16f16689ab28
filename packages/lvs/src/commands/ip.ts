import { z } from 'zod';
import { validate } from '../model/errors';
import { CanonicalAddress } from '../model/ipvs';
import { InterfaceName, addressFamily } from '../model/primitives';
import { BinaryPath } from './binaries';
import type { Command } from './run-command';

/** An address label: the device name, optionally ":" and a suffix (ip requires the label to start with the device). */
export const AddressLabel = z
  .string()
  .max(15, 'Labels are at most 15 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*(:[A-Za-z0-9_]+)?$/, 'Label must look like eth0 or eth0:12');

/** One address to hold on an interface (a VIP on a director, on lo or tunl0 on a real server). */
export const InterfaceAddress = z
  .object({
    address: CanonicalAddress,
    prefix: z.number().int().min(0).max(128),
    dev: InterfaceName,
    label: AddressLabel.optional(),
  })
  .superRefine((a, ctx) => {
    const max = addressFamily(a.address) === 'ipv6' ? 128 : 32;
    if (a.prefix > max) ctx.addIssue({ code: 'custom', path: ['prefix'], message: `Prefix must be at most ${max}` });
    if (a.label !== undefined && a.label !== a.dev && !a.label.startsWith(`${a.dev}:`))
      ctx.addIssue({ code: 'custom', path: ['label'], message: `Label must be ${a.dev} or start with "${a.dev}:"` });
    if (a.label !== undefined && addressFamily(a.address) === 'ipv6')
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'IPv6 addresses have no labels' });
  });
export type InterfaceAddress = z.infer<typeof InterfaceAddress>;

/** argv builder for iproute2's ip. */
export class Ip {
  /** Absolute path of ip. */
  readonly file: string;
  constructor(file = '/usr/sbin/ip') {
    this.file = validate(BinaryPath, file, 'ip path');
  }
  /** `ip -j addr show`: every interface and address as JSON (parse with parseIpAddrJson). */
  showAddresses(): Command {
    return { file: this.file, args: ['-j', 'addr', 'show'] };
  }
  /** `ip -j route show default` (and `-6` for IPv6): the NAT real-server gateway check. */
  showDefaultRoute(family: 'ipv4' | 'ipv6' = 'ipv4'): Command {
    return { file: this.file, args: family === 'ipv6' ? ['-6', '-j', 'route', 'show', 'default'] : ['-j', 'route', 'show', 'default'] };
  }
  /** `ip addr add A/P dev D [label L]`. */
  addAddress(address: InterfaceAddress): Command {
    return { file: this.file, args: ['addr', 'add', ...this.addressArgs(address)] };
  }
  /** `ip addr del A/P dev D`. */
  deleteAddress(address: InterfaceAddress): Command {
    const a = validate(InterfaceAddress, address, 'interface address');
    return { file: this.file, args: ['addr', 'del', `${a.address}/${a.prefix}`, 'dev', a.dev] };
  }
  /** `ip link set D up`. */
  setLinkUp(dev: string): Command {
    return { file: this.file, args: ['link', 'set', 'dev', validate(InterfaceName, dev, 'interface'), 'up'] };
  }
  private addressArgs(address: InterfaceAddress): string[] {
    const a = validate(InterfaceAddress, address, 'interface address');
    const args = [`${a.address}/${a.prefix}`, 'dev', a.dev];
    if (a.label !== undefined) args.push('label', a.label);
    return args;
  }
}
