import { z } from 'zod';
import { Ip, type InterfaceAddress } from '@fulcrum/lvs/commands/ip';
import { canonicalizeAddress } from '@fulcrum/lvs/model/address';
import { parseIpAddrJson, type InterfaceState } from '@fulcrum/lvs/parse/parse-ip-addr-json';
import type { AddressHost } from './host';
import { runHostCommand } from './run-host-command';

const DefaultRoutes = z.array(z.looseObject({ dst: z.string().optional(), gateway: z.string().optional() }));

/** Addresses and links through iproute2's ip. */
export class LinuxAddressHost implements AddressHost {
  private readonly ip: Ip;
  constructor(ipPath: string) {
    this.ip = new Ip(ipPath);
  }

  async list(): Promise<InterfaceState[]> {
    return parseIpAddrJson((await runHostCommand(this.ip.showAddresses())).stdout);
  }

  async add(address: InterfaceAddress): Promise<void> {
    await runHostCommand(this.ip.addAddress(address));
  }

  async remove(address: InterfaceAddress): Promise<void> {
    await runHostCommand(this.ip.deleteAddress(address));
  }

  async setLinkUp(device: string): Promise<void> {
    await runHostCommand(this.ip.setLinkUp(device));
  }

  async defaultGateway(family: 'ipv4' | 'ipv6'): Promise<{ gateway: string | null; argv: string[] }> {
    const command = this.ip.showDefaultRoute(family);
    const argv = [command.file, ...command.args];
    const out = (await runHostCommand(command)).stdout.trim();
    const routes = DefaultRoutes.parse(out === '' ? [] : JSON.parse(out));
    const gateway = routes.find((r) => r.gateway !== undefined)?.gateway;
    return { gateway: gateway === undefined ? null : canonicalizeAddress(gateway), argv };
  }
}
