import { z } from 'zod';
import { addressFamily, ForwardingMethod, IpAddress, Port, ServiceProtocol, Weight } from '../model/primitives';
import { Id, Version } from './common';

/** Connection thresholds (ipvsadm -x/-y): 0 = no limit. */
const Threshold = z.number({ error: 'Threshold must be a number' }).int('Threshold must be a whole number').min(0, 'Threshold must be 0 (no limit) or more').max(2147483647, 'Threshold is too large');

const realServerShape = {
  address: IpAddress,
  /** 0 only for firewall-mark services. */
  port: z.number({ error: 'Port must be a number' }).int('Port must be a whole number').min(0, 'Port must be between 1 and 65535').max(65535, 'Port must be between 1 and 65535'),
  weight: Weight.default(1),
  forwarding: ForwardingMethod.default('DR'),
  /** The managed host behind this address, if it runs an agent. */
  nodeId: Id.nullable().default(null),
  upperThreshold: Threshold.nullable().default(null),
  lowerThreshold: Threshold.nullable().default(null),
};

/** Rules between the thresholds of one real server. */
function checkThresholds(rs: { upperThreshold: number | null; lowerThreshold: number | null }, ctx: z.RefinementCtx): void {
  // The kernel refuses a lower threshold above the upper one (ERANGE), even when upper is 0 ("no limit").
  const lower = rs.lowerThreshold ?? 0;
  const upper = rs.upperThreshold ?? 0;
  if (lower > 0 && lower > upper) {
    ctx.addIssue({ code: 'custom', path: ['lowerThreshold'], message: upper === 0 ? 'A lower threshold needs an upper threshold at least as high' : 'Lower threshold must not exceed the upper threshold' });
  }
}

/** Fields an operator sets on a real server. */
export const RealServerFields = z.object(realServerShape);
export type RealServerFields = z.infer<typeof RealServerFields>;

/** Input to add a real server to a virtual service. */
export const CreateRealServerInput = z.object({ ...realServerShape, virtualServiceId: Id }).superRefine(checkThresholds);
export type CreateRealServerInput = z.infer<typeof CreateRealServerInput>;

/** Input to replace a real server's fields at a known version. */
export const UpdateRealServerInput = z.object({ ...realServerShape, id: Id, version: Version }).superRefine(checkThresholds);
export type UpdateRealServerInput = z.infer<typeof UpdateRealServerInput>;

/** Input to change only the weight (the inline edit). */
export const SetRealServerWeightInput = z.object({ id: Id, version: Version, weight: Weight });
export type SetRealServerWeightInput = z.infer<typeof SetRealServerWeightInput>;

/** A field-level complaint: which input field, and what is wrong with it. */
export type FieldProblem = { field: string; message: string };

/**
 * Rules between a real server and the service it belongs to. DR and TUN rewrite only the MAC or wrap
 * the packet, so the real server receives the VIP's own port: a different port cannot work there.
 */
export function checkRealServerAgainstService(
  rs: { address: string; port: number; forwarding: ForwardingMethod },
  service: { protocol: ServiceProtocol; address: string | null; port: number | null },
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (service.protocol === 'FWMARK') {
    if (rs.forwarding === 'NAT' && rs.port === 0) problems.push({ field: 'port', message: 'NAT to a firewall-mark service needs a real server port' });
    if (rs.forwarding !== 'NAT' && rs.port !== 0 && rs.port !== service.port) {
      problems.push({ field: 'port', message: `${rs.forwarding} cannot remap ports: leave the port empty for a firewall-mark service` });
    }
    return problems;
  }
  if (rs.port === 0) problems.push({ field: 'port', message: 'Port must be between 1 and 65535' });
  else if (rs.forwarding !== 'NAT' && rs.port !== service.port) {
    problems.push({ field: 'port', message: `${rs.forwarding} cannot remap ports: the real server port must equal the service port ${service.port} (only NAT may differ)` });
  }
  if (service.address !== null && addressFamily(rs.address) !== addressFamily(service.address)) {
    problems.push({ field: 'address', message: `The real server must be ${addressFamily(service.address) === 'ipv6' ? 'IPv6' : 'IPv4'} like the VIP ${service.address}` });
  }
  return problems;
}
